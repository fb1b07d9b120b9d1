"""`syncready snapshot` files hold the directories' names, addresses and SIDs: owner-only (mode 600)
like the fix journal, also when an older snapshot's file was readable by others; on Windows, where
a mode is not access control, a warning says so (the README's stated limit)."""
from __future__ import annotations

import os
import stat

import pytest

from syncready import atomic
from syncready.sources import snapshot_write
from syncready.sources.snapshot import AD, MANIFEST, USERS, write_manifest, write_snapshot

USER = {"id": "1", "userPrincipalName": "ada@contoso.com", "userType": "Member"}
ENTRY = ("CN=Ada,OU=Staff,DC=contoso,DC=com", {"objectClass": [b"user"], "userPrincipalName": [b"ada@contoso.com"]})


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.skipif(os.name != "posix", reason="file modes are access control on POSIX only")
def test_snapshot_files_and_manifest_are_owner_only(tmp_path):
    out = tmp_path / "snap"
    (out / "cloud").mkdir(parents=True)
    (out / USERS).write_text("[]")
    os.chmod(out / USERS, 0o644)                           # an older snapshot, readable by others
    written = write_snapshot(out, {USERS: [USER], AD: [ENTRY]})
    written.append(write_manifest(out, {"schema": "syncready/snapshot/1"}))
    assert {p.relative_to(out).as_posix() for p in written} == {USERS, AD, MANIFEST}
    for path in written:
        assert mode(path) == 0o600, path
    assert mode(out / "onprem") == 0o700, "a folder the snapshot creates is the owner's alone"


def test_windows_says_owner_only_is_not_enforced(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(snapshot_write, "POSIX_MODES", False)
    monkeypatch.setattr(atomic, "POSIX_MODES", False)
    write_snapshot(tmp_path / "snap", {USERS: [USER]})
    err = capsys.readouterr().err
    assert "owner-only access is not enforced on Windows" in err and err.count("\n") == 1
