"""syncready.toml (or [tool.syncready] in pyproject.toml): scope, checks, severities, waivers."""
from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from .errors import ConfigError
from .model import SyncSettings
from .vocab import CloudOnlyMailboxes, SourceAnchor, StaleImmutableIdFix, SyncClient, values

DEFAULT_DRIFT = (("givenName", "givenName"), ("sn", "surname"), ("displayName", "displayName"))


def normalize_dn(dn: str) -> str:
    """Lower-cased DN with the blanks around separators removed, for scope comparisons."""
    parts = [p.strip() for p in dn.split(",")]
    return ",".join("=".join(s.strip() for s in p.split("=", 1)) for p in parts).lower()


@dataclass
class Scope:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    include_onmicrosoft: bool = False
    cloud_only_mailboxes: str = CloudOnlyMailboxes.SKIP   # "require": a cloud mailbox with no AD user fails

    def __post_init__(self):
        self._include = tuple(normalize_dn(d) for d in self.include)
        self._exclude = tuple(normalize_dn(d) for d in self.exclude)

    def contains(self, dn: str) -> bool:
        return self.included(dn) and self.excluding(dn) is None

    def included(self, dn: str) -> bool:
        """Under an included OU (everything is when none is configured)."""
        key = normalize_dn(dn)
        return not self._include or any(_under(key, base) for base in self._include)

    def excluding(self, dn: str) -> str | None:
        """The configured exclude OU that covers dn, if any."""
        key = normalize_dn(dn)
        return next((raw for raw, base in zip(self.exclude, self._exclude, strict=True) if _under(key, base)), None)


def _under(dn: str, base: str) -> bool:
    return dn == base or dn.endswith("," + base)


@dataclass
class Waiver:
    check: str
    subjects: tuple[str, ...]
    reason: str
    expires: dt.date | None = None

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    def covers(self, check_id: str, subject: str) -> bool:
        if self.check != check_id and self.check != "*":
            return False
        name = subject.lower()
        return any(fnmatchcase(name, pattern.lower()) for pattern in self.subjects)

    def to_json(self) -> dict:
        return {"check": self.check, "subjects": list(self.subjects), "reason": self.reason,
                "expires": self.expires.isoformat() if self.expires else None}


@dataclass
class Config:
    path: str | None = None            # the file that was read; None when no configuration file was found
    scope: Scope = field(default_factory=Scope)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    drift: tuple[tuple[str, str], ...] = DEFAULT_DRIFT   # (AD attribute, Graph property)
    waivers: tuple[Waiver, ...] = ()
    sources: dict = field(default_factory=dict)
    fix: dict = field(default_factory=dict)
    sync: SyncSettings = field(default_factory=SyncSettings)

    @property
    def extra_graph(self) -> tuple[str, ...]:
        return tuple(g for _, g in self.drift if g not in ("givenName", "surname", "displayName"))

    @property
    def extra_ldap(self) -> tuple[str, ...]:
        return tuple(a for a, _ in self.drift if a.lower() not in ("givenname", "sn", "displayname"))

    @property
    def known_empty(self) -> tuple[str, ...]:
        """[sources] known_empty: collections the administrator states are empty in this tenant."""
        return tuple(self.sources.get("known_empty", ()))


CONFIG_NAME = "syncready.toml"


def load_config(path: str | None, snapshot: str | None = None) -> Config:
    """The configuration in force: the given file; else ./syncready.toml; else [tool.syncready] of
    ./pyproject.toml; else syncready.toml inside the --snapshot folder; else none (defaults)."""
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"config file {path} does not exist")
        return parse_config(_read_toml(file), str(file), path=str(file))
    if Path(CONFIG_NAME).is_file():
        return parse_config(_read_toml(Path(CONFIG_NAME)), CONFIG_NAME, path=CONFIG_NAME)
    if Path("pyproject.toml").is_file():
        tool = _read_toml(Path("pyproject.toml")).get("tool", {})
        section = tool.get("syncready") if isinstance(tool, dict) else None
        if section is not None:
            return parse_config(section, "pyproject.toml [tool.syncready]", path="pyproject.toml")
    if snapshot:
        file = Path(snapshot) / CONFIG_NAME
        if file.is_file():
            return parse_config(_read_toml(file), str(file), path=str(file))
    return Config()


def _read_toml(file: Path) -> dict:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML ({_one_line(exc)})") from None
    except RecursionError:
        raise ConfigError(f"{file}: not usable TOML (values nested too deeply)") from None
    except ValueError as exc:        # e.g. an integer beyond Python's int-str conversion limit
        raise ConfigError(f"{file}: not usable TOML ({_one_line(exc)[:200]})") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot be read ({exc.strerror or exc})") from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


# --- the schema: every table and key syncready reads, with the type it must have ----------------

class _Kind:
    """What a value must be; `check` returns the value or raises ConfigError naming the key."""

    expected = "a value"

    def accepts(self, value) -> bool:
        raise NotImplementedError

    def check(self, value, key: str, where: str):
        if not self.accepts(value):
            raise ConfigError(f"{where}: {key} must be {self.expected}, not {_describe(value)}")
        return value


class _Text(_Kind):
    expected = "a text (in quotes)"

    def accepts(self, value) -> bool:
        return isinstance(value, str)


class _Bool(_Kind):
    expected = "true or false"

    def accepts(self, value) -> bool:
        return isinstance(value, bool)


class _Number(_Kind):
    expected = "a positive number"

    def accepts(self, value) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < float("inf")


class _Texts(_Kind):
    expected = 'a list of texts (["..."])'

    def accepts(self, value) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)


class _Choice(_Kind):
    def __init__(self, choices):
        self.choices = tuple(choices)
        self.expected = "one of " + ", ".join(f'"{c}"' for c in self.choices)

    def accepts(self, value) -> bool:
        return isinstance(value, str) and value in self.choices

    def check(self, value, key: str, where: str):
        if isinstance(value, str) and value not in self.choices:
            raise ConfigError(f"{where}: {key} = {value!r} is not valid{_nearest(value, self.choices)}; "
                              f"expected {self.expected}")
        return super().check(value, key, where)


class _Choices(_Choice):
    def __init__(self, choices):
        super().__init__(choices)
        self.expected = "a list of " + ", ".join(f'"{c}"' for c in self.choices)

    def accepts(self, value) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) and v in self.choices for v in value)

    def check(self, value, key: str, where: str):
        if isinstance(value, list):
            for item in value:
                if isinstance(item, str) and item not in self.choices:
                    raise ConfigError(f"{where}: {key} value {item!r} is not valid{_nearest(item, self.choices)}; "
                                      f"expected {self.expected}")
        return _Kind.check(self, value, key, where)


class _Date(_Kind):
    expected = "a date (YYYY-MM-DD)"

    def check(self, value, key: str, where: str):
        if isinstance(value, str) and not self.accepts(value):
            raise ConfigError(f"{where}: {key} {value!r} is not a date (YYYY-MM-DD)")
        return super().check(value, key, where)

    def accepts(self, value) -> bool:
        if isinstance(value, str):
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                return False
            return True
        return isinstance(value, dt.date)


class _Map(_Kind):
    """A table whose keys are free (check ids, AD attribute names) and whose values share one kind."""

    def __init__(self, values: _Kind, what: str):
        self.values = values
        self.expected = f"a table of {what}"

    def accepts(self, value) -> bool:
        return isinstance(value, dict)

    def check(self, value, key: str, where: str):
        super().check(value, key, where)
        for name, item in value.items():
            self.values.check(item, f"{key}.{_key(name)}", where)
        return value


class _Table(_Kind):
    """A table with a fixed set of keys; any other key is an error naming the nearest valid one."""

    def __init__(self, keys: dict[str, _Kind], required: tuple[str, ...] = ()):
        self.keys = keys
        self.required = required
        self.expected = "a table"

    def accepts(self, value) -> bool:
        return isinstance(value, dict)

    def check(self, value, key: str, where: str):
        if not isinstance(value, dict):
            label = f"[{key}]" if key and "[" not in key else key or "the configuration"  # [scope], waivers[1]
            raise ConfigError(f"{where}: {label} must be a table, not {_describe(value)}")
        for name, item in value.items():
            full = f"{key}.{_key(name)}" if key else _key(name)
            kind = self.keys.get(name)
            if kind is None:
                what = "table" if not key else "key"
                prefix = f"{key}." if key else ""
                nearest = _nearest(name, self.keys, prefix)
                valid = ", ".join(sorted(self.keys))
                raise ConfigError(f"{where}: unknown {what} {full}{nearest} (valid here: {valid})")
            kind.check(item, full, where)
        return value


class _List(_Kind):
    def __init__(self, item: _Kind, expected: str):
        self.item = item
        self.expected = expected

    def accepts(self, value) -> bool:
        return isinstance(value, list)

    def check(self, value, key: str, where: str):
        super().check(value, key, where)
        for number, item in enumerate(value, 1):
            self.item.check(item, f"{key}[{number}]", where)
        return value


def _key(name: str) -> str:
    """A key as written in TOML: bare when it can be, else quoted."""
    return name if name and all(c.isalnum() or c in "_-" for c in name) else f'"{name}"'


def _describe(value) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return f"the text {shown!r}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (dt.date, dt.time)):
        return f"the date/time {value.isoformat()}"
    return type(value).__name__


def _nearest(name: str, choices, prefix: str = "") -> str:
    match = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f" (did you mean {prefix}{match[0]}?)" if match else ""


def _auth_methods() -> tuple[str, ...]:
    from .commands.options import AUTH_METHODS

    return AUTH_METHODS


def _collections() -> tuple[str, ...]:
    from .coverage import Collection

    return tuple(c.value for c in Collection)


def _schema() -> _Table:
    waiver = _Table({"check": _Text(), "subjects": _Texts(), "reason": _Text(), "expires": _Date()})
    return _Table({
        "scope": _Table({"include": _Texts(), "exclude": _Texts(), "include_onmicrosoft": _Bool(),
                         "cloud_only_mailboxes": _Choice(values(CloudOnlyMailboxes))}),
        "sync": _Table({"client": _Choice(values(SyncClient)), "source_anchor": _Choice(values(SourceAnchor)),
                        "password_hash_sync": _Bool()}),
        "checks": _Table({"select": _Texts(), "ignore": _Texts()}),
        "severity": _Map(_Choice(("blocker", "warning")), 'check id = "blocker" or "warning"'),
        "drift": _Table({"attributes": _Map(_Text(), 'AD attribute = "Graph property"')}),
        "sources": _Table({
            "snapshot": _Text(), "graph_url": _Text(), "tenant_id": _Text(), "client_id": _Text(),
            "auth": _Choice(_auth_methods()), "graph_ca_file": _Text(), "graph_timeout": _Number(),
            "known_empty": _Choices(_collections()),
        }),
        "fix": _Table({
            "password_file": _Text(), "write_consistency_guid": _Bool(), "plan_max_age": _Text(),
            "stale_immutable_id": _Choice(values(StaleImmutableIdFix)),
            "create": _Table({"enabled": _Bool(), "ou": _Text(), "sam_template": _Text()}),
        }),
        "waivers": _List(waiver, "a list of tables ([[waivers]])"),
    })


def parse_config(data: dict, where: str = "config", path: str | None = None) -> Config:
    """A Config from parsed TOML; anything the schema does not know, or of the wrong type, is a
    ConfigError: a misspelt key would otherwise be ignored and, in [scope], widen the sync scope."""
    _schema().check(data, "", where)
    scope_data = data.get("scope", {})
    scope = Scope(include=tuple(scope_data.get("include", ())), exclude=tuple(scope_data.get("exclude", ())),
                  include_onmicrosoft=scope_data.get("include_onmicrosoft", False),
                  cloud_only_mailboxes=CloudOnlyMailboxes(scope_data.get("cloud_only_mailboxes", "skip")))
    sync_data = data.get("sync", {})
    anchor = sync_data.get("source_anchor")
    if anchor == SourceAnchor.OBJECT_GUID and sync_data.get("client") == SyncClient.CLOUD_SYNC:
        raise ConfigError(f'{where}: sync.source_anchor = "objectGUID" is not possible with client = "cloud-sync": '
                          "Cloud Sync takes mS-DS-ConsistencyGuid, falling back to objectGUID, and offers no way "
                          "to change it (reference-cloud-sync-faq); remove source_anchor")
    sync = SyncSettings(client=SyncClient(sync_data.get("client", SyncClient.CONNECT_SYNC)),
                        source_anchor=SourceAnchor(anchor) if anchor else None,
                        password_hash_sync=sync_data.get("password_hash_sync"))
    checks = data.get("checks", {})
    drift = DEFAULT_DRIFT
    pairs = data.get("drift", {}).get("attributes")
    if pairs is not None:
        drift = DEFAULT_DRIFT + tuple(p for p in pairs.items() if p not in DEFAULT_DRIFT)
    waivers = tuple(_waiver(w, i, where) for i, w in enumerate(data.get("waivers", []), 1))
    return Config(
        path=path, scope=scope,
        select=tuple(checks.get("select", ())), ignore=tuple(checks.get("ignore", ())),
        severity=dict(data.get("severity", {})), drift=drift, waivers=waivers,
        sources=dict(data.get("sources", {})), fix=dict(data.get("fix", {})), sync=sync,
    )


def _waiver(data: dict, number: int, where: str) -> Waiver:
    label = f"{where}: waiver {number}"
    for key in ("check", "subjects", "reason"):
        if not data.get(key):
            raise ConfigError(f"{label} has no {key!r}; every waiver needs check, subjects and a reason")
    if not data["reason"].strip():
        raise ConfigError(f"{label}: reason must be a non-empty text")
    expires = data.get("expires")
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    elif isinstance(expires, str):
        expires = dt.date.fromisoformat(expires)
    return Waiver(check=data["check"], subjects=tuple(data["subjects"]), reason=data["reason"].strip(),
                  expires=expires)
