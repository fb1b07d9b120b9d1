"""syncready.toml (or [tool.syncready] in pyproject.toml): scope, checks, severities, waivers."""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from .errors import ConfigError

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
        return next((raw for raw, base in zip(self.exclude, self._exclude) if _under(key, base)), None)


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
    path: str | None = None
    scope: Scope = field(default_factory=Scope)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    drift: tuple[tuple[str, str], ...] = DEFAULT_DRIFT   # (AD attribute, Graph property)
    waivers: tuple[Waiver, ...] = ()
    sources: dict = field(default_factory=dict)
    fix: dict = field(default_factory=dict)

    @property
    def extra_graph(self) -> tuple[str, ...]:
        return tuple(g for _, g in self.drift if g not in ("givenName", "surname", "displayName"))

    @property
    def extra_ldap(self) -> tuple[str, ...]:
        return tuple(a for a, _ in self.drift if a.lower() not in ("givenname", "sn", "displayname"))


def load_config(path: str | None) -> Config:
    """Read the given file, else ./syncready.toml, else [tool.syncready] of ./pyproject.toml."""
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"config file {path} does not exist")
        return parse_config(_read_toml(file), str(file))
    if Path("syncready.toml").is_file():
        return parse_config(_read_toml(Path("syncready.toml")), "syncready.toml")
    if Path("pyproject.toml").is_file():
        section = _read_toml(Path("pyproject.toml")).get("tool", {}).get("syncready")
        if section is not None:
            return parse_config(section, "pyproject.toml [tool.syncready]")
    return Config()


def _read_toml(file: Path) -> dict:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML ({exc})") from None


def parse_config(data: dict, where: str = "config") -> Config:
    known = {"scope", "checks", "severity", "drift", "waivers", "sources", "fix"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    scope_data = _table(data, "scope", where)
    scope = Scope(
        include=_strings(scope_data.get("include", []), f"{where}: scope.include"),
        exclude=_strings(scope_data.get("exclude", []), f"{where}: scope.exclude"),
        include_onmicrosoft=bool(scope_data.get("include_onmicrosoft", False)),
    )
    checks = _table(data, "checks", where)
    severity = _table(data, "severity", where)
    for check_id, value in severity.items():
        if value not in ("blocker", "warning"):
            raise ConfigError(f"{where}: severity.{check_id} must be \"blocker\" or \"warning\", not {value!r}")
    drift = DEFAULT_DRIFT
    drift_data = _table(data, "drift", where)
    if "attributes" in drift_data:
        pairs = drift_data["attributes"]
        if not isinstance(pairs, dict):
            raise ConfigError(f"{where}: drift.attributes must be a table of AD attribute = Graph property")
        extra = tuple((str(a), str(g)) for a, g in pairs.items())
        drift = DEFAULT_DRIFT + tuple(p for p in extra if p not in DEFAULT_DRIFT)
    waivers = tuple(_waiver(w, i, where) for i, w in enumerate(data.get("waivers", []), 1))
    return Config(
        path=where, scope=scope,
        select=_strings(checks.get("select", []), f"{where}: checks.select"),
        ignore=_strings(checks.get("ignore", []), f"{where}: checks.ignore"),
        severity=dict(severity), drift=drift, waivers=waivers,
        sources=_table(data, "sources", where), fix=_table(data, "fix", where),
    )


def _table(data: dict, name: str, where: str) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{name}] must be a table")
    return value


def _strings(value, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{what} must be a list of strings")
    return tuple(value)


def _waiver(data, number: int, where: str) -> Waiver:
    label = f"{where}: waiver {number}"
    if not isinstance(data, dict):
        raise ConfigError(f"{label} must be a table ([[waivers]])")
    for key in ("check", "subjects", "reason"):
        if not data.get(key):
            raise ConfigError(f"{label} has no {key!r}; every waiver needs check, subjects and a reason")
    if not isinstance(data["reason"], str) or not data["reason"].strip():
        raise ConfigError(f"{label}: reason must be a non-empty text")
    expires = data.get("expires")
    if expires is not None:
        if isinstance(expires, dt.datetime):
            expires = expires.date()
        elif isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise ConfigError(f"{label}: expires {expires!r} is not a date (YYYY-MM-DD)") from None
        elif not isinstance(expires, dt.date):
            raise ConfigError(f"{label}: expires must be a date (YYYY-MM-DD)")
    return Waiver(check=str(data["check"]), subjects=_strings(data["subjects"], f"{label} subjects"),
                  reason=data["reason"].strip(), expires=expires)
