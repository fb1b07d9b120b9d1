"""exchange-remote-mailbox against a real DC (Samba with Exchange's recipient attributes in its schema):
a remote mailbox prepared correctly passes (X500 included); one missing its attributes is fixed —
msExchMailboxGuid written as the exact 16 bytes of the ExchangeGuid in AD's byte order — and undo
restores every attribute byte for byte. The cloud side is the example snapshot plus a Get-EXOMailbox
export (cloud/mailboxes.json)."""
from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
from ldap3 import MODIFY_ADD, MODIFY_REPLACE, SUBTREE

from syncready.cli import main
from syncready.config import load_config
from syncready.engine import Engine
from syncready.options import SourceOptions
from syncready.sources import ldapconn
from syncready.sources.load import load_directory

from fixtures_samba import live_args

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "contoso"
CHECK = "exchange-remote-mailbox"
READY, BARE = "rachel.adams@contoso.com", "henry.wilson@contoso.com"
WATCHED = ["proxyAddresses", "targetAddress", "msExchMailboxGuid", "msExchRecipientTypeDetails",
           "msExchRemoteRecipientType", "mail"]
GUIDS = {READY: "5b1e3a9c-7d44-4f0e-9a61-2c8f0d3e4b71", BARE: "2ed5d0ca-54e2-4226-9a3b-a48848e18c0f"}


def legacy(upn: str) -> str:
    return ("/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/"
            f"cn={upn.split('@')[0]}")


@pytest.fixture
def dc(fresh_contoso_dc, monkeypatch):
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, fresh_contoso_dc.admin_password)
    return fresh_contoso_dc


@pytest.fixture
def snap(tmp_path) -> Path:
    """The example snapshot with an Exchange Online export of the two users' mailboxes."""
    folder = tmp_path / "snap"
    shutil.copytree(EXAMPLE, folder)
    boxes = [{"UserPrincipalName": upn, "PrimarySmtpAddress": upn, "RecipientTypeDetails": "UserMailbox",
              "ExchangeGuid": guid, "LegacyExchangeDN": legacy(upn),
              "EmailAddresses": [f"SMTP:{upn}", f"smtp:{upn.split('@')[0]}@contoso.mail.onmicrosoft.com"]}
             for upn, guid in GUIDS.items()]
    (folder / "cloud" / "mailboxes.json").write_text(json.dumps(boxes))
    return folder


def connect(dc):
    return ldapconn.connect(live_args(dc))


def dn_of(conn, dc, upn: str) -> str:
    conn.search(dc.base_dn, f"(userPrincipalName={upn})", SUBTREE, attributes=["distinguishedName"])
    return conn.entries[0].entry_dn


def prepare(dc) -> None:
    """READY as Enable-RemoteMailbox + Set-RemoteMailbox -ExchangeGuid leave it, X500 added; BARE only
    marked as a remote user mailbox (what a half-done hybrid setup leaves)."""
    conn = connect(dc)
    ready = dn_of(conn, dc, READY)
    changes = {"msExchRecipientTypeDetails": [(MODIFY_REPLACE, ["2147483648"])],
               "msExchRemoteRecipientType": [(MODIFY_REPLACE, ["4"])],
               "targetAddress": [(MODIFY_REPLACE, ["SMTP:rachel.adams@contoso.mail.onmicrosoft.com"])],
               "msExchMailboxGuid": [(MODIFY_REPLACE, [uuid.UUID(GUIDS[READY]).bytes_le])],
               "proxyAddresses": [(MODIFY_ADD, [f"X500:{legacy(READY)}"])]}
    assert conn.modify(ready, changes), conn.result
    assert conn.modify(dn_of(conn, dc, BARE), {"msExchRecipientTypeDetails": [(MODIFY_REPLACE, ["2147483648"])]}), \
        conn.result
    conn.unbind()


def ad_state(dc) -> dict:
    conn = connect(dc)
    state = {}
    for upn in GUIDS:
        conn.search(dc.base_dn, f"(userPrincipalName={upn})", SUBTREE, attributes=WATCHED)
        raw = conn.response[0]["raw_attributes"]
        state[upn] = {k.lower(): sorted(v) for k, v in raw.items() if v}
    conn.unbind()
    return state


def statuses(dc, snap) -> dict:
    config = load_config(str(snap / "syncready.toml"))
    run = Engine(load_directory(SourceOptions(snapshot=str(snap), ldap=live_args(dc), config=config)), config,
                 select=[CHECK, "exchange-recipient-type", "exchange-duplicate-mailbox"]).run()
    return {(s.name, cid): r for s in run.subjects if s.name in GUIDS for cid, r in s.results.items()}


def options(dc, snap) -> list[str]:
    return ["--snapshot", str(snap), "--config", str(snap / "syncready.toml"), "--ldap-url", dc.ldaps_url,
            "--ldap-user", dc.admin_user, "--ldap-ca-file", dc.ca_file, "-q"]


def test_prepared_remote_mailbox_passes_and_a_bare_one_is_fixed_then_undone_byte_for_byte(dc, snap, tmp_path, capsys):
    prepare(dc)
    before = statuses(dc, snap)
    assert before[(READY, CHECK)].status == "pass", before[(READY, CHECK)]
    assert {k[1]: r.status for k, r in before.items() if k[0] == READY} == dict.fromkeys(
        (CHECK, "exchange-recipient-type", "exchange-duplicate-mailbox"), "pass")
    bare = before[(BARE, CHECK)]
    assert bare.status == "fail" and bare.evidence["missing"] == ["targetAddress", "msExchMailboxGuid",
                                                                  f"X500:{legacy(BARE)}"], bare
    state = ad_state(dc)

    journal = tmp_path / "fix.jsonl"
    assert main(["fix", *options(dc, snap), "--select", CHECK, "--user", BARE, "--apply",
                 "--journal", str(journal)]) in (0, 1)
    assert "conflicts 0, failed 0" in capsys.readouterr().out
    after = ad_state(dc)[BARE]
    assert after["msexchmailboxguid"] == [uuid.UUID(GUIDS[BARE]).bytes_le]          # 16 bytes, AD's byte order
    assert after["targetaddress"] == [b"SMTP:henry.wilson@contoso.mail.onmicrosoft.com"]
    assert f"X500:{legacy(BARE)}".encode() in after["proxyaddresses"]
    assert statuses(dc, snap)[(BARE, CHECK)].status == "pass"
    assert ad_state(dc)[READY] == state[READY]

    assert main(["undo", str(journal), *options(dc, snap), "--apply"]) == 0
    assert ad_state(dc) == state
    assert statuses(dc, snap)[(BARE, CHECK)].status == "fail"


def test_shared_mailbox_on_a_remote_user_mailbox_gets_kb_2710029s_values_and_undo_restores_them(dc, snap, tmp_path,
                                                                                                capsys):
    prepare(dc)
    boxes = json.loads((snap / "cloud" / "mailboxes.json").read_text())
    boxes[1]["RecipientTypeDetails"] = "SharedMailbox"                      # BARE is a shared mailbox in the cloud
    (snap / "cloud" / "mailboxes.json").write_text(json.dumps(boxes))
    conn = connect(dc)
    assert conn.modify(dn_of(conn, dc, BARE), {"msExchRemoteRecipientType": [(MODIFY_REPLACE, ["4"])]}), conn.result
    conn.unbind()
    result = statuses(dc, snap)[(BARE, "exchange-recipient-type")]
    assert result.status == "fail" and "converts it to a user mailbox" in result.message
    state = ad_state(dc)
    journal = tmp_path / "fix.jsonl"
    assert main(["fix", *options(dc, snap), "--select", "exchange-recipient-type", "--user", BARE]) == 1
    assert "not planned" in capsys.readouterr().out.lower()                  # unsafe: nothing without --unsafe
    main(["fix", *options(dc, snap), "--select", "exchange-recipient-type", "--user", BARE, "--unsafe", "--apply",
          "--journal", str(journal)])
    assert "conflicts 0, failed 0" in capsys.readouterr().out
    after = ad_state(dc)[BARE]
    assert (after["msexchremoterecipienttype"], after["msexchrecipienttypedetails"]) == ([b"100"], [b"34359738368"])
    assert statuses(dc, snap)[(BARE, "exchange-recipient-type")].status == "pass"
    assert main(["undo", str(journal), *options(dc, snap), "--apply"]) == 0
    assert ad_state(dc) == state
