"""An empty snapshot file is one of whitespace only, as str.strip() counts whitespace (Unicode's, too):
load_json asks isspace() instead of stripping a copy of a file of tens of megabytes."""
from __future__ import annotations

import json

import pytest

from syncready.errors import SourceError
from syncready.sources.snapshot_json import load_json
from syncready.sources.snapshot_layout import GROUPS, USERS

pytestmark = pytest.mark.unit


_BLANK = ["", "\ufeff", " ", "\n\r\t", "\u3000", "\xa0\n", "\x1c\x1d\x1e\x1f", "\x85", "\u2028"]


@pytest.mark.parametrize("text", _BLANK)
def test_whitespace_only_is_empty(tmp_path, text):
    path = tmp_path / "f.json"
    path.write_text(text, encoding="utf-8")
    assert load_json(path, GROUPS) == []
    with pytest.raises(SourceError, match=r"^cloud/users.json: the file is empty$"):
        load_json(path, USERS)


@pytest.mark.parametrize("text", ["\u200b", "\ufeff\ufeff", " x ", "\u3000[]\u3000"])
def test_anything_else_is_read_as_json(tmp_path, text):
    path = tmp_path / "f.json"
    path.write_text(text, encoding="utf-8")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        with pytest.raises(SourceError, match=f"not valid JSON at line {exc.lineno} column {exc.colno}"):
            load_json(path, GROUPS)
