"""pytest fixtures: a real Samba AD DC holding the contoso example (examples/contoso/onprem/ad.ldif).

    contoso_dc        the session's DC (a tests/sambadc.py SambaDC); read it, never change it
    fresh_contoso_dc  a DC of the test's own, started from the same state; change it freely
    plain_dc          a DC without Exchange's schema (no msExch* recipient attributes) and without
                      the example, as a forest that never had Exchange; read it, never change it
    contoso_guid_map  {objectGUID in the LDIF: objectGUID in the DC} for the entries whose GUID
                      the DC could not take (those that provisioning already created)

The DC is provisioned once per session into a template folder that is copied for each DC.
Three things of the example cannot be loaded as they are, and are made to match anyway:

* Provisioning already created CN=Administrator, with its own objectGUID: its other attributes
  are set from the LDIF and its GUID is mapped (contoso_guid_map).
* The example holds two users with the same userPrincipalName, which Samba refuses (as Windows
  does within a domain since 2012 R2, but real directories still carry older duplicates): the
  second is loaded with a placeholder UPN and then given the duplicate directly in the domain
  partition's ldb file, below Samba's checks, while the DC is stopped.
* Samba's self-signed certificate names only DC1.contoso.test, while tests reach each DC by its
  127.0.0.N address: the template gets a test CA (`ca_file`, still `dc.ca_file`) and a server
  certificate that also names every loopback address a DC may be given, so that the host name
  check stays on in tests. make_test_ca() makes further CAs, e.g. one that signed nothing.

tests/sambadc.py's stop_session() stops every DC of the process, this one's too; contoso_dc
starts it again when that happened (on a new address, so read dc.ip per test).
"""
from __future__ import annotations

import datetime
import ipaddress
import itertools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sambadc  # noqa: E402

from syncready.options import LdapAuth, LdapOptions  # noqa: E402

__all__ = ["contoso_template", "contoso_session_dc", "contoso_dc", "fresh_contoso_dc", "contoso_guid_map",
           "plain_dc"]

ROOT = Path(__file__).resolve().parent.parent
CONTOSO_LDIF = ROOT / "examples" / "contoso" / "onprem" / "ad.ldif"


@dataclass
class ContosoTemplate:
    dc: sambadc.SambaDC                      # stopped; clone() it
    guid_map: dict[bytes, bytes] = field(default_factory=dict)
    root: Path = Path(".")
    copies: itertools.count = field(default_factory=lambda: itertools.count(1))


def make_test_ca(folder: Path, name: str = "syncready test CA"):
    """A fresh CA: (path of its PEM certificate, its certificate, its key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name.replace(" ", "-") + ".pem")
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path, cert, key


def install_test_pki(dc: sambadc.SambaDC, with_addresses: bool = True) -> None:
    """Replace the DC's TLS key, certificate and CA (private/tls) before it starts.

    The server certificate names the DC's host name and, unless `with_addresses` is False, every
    127.0.0.N address that sambadc may give a DC.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    tls = dc.workdir / "private" / "tls"
    ca_path, ca_cert, ca_key = make_test_ca(dc.workdir / "test-ca", f"{dc.realm} test CA")
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(dc.tls_name.lower()), x509.DNSName(dc.host_name.lower())]
    if with_addresses:
        names += [x509.IPAddress(ipaddress.ip_address(f"127.0.0.{n}")) for n in (1, *sambadc.IP_RANGE)]
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dc.tls_name)]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    tls.mkdir(parents=True, exist_ok=True)
    key_path = tls / "key.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    (tls / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    shutil.copyfile(ca_path, tls / "ca.pem")


# Runs under the system python3 with Samba's bindings. Input: one JSON object with "dns" (report
# which exist, with their objectGUID), "replace" (set attributes through SamDB as the system, with
# RELAX) and "raw" (replace values directly in the partition file, below every Samba module).
_LOCAL_HELPER = r'''
import base64, json, sys
import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
conf, url, partition = sys.argv[1:4]
job = json.loads(sys.stdin.read())
lp = LoadParm(); lp.load(conf)
db = SamDB(url=url, session_info=system_session(), lp=lp)
def val(v):
    return base64.b64decode(v["b64"]) if isinstance(v, dict) else v.encode("utf-8")
found = {}
for dn in job.get("dns", []):
    try:
        res = db.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["objectGUID"])
    except ldb.LdbError as e:
        if e.args[0] != ldb.ERR_NO_SUCH_OBJECT:
            raise
        continue
    found[dn] = base64.b64encode(bytes(res[0]["objectGUID"][0])).decode()
for dn, attrs in job.get("replace", []):
    msg = ldb.Message(ldb.Dn(db, dn))
    for name, values in attrs.items():
        msg[name] = ldb.MessageElement([val(v) for v in values], ldb.FLAG_MOD_REPLACE, name)
    db.modify(msg, controls=["relax:0"])
if job.get("raw"):
    raw = ldb.Ldb(partition, options=["modules:"])
    for dn, name, values in job["raw"]:
        msg = ldb.Message(ldb.Dn(raw, dn))
        msg[name] = ldb.MessageElement([val(v) for v in values], ldb.FLAG_MOD_REPLACE, name)
        raw.modify(msg)
print(json.dumps({"found": found}))
'''


def _local(dc: sambadc.SambaDC, job: dict) -> dict:
    partition = dc.workdir / "private" / "sam.ldb.d" / f"{dc.base_dn.upper()}.ldb"
    python = sambadc._system_python()
    result = subprocess.run([python, "-c", _LOCAL_HELPER, dc.smb_conf, dc.sam_ldb, str(partition)],
                            input=json.dumps(job, default=sambadc._json_bytes), capture_output=True, text=True,
                            env=dict(os.environ, SMB_CONF_PATH=dc.smb_conf))
    if result.returncode != 0:
        raise sambadc.SambaDCError(f"local change failed: {result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def load_contoso(dc: sambadc.SambaDC, ldif: Path = CONTOSO_LDIF) -> dict[bytes, bytes]:
    """Load the example LDIF into a stopped, provisioned DC; returns the GUID map (see above)."""
    import base64
    from syncready.sources.ldif import iter_ldif

    entries = [(dn, {name: list(values) for name, values in attrs.items()}) for dn, attrs in iter_ldif(ldif)]
    existing = _local(dc, {"dns": [dn for dn, _ in entries]})["found"]
    to_add, replace, raw, guid_map, upns = [], [], [], {}, set()
    for dn, attrs in entries:
        if dn in existing:
            keep = {n: v for n, v in attrs.items()
                    if n.lower() not in sambadc.SYSTEM_ATTRIBUTES | {"objectguid", "objectclass", "cn"}}
            replace.append((dn, keep))
            ldif_guid = next((v[0] for n, v in attrs.items() if n.lower() == "objectguid"), None)
            if ldif_guid:
                guid_map[bytes(ldif_guid)] = base64.b64decode(existing[dn])
            continue
        for name in list(attrs):
            if name.lower() == "userprincipalname":
                upn = bytes(attrs[name][0]).decode().lower()
                if upn in upns:
                    raw.append((dn, name, attrs[name]))
                    attrs[name] = [f"placeholder-{len(raw)}-{upn}".encode()]
                upns.add(upn)
        to_add.append((dn, attrs))
    sambadc.load_ldif(dc, to_add)
    _local(dc, {"replace": replace, "raw": raw})
    return guid_map


def build_contoso_template(root: Path) -> ContosoTemplate:
    dc = sambadc.SambaDC.provision(root / "template")
    install_test_pki(dc)
    guid_map = load_contoso(dc)
    return ContosoTemplate(dc, guid_map, root)


def clone_contoso(template: ContosoTemplate, name: str | None = None, start: bool = True) -> sambadc.SambaDC:
    """A DC of its own with the template's content (started unless `start` is False)."""
    name = name or f"copy{next(template.copies)}"
    return template.dc.clone(template.root / name, start=start)


def live_args(dc: sambadc.SambaDC, **overrides) -> LdapOptions:
    """The LDAP options of a command that reads this DC over LDAPS as Administrator.

    The password is not among them: set SYNCREADY_LDAP_PASSWORD (dc.admin_password).
    """
    values = dict(url=dc.ldaps_url, user=dc.admin_user, ca_file=dc.ca_file, quiet=True)
    values.update(overrides)
    if "bases" in values:
        values["bases"] = tuple(values["bases"] or ())
    if "auth" in values:
        values["auth"] = LdapAuth(values["auth"])
    return LdapOptions(**values)


def _require_samba() -> None:
    reason = sambadc.samba_missing()
    if reason:
        pytest.fail(f"a Samba AD DC is needed for these tests and cannot run: {reason}")


@pytest.fixture(scope="session")
def contoso_template(tmp_path_factory) -> ContosoTemplate:
    _require_samba()
    template = build_contoso_template(tmp_path_factory.mktemp("contoso-dc"))
    yield template
    template.dc.stop()


@pytest.fixture(scope="session")
def contoso_guid_map(contoso_template) -> dict[bytes, bytes]:
    return contoso_template.guid_map


@pytest.fixture(scope="session")
def contoso_session_dc(contoso_template):
    dc = clone_contoso(contoso_template, "session")
    yield dc
    dc.stop()


@pytest.fixture
def contoso_dc(contoso_session_dc) -> sambadc.SambaDC:
    if not contoso_session_dc.running:
        contoso_session_dc.start()
    return contoso_session_dc


@pytest.fixture
def fresh_contoso_dc(contoso_template):
    dc = clone_contoso(contoso_template)
    yield dc
    dc.stop()
    shutil.rmtree(dc.workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def plain_dc(tmp_path_factory):
    _require_samba()
    dc = sambadc.SambaDC.provision(tmp_path_factory.mktemp("plain-dc") / "dc", exchange=False)
    install_test_pki(dc)
    dc.start()
    yield dc
    dc.stop()
