"""syncready.toml is strict (SPEC §8): an unknown table or key, or a value of the wrong type, is a
configuration error naming the key; the configuration in force is found the documented way and
reported."""
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from syncready.cli import main
from syncready.config import load_config, parse_config
from syncready.coverage import Collection
from syncready.errors import ConfigError
from syncready.results import read_results
from syncready.vocab import CloudOnlyMailboxes, SourceAnchor, SyncClient

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "contoso"
README = (ROOT / "README.md").read_text(encoding="utf-8")
OUT_OF_SCOPE = "CN=Erin Davis,OU=Leavers,DC=contoso,DC=test"   # outside the scope of the example's config


def run_check(tmp_path, capsys, config_text, *extra):
    cfg = tmp_path / "c.toml"
    cfg.write_text(config_text, encoding="utf-8")
    code = main(["check", "--snapshot", str(EXAMPLE), "--config", str(cfg), "--json", str(tmp_path / "r.json"), *extra])
    return code, capsys.readouterr().err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_misspelt_scope_key_is_an_error_not_the_whole_domain(tmp_path, capsys):
    """`inclde` used to be ignored: the scope became the whole domain and out-of-scope users turned in-scope."""
    code, err = run_check(tmp_path, capsys, '[scope]\ninclde = ["OU=Staff,DC=contoso,DC=test"]\n')
    assert code == 2
    line = one_error_line(err)
    assert "scope.inclde" in line and "did you mean scope.include?" in line
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("text,key,nearest", [
    ('[scpoe]\ninclude = []\n', "scpoe", "scope"),
    ('[checks]\nignor = ["attribute-drift"]\n', "checks.ignor", "checks.ignore"),
    ('[fix.create]\nenable = true\n', "fix.create.enable", "fix.create.enabled"),
    ('[sources]\ngraph_ulr = "https://graph.microsoft.com/v1.0"\n', "sources.graph_ulr", "sources.graph_url"),
    ('[drift]\nattribute = { title = "jobTitle" }\n', "drift.attribute", "drift.attributes"),
    ('[[waivers]]\ncheck = "upn-exists"\nsubjects = ["a@contoso.com"]\nreason = "r"\nexpire = 2030-01-01\n',
     "waivers[1].expire", "expires"),
])
def test_unknown_keys_name_the_nearest_valid_one(tmp_path, capsys, text, key, nearest):
    code, err = run_check(tmp_path, capsys, text)
    line = one_error_line(err)
    assert code == 2 and "unknown" in line and key in line and "did you mean" in line and nearest in line, line


@pytest.mark.parametrize("text,key,expected", [
    ('[fix.create]\nenabled = "yes"\n', "fix.create.enabled", "true or false"),
    ('[scope]\ninclude = "OU=Staff,DC=contoso,DC=test"\n', "scope.include", "list of texts"),
    ('[scope]\ninclude_onmicrosoft = 1\n', "scope.include_onmicrosoft", "true or false"),
    ('[checks]\nselect = [1, 2]\n', "checks.select", "list of texts"),
    ('[severity]\n"account-enabled" = 2\n', "severity.account-enabled", '"blocker", "warning"'),
    ('[drift]\nattributes = { title = 1 }\n', "drift.attributes.title", "a text"),
    ('[drift]\nattributes = ["title"]\n', "drift.attributes", "a table"),
    ('[sources]\ngraph_timeout = "fast"\n', "sources.graph_timeout", "positive number"),
    ('[sources]\nauth = "secrte"\n', "sources.auth", "did you mean secret?"),
    ('[sources]\nknown_empty = "roleEligibilitySchedules"\n', "sources.known_empty", "a list of"),
    ('[sources]\nknown_empty = ["roleEligibility"]\n', "sources.known_empty", "did you mean roleEligibilitySchedules?"),
    ('scope = ["OU=Staff"]\n', "[scope]", "must be a table"),
    ('waivers = { check = "x" }\n', "waivers", "[[waivers]]"),
    ('[[waivers]]\ncheck = "upn-exists"\nsubjects = "a@contoso.com"\nreason = "r"\n', "waivers[1].subjects",
     "list of texts"),
    ('[fix]\nwrite_consistency_guid = "true"\n', "fix.write_consistency_guid", "true or false"),
])
def test_values_of_the_wrong_type_name_the_key_and_the_type(tmp_path, capsys, text, key, expected):
    code, err = run_check(tmp_path, capsys, text)
    line = one_error_line(err)
    assert code == 2 and key in line and expected in line, line


@pytest.mark.parametrize("text,needle", [
    ("x = " + "9" * 10000 + "\n", "not usable TOML"),
    ("x = " + "[" * 5000 + "]" * 5000 + "\n", "TOML"),
    ("[scope\ninclude = []\n", "not valid TOML"),
    ("\udcff", "TOML"),
])
def test_unusable_toml_is_one_line(tmp_path, capsys, text, needle):
    cfg = tmp_path / "c.toml"
    cfg.write_bytes(text.encode("utf-8", "surrogateescape"))
    code = main(["check", "--snapshot", str(EXAMPLE), "--config", str(cfg)])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and needle in line and str(cfg) in line


def test_pyproject_tool_section_is_strict_too(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.syncready.scope]\nexclde = ["OU=Leavers,DC=contoso,DC=test"]\n')
    code = main(["check", "--snapshot", str(EXAMPLE)])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and "pyproject.toml [tool.syncready]" in line and "did you mean scope.exclude?" in line


def _toml_blocks(text: str) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", text, flags=re.DOTALL)


def test_every_documented_key_is_accepted():
    blocks = _toml_blocks(README)
    assert len(blocks) >= 2
    for block in blocks:
        data = tomllib.loads(block.replace("\n  ", "\n"))
        config = parse_config(data, "README")
        assert config.path is None
    main_block = next(b for b in blocks if b.startswith("[scope]"))     # the configuration section's example
    full = parse_config(tomllib.loads(main_block), "README")
    assert full.scope.include and full.scope.exclude and full.ignore == ("attribute-drift",)
    assert full.severity == {"account-enabled": "blocker"} and ("title", "jobTitle") in full.drift
    assert full.sources["graph_ca_file"] == "corp-proxy-ca.pem" and full.waivers[0].reason


def test_known_empty_takes_collection_names():
    names = [c.value for c in Collection]
    config = parse_config({"sources": {"known_empty": names}})
    assert config.known_empty == tuple(names)
    assert parse_config({}).known_empty == ()
    with pytest.raises(ConfigError, match="known_empty value 'roleAssignment' is not valid"):
        parse_config({"sources": {"known_empty": ["roleAssignment"]}})


def test_the_config_inside_the_snapshot_folder_is_used_when_there_is_no_other(tmp_path, monkeypatch, capsys):
    """Without it the example is checked with no scope: a Leavers user is in scope (an orphan subject)."""
    snap = tmp_path / "snap"
    shutil.copytree(EXAMPLE, snap)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    config = load_config(None, snapshot=str(snap))
    assert config.path == str(snap / "syncready.toml") and config.scope.include
    assert load_config(None).path is None
    out = tmp_path / "r.json"
    (work / "none.toml").write_text("")
    main(["check", "--snapshot", str(snap), "--config", str(work / "none.toml"), "--json", str(out)])
    assert OUT_OF_SCOPE in {s["subject"] for s in read_results(out)["subjects"]}
    main(["check", "--snapshot", str(snap), "--json", str(out)])
    doc = read_results(out)
    assert OUT_OF_SCOPE not in {s["subject"] for s in doc["subjects"]}
    assert doc["coverage"]["config"] == str(snap / "syncready.toml")
    assert f"Config: {snap / 'syncready.toml'}" in capsys.readouterr().out


def test_a_config_in_the_working_folder_or_given_wins_over_the_snapshot_one(tmp_path, monkeypatch):
    snap = tmp_path / "snap"
    shutil.copytree(EXAMPLE, snap)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "syncready.toml").write_text('[checks]\nignore = ["attribute-drift"]\n')
    config = load_config(None, snapshot=str(snap))
    assert config.path == "syncready.toml" and not config.scope.include
    other = tmp_path / "other.toml"
    other.write_text("")
    assert load_config(str(other), snapshot=str(snap)).path == str(other)


def test_a_bad_config_in_the_snapshot_folder_names_that_file(tmp_path, monkeypatch, capsys):
    snap = tmp_path / "snap"
    shutil.copytree(EXAMPLE, snap)
    (snap / "syncready.toml").write_text('[scope]\ninclde = []\n')
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--snapshot", str(snap)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(snap / "syncready.toml") in line and "scope.inclde" in line


def test_the_pytest_front_end_uses_the_config_inside_the_snapshot_folder(tmp_path):
    """`pytest checks/ --snapshot DIR` finds DIR/syncready.toml as `syncready check` does: the Leavers user
    outside the example's scope is then no orphan-onprem subject."""
    snap = tmp_path / "snap"
    shutil.copytree(EXAMPLE, snap)
    proc = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "checks"), "--snapshot", str(snap),
                           "--collect-only", "-q", "-p", "syncready.pytest_plugin", "-p", "no:cacheprovider"],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    seen = [line for line in proc.stdout.splitlines() if "::" in line]
    assert seen, proc.stdout + proc.stderr
    assert not [n for n in seen if "Erin Davis" in n]


def test_sync_table_sets_the_client_and_the_anchor_attribute():
    """[sync] (SPEC §10): the client and the anchor attribute are configuration, read into Config.sync."""
    config = parse_config({"sync": {"client": "connect-sync", "source_anchor": "objectGUID"}})
    assert config.sync.client == SyncClient.CONNECT_SYNC and config.sync.source_anchor == SourceAnchor.OBJECT_GUID
    assert parse_config({"sync": {"client": "cloud-sync"}}).sync.client == SyncClient.CLOUD_SYNC
    default = parse_config({})
    assert default.sync.client == SyncClient.CONNECT_SYNC and default.sync.source_anchor is None
    assert parse_config({"sync": {"source_anchor": "mS-DS-ConsistencyGuid"}}).sync.source_anchor == \
        SourceAnchor.CONSISTENCY_GUID
    assert default.sync.password_hash_sync is None
    assert parse_config({"sync": {"password_hash_sync": True}}).sync.password_hash_sync is True
    with pytest.raises(ConfigError, match="password_hash_sync"):
        parse_config({"sync": {"password_hash_sync": "yes"}})


def test_scope_cloud_only_mailboxes_defaults_to_skip():
    assert parse_config({}).scope.cloud_only_mailboxes == CloudOnlyMailboxes.SKIP
    assert parse_config({"scope": {"cloud_only_mailboxes": "require"}}).scope.cloud_only_mailboxes == \
        CloudOnlyMailboxes.REQUIRE


@pytest.mark.parametrize("text,needle", [
    ('[sync]\nclient = "cloudsync"\n', "sync.client = 'cloudsync' is not valid (did you mean cloud-sync?)"),
    ('[sync]\nclient = "aadconnect"\n', 'expected one of "connect-sync", "cloud-sync"'),
    ('[sync]\nsource_anchor = "objectguid"\n', "sync.source_anchor = 'objectguid' is not valid"),
    ('[sync]\nsource_anchor = "msDS-ConsistencyGuid"\n', "did you mean mS-DS-ConsistencyGuid?"),
    ('[sync]\nanchor = "objectGUID"\n', "unknown key sync.anchor (did you mean sync.source_anchor?)"),
    ('[sync]\nclient = true\n', "sync.client must be one of"),
    ('sync = "cloud-sync"\n', "[sync] must be a table"),
    ('[scope]\ncloud_only_mailboxes = "ignore"\n', "scope.cloud_only_mailboxes = 'ignore' is not valid"),
    ('[scope]\ncloud_only_mailbox = "skip"\n', "did you mean scope.cloud_only_mailboxes?"),
])
def test_sync_and_cloud_only_mailboxes_values_are_strict(tmp_path, capsys, text, needle):
    code, err = run_check(tmp_path, capsys, text)
    line = one_error_line(err)
    assert code == 2 and needle in line, line
    assert not (tmp_path / "r.json").exists()


def test_cloud_sync_cannot_be_given_the_objectguid_anchor(tmp_path, capsys):
    """Cloud Sync's anchor is mS-DS-ConsistencyGuid with fallback to objectGUID, not configurable (FAQ)."""
    code, err = run_check(tmp_path, capsys, '[sync]\nclient = "cloud-sync"\nsource_anchor = "objectGUID"\n')
    line = one_error_line(err)
    assert code == 2 and "not possible with client" in line and "remove source_anchor" in line
    config = parse_config({"sync": {"client": "cloud-sync", "source_anchor": "mS-DS-ConsistencyGuid"}})
    assert config.sync.client == SyncClient.CLOUD_SYNC
