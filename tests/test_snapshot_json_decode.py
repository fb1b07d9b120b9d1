"""A snapshot's JSON files decode to the same records and the same messages whether jsonio.decode is
given the file's bytes (UTF-8, where json reads them as the text) or its text, by orjson or by json."""
from __future__ import annotations

import codecs
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncready.errors import SourceError
from syncready.sources import snapshot_json
from syncready.sources.snapshot_layout import GROUPS, USERS
from test_jsonio_decode import EDGES, _canonical, _documents

pytestmark = pytest.mark.unit

def _json_loads(data, text=None):
    return json.loads(data)


_PREFIXES = [b"", codecs.BOM_UTF8, codecs.BOM_UTF8 * 2, b"\x00", b" \x00"]


def _read(path, rel):
    try:
        return ("records", [(_canonical(records), [label(i) for i in range(min(len(records), 3))])
                            for records, label in snapshot_json.load_json(path, rel)])
    except SourceError as exc:
        return ("error", str(exc))


def _as_before(monkeypatch, path, rel):
    """load_json as it was: json.loads of the decoded text."""
    with monkeypatch.context() as patch:
        patch.setattr(snapshot_json, "_same_json", lambda data, text: text)
        patch.setattr(snapshot_json, "decode", _json_loads)
        return _read(path, rel)


def _same_read(tmp_path, monkeypatch, data: bytes, rel: str = GROUPS) -> None:
    path = tmp_path / "file.json"
    path.write_bytes(data)
    assert _read(path, rel) == _as_before(monkeypatch, path, rel), data[:80]


@pytest.mark.parametrize("prefix", _PREFIXES, ids=range(len(_PREFIXES)))
@pytest.mark.parametrize("text", [*EDGES[:60], '[{"id": "a"}, {"id": "b"}]', '{"value": [{"id": "a"}]}',
                                  '{"id": "a"}\n{"id": "b"}\n', '[{"Id": "a", "DisplayName": "A"}]', "\n\n"])
def test_bytes_and_text_read_alike(tmp_path, monkeypatch, prefix, text):
    try:
        _same_read(tmp_path, monkeypatch, prefix + text.encode("utf-8"))
    except UnicodeEncodeError:
        _same_read(tmp_path, monkeypatch, prefix + text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("rel", [USERS, GROUPS])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig", "utf-32"])
def test_other_encodings_read_alike(tmp_path, monkeypatch, rel, encoding):
    _same_read(tmp_path, monkeypatch, '[{"id": "a", "mail": "é"}]'.encode(encoding), rel)


@given(_documents(), st.sampled_from(_PREFIXES))
def test_generated_files_read_alike(tmp_path_factory, text, prefix):
    """As above on generated and malformed JSON (monkeypatch is function-scoped, so patched by hand)."""
    path = tmp_path_factory.mktemp("json") / "file.json"
    try:
        path.write_bytes(prefix + text.encode("utf-8"))
    except UnicodeEncodeError:
        return
    now = _read(path, GROUPS)
    same_json, decode = snapshot_json._same_json, snapshot_json.decode
    snapshot_json._same_json, snapshot_json.decode = (lambda data, text: text), _json_loads
    try:
        before = _read(path, GROUPS)
    finally:
        snapshot_json._same_json, snapshot_json.decode = same_json, decode
    assert now == before
