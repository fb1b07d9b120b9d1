"""Typed options built once from the command line, the module split of the live sources, and the
choice of Kerberos library for `--ldap-auth kerberos` (gssapi, or SSPI through winkerberos)."""
from __future__ import annotations

import dataclasses
import gc
import subprocess
import sys
import types
import weakref
from pathlib import Path

import pytest

from syncready.cli import build_parser
from syncready.errors import ConfigError
from syncready.options import (EVERY_CHECK, GraphAuth, GraphOptions, LdapAuth, LdapOptions, Outputs, RunOptions,
                               SourceOptions, from_args)
from syncready.pipeline import build_run
from syncready.sources import ldapconn

ROOT = Path(__file__).resolve().parent.parent
CONTOSO = ROOT / "examples" / "contoso"


def options(*argv: str):
    return from_args(build_parser().parse_args(list(argv)))


def test_the_command_line_and_sources_of_the_config_become_typed_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "syncready.toml").write_text('[sources]\ntenant_id = "contoso.onmicrosoft.com"\nauth = "secret"\n'
                                             'graph_ca_file = "proxy.pem"\ngraph_timeout = 7\n')
    built = options("check", "--client-id", "app", "--auth", "device-code", "--ldap-url", "ldaps://dc1.contoso.com",
                    "--ldap-base", "DC=contoso,DC=com", "--ldap-base", "DC=fabrikam,DC=com",
                    "--ldap-user", "CONTOSO\\a", "--ldap-auth", "kerberos", "--select", "anchor-ready",
                    "--user", "a@contoso.com", "--fail-on", "warning", "--json", "r.json", "-q")
    assert built.sources.graph == GraphOptions(tenant_id="contoso.onmicrosoft.com", client_id="app",
                                               auth=GraphAuth.DEVICE_CODE, ca_file="proxy.pem", timeout=7.0, quiet=True)
    assert built.sources.ldap == LdapOptions(url="ldaps://dc1.contoso.com", bases=("DC=contoso,DC=com",
                                             "DC=fabrikam,DC=com"), user="CONTOSO\\a", auth=LdapAuth.KERBEROS,
                                             quiet=True)
    assert built.run == RunOptions(select=("anchor-ready",), users=("a@contoso.com",), fail_on="warning",
                                   outputs=Outputs(json="r.json"))
    assert built.config.path is not None and Path(built.config.path).resolve() == tmp_path / "syncready.toml"


def test_no_graph_options_when_nothing_names_graph(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    built = options("check", "--snapshot", str(CONTOSO))
    assert built.sources.graph is None and built.sources.ldap is None
    assert built.sources.snapshot == str(CONTOSO) and built.run == EVERY_CHECK
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.sources.snapshot = "elsewhere"  # type: ignore[misc]     # frozen: a library caller cannot change what was asked for


def test_secrets_are_not_options(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "s3cret~Value.0123456789")
    monkeypatch.setenv("SYNCREADY_LDAP_PASSWORD", "Pa55word!x")
    built = options("check", "--tenant-id", "t", "--client-id", "c", "--auth", "secret", "--ldap-url",
                    "ldaps://dc1.contoso.com", "--ldap-user", "admin@contoso.com")
    assert "s3cret" not in repr(built) and "Pa55word" not in repr(built)


def test_a_library_caller_builds_a_run_without_a_namespace():
    sources = SourceOptions(snapshot=str(CONTOSO))
    run = build_run(sources, RunOptions(select=("upn-unique",)))
    assert {cid for s in run.subjects for cid in s.results} == {"upn-unique"}
    with pytest.raises(ConfigError, match="nobody@contoso.com: no such subject"):
        build_run(sources, RunOptions(users=("nobody@contoso.com",)))


def test_a_run_that_is_dropped_is_freed_and_one_kept_is_frozen():
    """fix re-reads and drops runs: they must be freed (the index has cycles, which a frozen run would
    keep to the end); check keeps its run to the end, which is frozen out of the collector's walks."""
    sources = SourceOptions(snapshot=str(CONTOSO))
    gc.collect()
    dropped = weakref.ref(build_run(sources).index)
    gc.collect()
    assert dropped() is None
    before = gc.get_freeze_count()
    kept = build_run(sources, kept=True)
    assert gc.get_freeze_count() > before and kept.subjects


def test_the_graph_writer_does_not_import_the_reader():
    code = ("import sys, syncready.writers.graph_writer\n"
            "readers = [n for n, m in sys.modules.items() if n.startswith('syncready') and hasattr(m, 'read_cloud')]\n"
            "assert not readers, readers\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_live_source_modules_stay_small():
    sources = ROOT / "syncready" / "sources"
    sizes = {p.name: len(p.read_text().splitlines()) for p in [*sources.glob("graph*.py"), *sources.glob("ldap*.py")]}
    assert {"graphsession.py", "grapherrors.py", "graphread.py", "ldapconn.py", "ldaperrors.py",
            "ldapread.py"} <= set(sizes)
    assert "graph.py" not in sizes and "ldap.py" not in sizes
    assert max(sizes.values()) <= 400, sizes


# --- --ldap-auth kerberos: gssapi or SSPI --------------------------------------------------------------

@pytest.fixture
def only_winkerberos(monkeypatch):
    """As on a Windows machine with winkerberos and without gssapi (ldap3 then uses winkerberos: SSPI)."""
    monkeypatch.setitem(sys.modules, "gssapi", None)
    monkeypatch.setitem(sys.modules, "winkerberos", types.ModuleType("winkerberos"))


def test_kerberos_through_sspi_binds_as_the_signed_in_user(only_winkerberos):
    endpoint = ldapconn.parse_url("ldaps://dc1.contoso.com")
    assert ldapconn.kerberos_backend() == "sspi"
    ldapconn._check_auth(LdapAuth.KERBEROS, None, endpoint)
    assert ldapconn._sasl_credentials(None) == (None, None, None)    # ldap3 refuses credentials with winkerberos
    with pytest.raises(ConfigError, match="signed-in Windows user; leave out --ldap-user"):
        ldapconn._check_auth(LdapAuth.KERBEROS, "admin@CONTOSO.COM", endpoint)


def test_kerberos_without_either_library_names_both(monkeypatch):
    monkeypatch.setitem(sys.modules, "gssapi", None)
    monkeypatch.setitem(sys.modules, "winkerberos", None)
    assert ldapconn.kerberos_backend() is None
    with pytest.raises(ConfigError, match=r"gssapi \(pip install gssapi\), or on Windows winkerberos"):
        ldapconn._check_auth(LdapAuth.KERBEROS, None, ldapconn.parse_url("ldaps://dc1.contoso.com"))


def test_kerberos_prefers_gssapi_as_ldap3_does():
    pytest.importorskip("gssapi")
    assert ldapconn.kerberos_backend() == "gssapi"


def test_the_kerberos_choice_is_said_in_help(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["check", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "signed-in Windows user through SSPI" in text and "Windows SSPI bind is untested" in text
