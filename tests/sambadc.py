"""A real Samba Active Directory domain controller for syncready's tests and benchmarks.

One DC is provisioned with ``samba-tool`` into a folder, started as ``samba -i -M single`` with only
the LDAP service on its own 127.0.0.N address, and stopped again without leaving a process behind
(the server runs in its own process group, gets SIGKILL when the process that started it dies, and
also ends when its stdin pipe closes).  A provisioned, populated folder that is not running can be
copied to start an isolated DC from the same state, which is much cheaper than provisioning.

Facts found while building this against Samba 4.17 (Debian bookworm) and ldap3 2.9.1:

* Simple binds work over LDAPS and StartTLS with the DN, ``CONTOSO\\Administrator`` and the UPN
  (``Administrator@contoso.test``); a bare ``Administrator`` is invalidCredentials, and any simple
  bind over plain 389 is strongerAuthRequired (8).
* ldap3's NTLM bind (Sicily, bind choice 9/10) is not implemented by Samba: the server drops the
  connection (``LDAPSessionTerminatedByServerError``).  It works only against Windows, and needs
  MD4, which OpenSSL 3 no longer offers: ldap3 then falls back to pycryptodome's ``Crypto.Hash``.
* objectGUID cannot be set over LDAP (the RELAX control is not registered for LDAP clients:
  unavailableCriticalExtension when critical, unwillingToPerform when not).  It can be set
  through the local sam.ldb with the RELAX control, which is what :func:`load_ldif` does when it
  is handed a :class:`SambaDC`; this works while the server runs.
* A subtree search from the domain root also returns a searchResRef (continuation reference to
  CN=Configuration): readers must skip responses whose type is not searchResEntry.
* Kerberos (SASL GSSAPI) binds work over LDAPS and StartTLS once the DC runs the KDC, has
  ldap/ SPNs (added at provisioning) and allows SASL without sign/seal over TLS
  (KERBEROS_OPTIONS): ldap3 negotiates no security layer, which Samba's default refuses.
* Loading gets slower as the directory grows (Samba 4.17 copies the index lists of
  low-cardinality values such as objectClass=user on every add): about 150 adds/s into an
  empty domain, well under 50/s past 15,000 users, on either tdb or mdb.
* mailNickname (and every other Exchange attribute) is not in Samba's schema; no Exchange schema
  ships with Samba.  :meth:`SambaDC.provision` adds ``ms-Exch-Mail-Nickname`` (attributeID
  1.2.840.113556.1.2.447, as Exchange defines it) and lets the Mail-Recipient auxiliary class
  (users, groups, contacts) hold it; and, unless ``exchange=False``, Exchange's recipient attributes
  msExchMailboxGuid, msExchRecipientTypeDetails, msExchRemoteRecipientType, targetAddress and homeMDB
  with Exchange's attributeIDs and syntaxes (EXCHANGE_ATTRIBUTES), in the same two schema
  transactions (about as fast as mailNickname alone).  legacyExchangeDN, objectSid, pwdLastSet,
  accountExpires and lastLogonTimestamp are in Samba's base schema.  The base schema also has a few
  msExch* attributes of its own (msExchAssistantName, msExchHouseIdentifier, msExchLabeledURI), as
  Windows' has: "an msExch* attribute exists" does not mean Exchange's schema was added.
* Samba answers a search that asks for attributes its schema lacks with the other attributes (the
  unknown ones come back empty), as Windows does; ldap3 refuses such a request itself when the
  connection loaded the schema (get_info=SCHEMA or ALL: LDAPAttributeError), which syncready's
  connection never does.  A homeMDB (DN syntax) that names no existing object is
  constraintViolation ("Referenced object not found").
"""
from __future__ import annotations

import atexit
import base64
import contextlib
import ctypes
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterable, Iterator, Mapping, Sequence

DEFAULT_ADMIN_PASSWORD = "Sync-Ready-Adm1n!"
DEFAULT_REALM = "CONTOSO.TEST"
DEFAULT_DOMAIN = "CONTOSO"
DEFAULT_HOST_NAME = "DC1"
RELAX_OID = "1.3.6.1.4.1.4203.666.5.12"

METADATA_FILE = "sambadc.json"
LEASE_DIR = Path(tempfile.gettempdir()) / "sambadc-leases"
IP_RANGE = range(10, 251)

# Attributes an LDIF export (ldifde, ldapsearch) carries that a DC computes or refuses on add.
SYSTEM_ATTRIBUTES = frozenset(a.lower() for a in (
    "distinguishedName", "name", "whenCreated", "whenChanged", "uSNCreated", "uSNChanged",
    "objectSid", "objectCategory", "instanceType", "memberOf", "sAMAccountType",
    "primaryGroupID", "badPwdCount", "badPasswordTime", "lastLogon", "lastLogoff",
    "lastLogonTimestamp", "logonCount", "pwdLastSet", "lockoutTime", "dSCorePropagationData",
    "isCriticalSystemObject", "replPropertyMetaData", "nTSecurityDescriptor", "sIDHistory",
    "codePage", "countryCode", "accountExpires", "tokenGroups", "objectVersion",
    "msDS-User-Account-Control-Computed", "msDS-PrincipalName", "isDeleted", "lastKnownParent",
    "structuralObjectClass", "subSchemaSubEntry", "canonicalName", "createTimeStamp",
    "modifyTimeStamp", "entryUUID",
))
# DN-valued attributes that may point at entries added later: written after every add.
DEFERRED_ATTRIBUTES = frozenset(("member", "manager", "managedby"))
GUID_ATTRIBUTES = frozenset(("objectguid", "ms-ds-consistencyguid"))

# Two steps: the new attribute is known to the schema only after the first transaction.
MAIL_NICKNAME_SCHEMA = ("""\
dn: CN=ms-Exch-Mail-Nickname,{schema}
objectClass: top
objectClass: attributeSchema
cn: ms-Exch-Mail-Nickname
adminDisplayName: ms-Exch-Mail-Nickname
adminDescription: ms-Exch-Mail-Nickname
attributeID: 1.2.840.113556.1.2.447
attributeSyntax: 2.5.5.12
oMSyntax: 64
isSingleValued: TRUE
rangeLower: 1
rangeUpper: 64
searchFlags: 5
lDAPDisplayName: mailNickname
isMemberOfPartialAttributeSet: TRUE
""", """\
dn: CN=Mail-Recipient,{schema}
changetype: modify
add: mayContain
mayContain: mailNickname
""")

# Exchange's recipient attributes (SPEC §10), as Exchange's schema defines them: (cn, lDAPDisplayName,
# attributeID, attributeSyntax, oMSyntax, extra lines). legacyExchangeDN is in AD's base schema already
# (Mail-Recipient may hold it). homeMDB is a DN (its homeMDBBL back link is left out: nothing reads it).
EXCHANGE_ATTRIBUTES = (
    ("ms-Exch-Mailbox-Guid", "msExchMailboxGuid", "1.2.840.113556.1.4.7000.102.11058", "2.5.5.10", 4,
     "rangeLower: 16\nrangeUpper: 16\nsearchFlags: 1\n"),
    ("ms-Exch-Recipient-Type-Details", "msExchRecipientTypeDetails", "1.2.840.113556.1.4.7000.102.50855",
     "2.5.5.16", 65, "searchFlags: 1\n"),
    ("ms-Exch-Remote-Recipient-Type", "msExchRemoteRecipientType", "1.2.840.113556.1.4.7000.102.51611",
     "2.5.5.16", 65, "searchFlags: 0\n"),
    ("ms-Exch-Target-Address", "targetAddress", "1.2.840.113556.1.2.352", "2.5.5.12", 64,
     "rangeLower: 1\nrangeUpper: 1123\nsearchFlags: 1\n"),
    ("ms-Exch-Home-MDB", "homeMDB", "1.2.840.113556.1.2.244", "2.5.5.1", 127,
     "oMObjectClass:: KwwCh3McAIVK\nsearchFlags: 0\n"),
)
# Which classes may hold them: the mailbox attributes the user (Exchange's ms-Exch-Mail-Storage
# auxiliary class is on user), the recipient ones every recipient (Mail-Recipient: users, groups,
# contacts), as in an Exchange forest.
EXCHANGE_CLASSES = (("User", ("msExchMailboxGuid", "homeMDB")),
                    ("Mail-Recipient", ("msExchRecipientTypeDetails", "msExchRemoteRecipientType", "targetAddress")))


def exchange_schema() -> tuple[str, str]:
    """The two ldbmodify steps (attributes, then the classes that may hold them) of Exchange's attributes."""
    attributes = "\n".join(
        f"dn: CN={cn},{{schema}}\nobjectClass: top\nobjectClass: attributeSchema\ncn: {cn}\n"
        f"adminDisplayName: {cn}\nadminDescription: {cn}\nattributeID: {oid}\nattributeSyntax: {syntax}\n"
        f"oMSyntax: {om}\nisSingleValued: TRUE\nlDAPDisplayName: {name}\nisMemberOfPartialAttributeSet: TRUE\n"
        f"{extra}" for cn, name, oid, syntax, om, extra in EXCHANGE_ATTRIBUTES)
    classes = "\n".join(f"dn: CN={cls},{{schema}}\nchangetype: modify\nadd: mayContain\n"
                        + "".join(f"mayContain: {name}\n" for name in names) for cls, names in EXCHANGE_CLASSES)
    return attributes, classes


# Samba registers only HOST/ SPNs for the DC; Kerberos binds to LDAP ask for ldap/<host>.
LDAP_SPNS = """\
dn: CN={host},OU=Domain Controllers,{base}
changetype: modify
add: servicePrincipalName
servicePrincipalName: ldap/{host}.{dns}
servicePrincipalName: ldap/{host}.{dns}/{dns}
servicePrincipalName: ldap/{host}
"""
KERBEROS_OPTIONS = {"ldap server require strong auth": "allow_sasl_over_tls"}


class SambaDCError(RuntimeError):
    """Samba could not be provisioned, started or loaded."""


def samba_missing() -> str | None:
    """Why a Samba DC cannot run here, or None when it can (for pytest.skip)."""
    for tool in ("samba", "samba-tool", "ldbmodify"):
        if not _which(tool):
            return f"{tool} is not installed (tools/setup.sh installs Samba)"
    if _system_python() is None:
        return "no python3 with Samba's bindings (python3-samba)"
    if os.geteuid() != 0:
        return "Samba AD DC needs root"
    return None


def _which(tool: str) -> str | None:
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin")


_SYSTEM_PYTHON: list[str | None] = []


def _system_python() -> str | None:
    """A python3 that can import Samba's bindings (the Debian one, not a venv)."""
    if not _SYSTEM_PYTHON:
        found = None
        for candidate in ("/usr/bin/python3", _which("python3")):
            if candidate and subprocess.run(
                    [candidate, "-c", "import samba.samdb"], capture_output=True).returncode == 0:
                found = candidate
                break
        _SYSTEM_PYTHON.append(found)
    return _SYSTEM_PYTHON[0]


# ---------------------------------------------------------------------------------------------
# Address leases: one 127.0.0.N per running DC, across processes (pytest-xdist workers too).

class _IpLease:
    def __init__(self, ip: str | None):
        LEASE_DIR.mkdir(parents=True, exist_ok=True)
        candidates = [ip] if ip else [f"127.0.0.{n}" for n in IP_RANGE]
        for candidate in candidates:
            handle = open(LEASE_DIR / f"{candidate}.lock", "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            if _ports_free(candidate):
                self.ip, self._handle = candidate, handle
                return
            handle.close()
        raise SambaDCError(f"no free loopback address among {candidates[0]}..{candidates[-1]}")

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _ports_free(ip: str) -> bool:
    for port in (389, 636):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((ip, port))
            except OSError:
                return False
    return True


# ---------------------------------------------------------------------------------------------
# Process hygiene: every started DC is stopped at exit; a killed test run kills its DCs too.

_RUNNING: weakref.WeakSet[SambaDC] = weakref.WeakSet()
_PR_SET_PDEATHSIG = 1


def _stop_all() -> None:
    for dc in list(_RUNNING):
        dc.stop()


atexit.register(_stop_all)


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


# ---------------------------------------------------------------------------------------------

class SambaDC:
    """One Samba AD DC living in ``workdir``; see the module docstring."""

    def __init__(self, workdir: str | os.PathLike, ip: str | None = None):
        self.workdir = Path(workdir).resolve()
        meta_path = self.workdir / METADATA_FILE
        if not meta_path.exists():
            raise SambaDCError(f"{self.workdir} is not a provisioned DC (no {METADATA_FILE})")
        meta = json.loads(meta_path.read_text())
        self.realm: str = meta["realm"]
        self.domain: str = meta["domain"]
        self.host_name: str = meta["host_name"]
        self.admin_password: str = meta["adminpass"]
        self.requested_ip = ip
        self.timings: dict[str, float] = dict(meta.get("timings", {}))
        self._lease: _IpLease | None = None
        self._proc: subprocess.Popen | None = None
        self._stdin_w: int | None = None
        self._lock = threading.Lock()

    # -- provisioning ---------------------------------------------------------------------------

    @classmethod
    def provision(cls, workdir: str | os.PathLike, ip: str | None = None, realm: str = DEFAULT_REALM,
                  domain: str = DEFAULT_DOMAIN, adminpass: str = DEFAULT_ADMIN_PASSWORD,
                  host_name: str = DEFAULT_HOST_NAME, mail_nickname: bool = True,
                  backend_store: str = "tdb", exchange: bool = True) -> SambaDC:
        """Provision a new domain into ``workdir`` (must not exist or be empty); not started.

        `mail_nickname` adds mailNickname to the schema, `exchange` Exchange's recipient attributes
        (EXCHANGE_ATTRIBUTES); both in the same two schema transactions."""
        missing = samba_missing()
        if missing:
            raise SambaDCError(missing)
        workdir = Path(workdir).resolve()
        if workdir.exists() and any(workdir.iterdir()):
            raise SambaDCError(f"{workdir} is not empty")
        workdir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        cmd = [_which("samba-tool"), "domain", "provision", f"--targetdir={workdir}",
               f"--realm={realm}", f"--domain={domain}", f"--host-name={host_name}",
               "--server-role=dc", "--dns-backend=NONE", f"--backend-store={backend_store}",
               f"--adminpass={adminpass}", "--option=interfaces=127.0.0.1/8",
               "--option=bind interfaces only=yes"]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise SambaDCError(f"samba-tool domain provision failed:\n{result.stdout[-3000:]}"
                               f"\n{result.stderr[-3000:]}")
        timings = {"provision": time.monotonic() - started}
        (workdir / METADATA_FILE).write_text(json.dumps({
            "realm": realm.upper(), "domain": domain.upper(), "host_name": host_name.upper(),
            "adminpass": adminpass, "timings": timings}))
        dc = cls(workdir, ip)
        steps = [[], []]
        for wanted, ldif in ((mail_nickname, MAIL_NICKNAME_SCHEMA), (exchange, exchange_schema())):
            if wanted:
                for step, text in zip(steps, ldif, strict=True):
                    step.append(text)
        if steps[0]:
            started = time.monotonic()
            for step in steps:
                dc.ldb_modify("\n".join(step).format(schema=dc.schema_dn),
                              "--option=dsdb:schema update allowed=true")
            dc.timings["mail_nickname_schema"] = time.monotonic() - started
        dc.ldb_modify(LDAP_SPNS.format(host=dc.host_name, base=dc.base_dn, dns=dc.dns_domain))
        return dc

    # -- names ----------------------------------------------------------------------------------

    @property
    def dns_domain(self) -> str:
        return self.realm.lower()

    @property
    def base_dn(self) -> str:
        return ",".join(f"DC={part}" for part in self.dns_domain.split("."))

    @property
    def schema_dn(self) -> str:
        return f"CN=Schema,CN=Configuration,{self.base_dn}"

    @property
    def admin_dn(self) -> str:
        return f"CN=Administrator,CN=Users,{self.base_dn}"

    @property
    def admin_user(self) -> str:
        """The down-level logon name ``CONTOSO\\Administrator`` (simple bind)."""
        return f"{self.domain}\\Administrator"

    @property
    def admin_upn(self) -> str:
        return f"Administrator@{self.dns_domain}"

    @property
    def tls_name(self) -> str:
        """The name in the server certificate's CN (it has no subjectAltName)."""
        return f"{self.host_name}.{self.dns_domain}"

    @property
    def ca_file(self) -> str:
        """Samba writes its CA on the first start; it stays the same in copies."""
        return str(self.workdir / "private" / "tls" / "ca.pem")

    @property
    def sam_ldb(self) -> str:
        return str(self.workdir / "private" / "sam.ldb")

    @property
    def smb_conf(self) -> str:
        return str(self.workdir / "etc" / "smb.conf")

    @property
    def ip(self) -> str:
        if self._lease is None:
            raise SambaDCError("the DC has no address until it is started")
        return self._lease.ip

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://{self.ip}:636"

    @property
    def ldap_url(self) -> str:
        """Plain LDAP, for StartTLS (simple binds without TLS are refused)."""
        return f"ldap://{self.ip}:389"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def log_file(self) -> Path:
        return self.workdir / "log" / "samba.out"

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, timeout: float = 60.0, services: Sequence[str] = ("ldap",),
              options: Mapping[str, str] | None = None) -> SambaDC:
        """Start the server and return once LDAPS answers with a certificate ``ca_file`` trusts.

        ``services=("ldap", "kdc")`` adds the KDC (port 88) for Kerberos binds; ``options`` are
        more smb.conf parameters, e.g. ``{"ldap server require strong auth":
        "allow_sasl_over_tls"}``, which ldap3's GSSAPI bind needs (it offers no sign/seal).
        """
        with self._lock:
            if self.running:
                return self
            started = time.monotonic()
            self._lease = _IpLease(self.requested_ip)
            for sub in ("run", "log"):
                (self.workdir / sub).mkdir(exist_ok=True)
            stdin_r, self._stdin_w = os.pipe()
            os.set_inheritable(self._stdin_w, False)
            cmd = [_which("samba"), "-i", "-M", "single", "-s", self.smb_conf,
                   f"--option=server services={' '.join(services)}",
                   f"--option=interfaces={self.ip}/8", "--option=bind interfaces only=yes",
                   f"--option=pid directory={self.workdir / 'run'}",
                   f"--option=log file={self.workdir / 'log' / 'samba.log'}"]
            cmd += [f"--option={key}={value}" for key, value in (options or {}).items()]
            with open(self.log_file, "ab") as log:
                self._proc = subprocess.Popen(cmd, stdin=stdin_r, stdout=log, stderr=subprocess.STDOUT,
                                              start_new_session=True, preexec_fn=_die_with_parent)
            os.close(stdin_r)
            _RUNNING.add(self)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        self.timings["start"] = time.monotonic() - started
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if not self.running:
                raise SambaDCError(f"samba exited with {self._proc.returncode}:\n{self.log_tail()}")
            if os.path.exists(self.ca_file):
                try:
                    with socket.create_connection((self.ip, 636), timeout=2) as raw:
                        ctx = ssl.create_default_context(cafile=self.ca_file)
                        ctx.check_hostname = False
                        with ctx.wrap_socket(raw, server_hostname=self.tls_name):
                            return
                except (OSError, ssl.SSLError) as exc:
                    last_error = exc
            time.sleep(0.1)
        raise SambaDCError(f"LDAPS on {self.ip}:636 did not answer within {timeout}s "
                           f"({last_error}):\n{self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server and its process group; safe to call any number of times."""
        with self._lock:
            proc, self._proc = self._proc, None
            if proc is not None:
                started = time.monotonic()
                if proc.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGTERM)
                    try:
                        proc.wait(timeout)
                    except subprocess.TimeoutExpired:
                        with contextlib.suppress(ProcessLookupError):
                            os.killpg(proc.pid, signal.SIGKILL)
                        proc.wait()
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                self.timings["stop"] = time.monotonic() - started
            if self._stdin_w is not None:
                with contextlib.suppress(OSError):
                    os.close(self._stdin_w)
                self._stdin_w = None
            if self._lease is not None:
                self._lease.release()
                self._lease = None
            _RUNNING.discard(self)

    def __enter__(self) -> SambaDC:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def write_krb5_conf(self, path: str | os.PathLike | None = None) -> str:
        """A client krb5.conf whose KDC is this DC (set KRB5_CONFIG to it); needs the DC
        started with ``services=("ldap", "kdc"), options=KERBEROS_OPTIONS``."""
        path = Path(path or self.workdir / "krb5-client.conf")
        path.write_text(f"[libdefaults]\n default_realm = {self.realm}\n dns_lookup_kdc = false\n"
                        f" dns_lookup_realm = false\n rdns = false\n"
                        f" dns_canonicalize_hostname = false\n[realms]\n {self.realm} = {{\n"
                        f"  kdc = {self.ip}\n }}\n")
        return str(path)

    # -- copies ---------------------------------------------------------------------------------

    def clone(self, new_workdir: str | os.PathLike, new_ip: str | None = None,
              start: bool = True) -> SambaDC:
        """Copy this DC's folder and (by default) start the copy on another address.

        A running source is stopped for the copy (so that the tdb files are consistent) and
        started again.  The copy keeps the domain, its SIDs and GUIDs, the TLS certificate and
        its CA; only the absolute paths in smb.conf are rewritten.  The address is not stored in
        the folder (it is given on samba's command line), so any 127.0.0.N works.
        """
        was_running = self.running
        if was_running:
            self.stop()
        started = time.monotonic()
        try:
            copy_dc_folder(self.workdir, new_workdir)
        finally:
            if was_running:
                self.start()
        dc = SambaDC(new_workdir, new_ip)
        dc.timings["clone_copy"] = time.monotonic() - started
        return dc.start() if start else dc

    # -- connections ----------------------------------------------------------------------------

    def tls(self, ca_file: str | None = None, valid_names: Sequence[str] | None = None):
        import ldap3
        return ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca_file or self.ca_file,
                         valid_names=list(valid_names or [self.tls_name]))

    def server(self, starttls: bool = False, ca_file: str | None = None, **kwargs):
        import ldap3
        kwargs.setdefault("connect_timeout", 10)
        if starttls:
            return ldap3.Server(self.ldap_url, tls=self.tls(ca_file), **kwargs)
        return ldap3.Server(self.ldaps_url, use_ssl=True, tls=self.tls(ca_file), **kwargs)

    def connect(self, user: str | None = None, password: str | None = None, starttls: bool = False,
                **kwargs):
        """A bound ldap3 Connection (LDAPS, or StartTLS on 389), as Administrator by default."""
        import ldap3
        server_kwargs = {k: kwargs.pop(k) for k in ("get_info", "ca_file") if k in kwargs}
        conn = ldap3.Connection(self.server(starttls, **server_kwargs), user or self.admin_user,
                                self.admin_password if password is None else password,
                                raise_exceptions=False, **kwargs)
        conn.open()
        if starttls and not conn.start_tls():
            raise SambaDCError(f"StartTLS failed: {conn.result}")
        if not conn.bind():
            raise SambaDCError(f"bind failed: {conn.result}")
        return conn

    # -- local database tools -------------------------------------------------------------------

    def ldb_modify(self, ldif: str, *options: str) -> str:
        """Apply LDIF (add and modify records) to sam.ldb as the system, with RELAX."""
        with tempfile.NamedTemporaryFile("w", suffix=".ldif", delete=False) as fh:
            fh.write(ldif)
        try:
            result = subprocess.run([_which("ldbmodify"), "-H", self.sam_ldb, "--relax", *options,
                                     fh.name], capture_output=True, text=True,
                                    env=self._local_env())
        finally:
            os.unlink(fh.name)
        if result.returncode != 0 or "ERR:" in result.stderr:
            raise SambaDCError(f"ldbmodify failed: {result.stderr.strip()} {result.stdout.strip()}")
        return result.stdout

    def _local_env(self) -> dict[str, str]:
        return dict(os.environ, SMB_CONF_PATH=self.smb_conf)

    def run_local(self, ops: Iterable[dict], batch: int = 250) -> dict:
        """Run operations on sam.ldb through Samba's own Python bindings; see _LOCAL_WORKER."""
        python = _system_python()
        if python is None:
            raise SambaDCError("no python3 with Samba's bindings (python3-samba)")
        payload = "\n".join(json.dumps(op, default=_json_bytes) for op in ops)
        result = subprocess.run([python, "-c", _LOCAL_WORKER, self.smb_conf, self.sam_ldb,
                                 str(batch)], input=payload, capture_output=True, text=True,
                                env=self._local_env())
        lines = result.stdout.strip().splitlines()
        if result.returncode != 0 or not lines:
            raise SambaDCError(f"local load failed: {result.stdout[-3000:]}{result.stderr[-3000:]}")
        return json.loads(lines[-1])


def copy_dc_folder(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """Copy a stopped DC's folder, leaving out sockets, pid files and logs."""
    source, target = Path(source).resolve(), Path(target).resolve()
    if target.exists() and any(target.iterdir()):
        raise SambaDCError(f"{target} is not empty")

    def ignore(directory: str, names: list[str]) -> list[str]:
        skipped = []
        for name in names:
            path = os.path.join(directory, name)
            if Path(directory) == source and name in ("run", "log"):
                skipped.append(name)
            elif not (os.path.islink(path) or os.path.isdir(path) or os.path.isfile(path)):
                skipped.append(name)
        return skipped

    shutil.copytree(source, target, symlinks=True, ignore=ignore, dirs_exist_ok=True)
    conf = target / "etc" / "smb.conf"
    text = conf.read_text()
    pattern = re.compile(r"(=\s*)" + re.escape(str(source)) + r"(?=/|\s*$)", re.MULTILINE)
    conf.write_text(pattern.sub(lambda m: m.group(1) + str(target), text))


def _json_bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return {"b64": base64.b64encode(value).decode()}
    raise TypeError(type(value))


# The worker runs under the system python3 (Samba's bindings are not in the venv).  It reads
# JSON Lines operations on stdin and commits them in transactions of `batch` operations: one
# transaction per operation costs a sync each, while one transaction for thousands of adds
# grows slower than linearly in Samba 4.17, so a few hundred per transaction is fastest.
#   {"op": "add", "dn": ..., "attrs": {name: [str | {"b64": ...}]}}            with RELAX
#   {"op": "ensure", "dn": ..., "attrs": {...}}    add unless the DN exists
#   {"op": "add_values", "dn": ..., "attr": name, "values": [...]}   skips values already there
# It prints one JSON object: {"added": n, "ensured": [DNs created], "values": n, "seconds": s}.
_LOCAL_WORKER = r'''
import base64, json, sys, time
import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
conf, url, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
lp = LoadParm()
lp.load(conf)
db = SamDB(url=url, session_info=system_session(), lp=lp)
def val(v):
    return base64.b64decode(v["b64"]) if isinstance(v, dict) else v.encode("utf-8")
def message(op):
    msg = ldb.Message(ldb.Dn(db, op["dn"]))
    for name, values in op["attrs"].items():
        msg[name] = ldb.MessageElement([val(v) for v in values], ldb.FLAG_MOD_ADD, name)
    return msg
def exists(dn):
    try:
        return bool(db.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["objectClass"]))
    except ldb.LdbError as e:
        if e.args[0] == ldb.ERR_NO_SUCH_OBJECT:
            return False
        raise
counts = {"added": 0, "ensured": [], "values": 0}
started = time.monotonic()
pending = 0
db.transaction_start()
try:
    for line in sys.stdin:
        if not line.strip():
            continue
        op = json.loads(line)
        try:
            if op["op"] == "add":
                db.add(message(op), controls=["relax:0"])
                counts["added"] += 1
            elif op["op"] == "ensure":
                if not exists(op["dn"]):
                    db.add(message(op), controls=["relax:0"])
                    counts["ensured"].append(op["dn"])
            elif op["op"] == "add_values":
                current = db.search(base=op["dn"], scope=ldb.SCOPE_BASE, attrs=[op["attr"]])
                have = {bytes(v).lower() for v in current[0].get(op["attr"], [])} if current else set()
                new = [val(v) for v in op["values"] if val(v).lower() not in have]
                if new:
                    msg = ldb.Message(ldb.Dn(db, op["dn"]))
                    msg[op["attr"]] = ldb.MessageElement(new, ldb.FLAG_MOD_ADD, op["attr"])
                    db.modify(msg, controls=["relax:0"])
                    counts["values"] += len(new)
            else:
                raise ValueError("unknown op %r" % op["op"])
        except ldb.LdbError as e:
            print(json.dumps({"error": "%s: %s" % (op["dn"], e.args[1]), "code": e.args[0]}))
            raise SystemExit(1)
        pending += 1
        if pending >= batch:
            db.transaction_commit()
            db.transaction_start()
            pending = 0
    db.transaction_commit()
except BaseException:
    db.transaction_cancel()
    raise
counts["seconds"] = time.monotonic() - started
print(json.dumps(counts))
'''


# ---------------------------------------------------------------------------------------------
# LDIF and entries

Entry = tuple[str, dict[str, list]]


def parse_ldif(text: str) -> list[Entry]:
    """Parse RFC 2849 LDIF content records (as ldifde or ldapsearch write them).

    ``attr:: base64`` values come back as bytes, plain values as str; attribute options
    (``;binary``) are dropped; only add records (no changetype, or ``changetype: add``).
    """
    entries: list[Entry] = []
    lines: list[str] = []
    for raw in text.splitlines():
        if raw.startswith(" ") and lines:
            if lines[-1] is not None:
                lines[-1] += raw[1:]
            continue
        lines.append(None if raw.startswith("#") else raw)
    record: list[str] = []

    def flush() -> None:
        if not record:
            return
        dn, attrs = None, {}
        for line in record:
            name, sep, rest = line.partition(":")
            if not sep:
                raise ValueError(f"not an LDIF line: {line!r}")
            if rest.startswith(":"):
                value = base64.b64decode(rest[1:].strip())
            elif rest.startswith("<"):
                url = rest[1:].strip()
                value = Path(url[7:] if url.startswith("file://") else url).read_bytes()
            else:
                value = rest.lstrip(" ")
            name = name.split(";")[0].strip()
            if name.lower() == "dn":
                dn = value.decode("utf-8") if isinstance(value, bytes) else value
            elif name.lower() == "changetype":
                if str(value).lower() != "add":
                    raise ValueError(f"only add records are supported, not changetype {value}")
            elif name.lower() == "version" and dn is None:
                continue
            else:
                attrs.setdefault(name, []).append(value)
        if dn is not None:
            entries.append((dn, attrs))
        record.clear()

    for line in lines:
        if line is None:
            continue
        if not line.strip():
            flush()
        else:
            record.append(line)
    flush()
    return entries


def _normalise_value(name: str, value):
    if isinstance(value, uuid.UUID):
        return value.bytes_le
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if name.lower() in GUID_ATTRIBUTES and isinstance(value, str):
        return uuid.UUID(value).bytes_le
    if name.lower() == "unicodepwd" and isinstance(value, str):
        return f'"{value}"'.encode("utf-16-le")
    return value


def _entries(source) -> list[Entry]:
    if isinstance(source, (str, os.PathLike)):
        return parse_ldif(Path(source).read_text(encoding="utf-8-sig"))
    result = []
    for item in source:
        if isinstance(item, Mapping):
            item = dict(item)
            dn = item.pop("dn")
            attrs = item.pop("attrs", item)
        else:
            dn, attrs = item
        result.append((dn, {k: list(v) if isinstance(v, (list, tuple, set)) else [v]
                            for k, v in attrs.items()}))
    return result


def _parent(dn: str) -> str:
    return _split_dn(dn)[1]


def _split_dn(dn: str) -> tuple[str, str]:
    escaped = False
    for i, ch in enumerate(dn):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            return dn[:i].strip(), dn[i + 1:].strip()
    return dn.strip(), ""


def _depth(dn: str) -> int:
    depth = 0
    while dn:
        depth += 1
        dn = _parent(dn)
    return depth


@dataclass
class LoadResult:
    method: str
    added: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)  # containers that had to be created
    values: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.added) / self.seconds if self.seconds else 0.0


def plan_load(entries: Sequence[Entry], base_dn: str, keep_guids: bool = True
              ) -> tuple[list[str], list[Entry], list[tuple[str, str, list]]]:
    """(parent containers to ensure, entries to add in order, deferred DN-valued values)."""
    known = {dn.lower() for dn, _ in entries}
    parents: dict[str, str] = {}
    adds: list[Entry] = []
    deferred: list[tuple[str, str, list]] = []
    for dn, attrs in sorted(entries, key=lambda e: _depth(e[0])):
        clean: dict[str, list] = {}
        for name, values in attrs.items():
            low = name.lower()
            if low in SYSTEM_ATTRIBUTES or (low == "objectguid" and not keep_guids):
                continue
            values = [_normalise_value(name, v) for v in values]
            if low in DEFERRED_ATTRIBUTES:
                deferred.append((dn, name, values))
            elif values:
                clean[name] = values
        adds.append((dn, clean))
        parent = _parent(dn)
        while parent and parent.lower() != base_dn.lower() and parent.lower().endswith(
                base_dn.lower()) and parent.lower() not in known:
            parents.setdefault(parent.lower(), parent)
            parent = _parent(parent)
    return sorted(parents.values(), key=_depth), adds, deferred


def _container_attrs(dn: str) -> dict[str, list]:
    rdn = _split_dn(dn)[0]
    if rdn.lower().startswith("ou="):
        return {"objectClass": ["top", "organizationalUnit"]}
    return {"objectClass": ["top", "container"]}


def load_ldif(target, source, strip_guids: bool = False, batch: int = 250) -> LoadResult:
    """Add OUs, users, groups and contacts from an LDIF file or entries to a DC.

    ``target`` is a :class:`SambaDC` (written through the local sam.ldb with the RELAX control:
    objectGUID is kept, and it works whether or not the server runs) or a bound ldap3
    Connection (over LDAP: objectGUID cannot be set there, so entries with one raise ValueError
    unless ``strip_guids``).  ``source`` is a path to an LDIF file or an iterable of
    ``(dn, {attr: [values]})`` / ``{"dn": ..., attr: values}``.  Values may be str, bytes,
    int, bool or uuid.UUID (objectGUID / mS-DS-ConsistencyGuid, stored as ``bytes_le``); a str
    unicodePwd is a clear-text password.  Missing parent OUs (``OU=``) and containers (``CN=``)
    are created; entries go parents first; member/manager/managedBy are written last.  System
    attributes that an export carries (objectSid, whenCreated, memberOf, ...) are left out.
    """
    entries = _entries(source)
    started = time.monotonic()
    if isinstance(target, SambaDC):
        parents, adds, deferred = plan_load(entries, target.base_dn, keep_guids=True)
        ops: list[dict] = [{"op": "ensure", "dn": dn, "attrs": _container_attrs(dn)}
                           for dn in parents]
        ops += [{"op": "add", "dn": dn, "attrs": attrs} for dn, attrs in adds]
        ops += [{"op": "add_values", "dn": dn, "attr": name, "values": values}
                for dn, name, values in deferred]
        counts = target.run_local(ops, batch=batch)
        return LoadResult("local", [dn for dn, _ in adds], counts["ensured"], counts["values"],
                          time.monotonic() - started)
    return _load_over_ldap(target, entries, strip_guids, started)


def _load_over_ldap(conn, entries: list[Entry], strip_guids: bool, started: float) -> LoadResult:
    from ldap3 import MODIFY_ADD
    if not strip_guids and any("objectguid" in {k.lower() for k in a} for _, a in entries):
        raise ValueError("objectGUID cannot be set over LDAP: load through the SambaDC "
                         "(local sam.ldb) or pass strip_guids=True")
    info = conn.server.info
    if info is not None and info.other.get("defaultNamingContext"):
        base_dn = info.other["defaultNamingContext"][0]
    else:
        conn.search("", "(objectClass=*)", search_scope="BASE", attributes=["*"])
        base_dn = conn.response[0]["raw_attributes"]["defaultNamingContext"][0].decode()
    parents, adds, deferred = plan_load(entries, base_dn, keep_guids=False)
    result = LoadResult("ldap")
    for dn in parents:
        if conn.add(dn, attributes=_container_attrs(dn)):
            result.parents.append(dn)
        elif conn.result["result"] != 68:
            raise SambaDCError(f"add {dn}: {conn.result}")
    for dn, attrs in adds:
        if not conn.add(dn, attributes=attrs):
            raise SambaDCError(f"add {dn}: {conn.result['description']} {conn.result['message']}")
        result.added.append(dn)
    for dn, name, values in deferred:
        for value in values:
            if not conn.modify(dn, {name: [(MODIFY_ADD, [value])]}) and \
                    conn.result["result"] != 20:
                raise SambaDCError(f"modify {dn} {name}: {conn.result}")
            result.values += 1
    result.seconds = time.monotonic() - started
    return result


def entries_to_ldif(entries: Iterable[Entry]) -> str:
    """Write entries as LDIF (bytes and unsafe strings base64 with ``::``)."""
    out = []
    for dn, attrs in entries:
        out.append(_ldif_line("dn", dn))
        for name, values in attrs.items():
            for value in values if isinstance(values, (list, tuple)) else [values]:
                out.append(_ldif_line(name, _normalise_value(name, value)))
        out.append("")
    return "\n".join(out) + "\n"


_SAFE = re.compile(r"^[\x01-\x09\x0b-\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b-\x0c\x0e-\x7f]*$")


def _ldif_line(name: str, value) -> str:
    if isinstance(value, (bytes, bytearray)):
        return f"{name}:: {base64.b64encode(value).decode()}"
    value = str(value)
    if value == "" or (_SAFE.match(value) and not value.endswith(" ")):
        return f"{name}: {value}"
    return f"{name}:: {base64.b64encode(value.encode('utf-8')).decode()}"


def generate_users(count: int, ou_dn: str, upn_suffix: str, start: int = 0,
                   password: str | None = None, enabled: bool = False) -> Iterator[Entry]:
    """Synthetic users (about 15 attributes each) for loading and benchmarks; GUIDs derive
    from the index, so two runs produce the same objectGUID and mS-DS-ConsistencyGuid."""
    for i in range(start, start + count):
        name = f"user{i:06d}"
        guid = uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.{upn_suffix}")
        attrs: dict[str, list] = {
            "objectClass": ["top", "person", "organizationalPerson", "user"],
            "sAMAccountName": [name], "userPrincipalName": [f"{name}@{upn_suffix}"],
            "givenName": [f"Given{i}"], "sn": [f"Surname{i}"],
            "displayName": [f"Given{i} Surname{i}"], "mail": [f"{name}@{upn_suffix}"],
            "mailNickname": [name],
            "proxyAddresses": [f"SMTP:{name}@{upn_suffix}", f"smtp:{name}@alias.{upn_suffix}"],
            "objectGUID": [guid], "mS-DS-ConsistencyGuid": [guid],
            "userAccountControl": ["512" if enabled else "514"],
            "department": [f"Dept{i % 50}"], "title": ["Engineer"],
            "company": ["Contoso"], "employeeID": [str(100000 + i)],
        }
        if password is not None:
            attrs["unicodePwd"] = [password]
        yield f"CN={name},{ou_dn}", attrs


# ---------------------------------------------------------------------------------------------
# pytest integration: one provisioned template per session, cheap copies per test.

_SESSION: dict[str, object] = {}


def start_session_dc(tmp_root: str | os.PathLike, populate: Iterable[Entry] | str | None = None
                     ) -> SambaDC:
    """Provision once for the session (into ``tmp_root/template``, kept stopped), optionally
    load ``populate`` into it, and start a read-mostly copy of it (``tmp_root/session``).

    Tests that modify the directory call :func:`fresh_copy` instead.  A session fixture:

        @pytest.fixture(scope="session")
        def samba_dc(tmp_path_factory):
            if (reason := sambadc.samba_missing()):
                pytest.fail(reason)
            dc = sambadc.start_session_dc(tmp_path_factory.mktemp("samba"))
            yield dc
            sambadc.stop_session()
    """
    tmp_root = Path(tmp_root)
    template = SambaDC.provision(tmp_root / "template")
    template.start()
    template.stop()
    if populate is not None:
        template.timings["populate"] = load_ldif(template, populate).seconds
    _SESSION.update(root=tmp_root, template=template, copies=0)
    dc = template.clone(tmp_root / "session", start=True)
    _SESSION["session"] = dc
    return dc


def fresh_copy(name: str | None = None) -> SambaDC:
    """An isolated, started DC with the session template's content; stop it when done."""
    if "template" not in _SESSION:
        raise SambaDCError("start_session_dc() has not run in this process")
    _SESSION["copies"] = int(_SESSION["copies"]) + 1
    root = Path(_SESSION["root"])
    template: SambaDC = _SESSION["template"]  # type: ignore[assignment]
    return template.clone(root / (name or f"copy{_SESSION['copies']}"))


def stop_session() -> None:
    _stop_all()
    _SESSION.clear()
