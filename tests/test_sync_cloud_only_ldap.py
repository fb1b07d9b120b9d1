"""cloud-only's AD fix on a real Samba AD DC: the cloud ImmutableID written into mS-DS-ConsistencyGuid
(Microsoft's fix for the same person), then check passes, then undo restores AD byte for byte."""
from __future__ import annotations

import base64
from pathlib import Path

from syncready.cli import main
from syncready.config import load_config
from syncready.engine import Engine
from syncready.journal import read_journal
from syncready.options import SourceOptions
from syncready.sources import ldapconn
from syncready.sources.load import load_directory

from fixtures_samba import live_args
from test_fix_ldap import ad_state

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "contoso"
NINA = "nina.petrova@contoso.com"
NINA_DN = "cn=nina petrova,ou=staff,dc=contoso,dc=test"
STALE = "BcM6f+cbGlaUW4P6p2zodw=="        # her cloud ImmutableID in the example: no AD object has it


def config_file(tmp_path) -> Path:
    path = tmp_path / "syncready.toml"
    path.write_text((EXAMPLE / "syncready.toml").read_text(encoding="utf-8")
                    + '\n[fix]\nstale_immutable_id = "write-to-ad"\n', encoding="utf-8")
    return path


def cloud_only(dc, config: Path) -> str:
    cfg = load_config(str(config))
    run = Engine(load_directory(SourceOptions(snapshot=str(EXAMPLE), ldap=live_args(dc), config=cfg)), cfg,
                 select=["cloud-only"]).run(users=[NINA])
    return next(s for s in run.subjects if s.name == NINA).results["cloud-only"].status


def test_write_the_cloud_immutable_id_into_ad_then_undo_exactly(fresh_contoso_dc, tmp_path, monkeypatch, capsys):
    dc = fresh_contoso_dc
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, dc.admin_password)
    config = config_file(tmp_path)
    opts = ["--snapshot", str(EXAMPLE), "--config", str(config), "--ldap-url", dc.ldaps_url,
            "--ldap-user", dc.admin_user, "--ldap-ca-file", dc.ca_file, "-q"]
    before = ad_state(dc)
    assert cloud_only(dc, config) == "fail"
    journal = tmp_path / "fix.jsonl"
    code = main(["fix", *opts, "--select", "cloud-only", "--user", NINA, "--unsafe", "--apply",
                 "--journal", str(journal)])
    out = capsys.readouterr().out
    assert code == 0 and "conflicts 0, failed 0" in out, out
    after = ad_state(dc)
    assert after[NINA_DN]["ms-ds-consistencyguid"] == [base64.b64decode(STALE)]
    assert {dn: v for dn, v in after.items() if dn != NINA_DN} == {dn: v for dn, v in before.items() if dn != NINA_DN}
    assert cloud_only(dc, config) == "pass"
    assert main(["undo", str(journal), *opts, "--apply"]) == 0
    assert ad_state(dc) == before
    assert all(e.outcome == "applied" for e in read_journal(journal))
