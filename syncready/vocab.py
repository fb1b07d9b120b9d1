"""The one vocabulary: every status, severity, kind and write verb of SPEC as a `StrEnum`.

Each member *is* its SPEC string (`Status.PASS == "pass"`, `json.dumps(Status.PASS) == '"pass"'`), so
the results JSON, plans, journals and comparisons with strings read from files stay exactly as they
were; what changes is that a typo is a NameError instead of a silent mismatch, and that each set
(what fails, what gates) is defined once, here.
"""
from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A result's status (SPEC §5)."""

    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"      # the check could not decide; counts as a failure
    WAIVED = "waived"    # a failure covered by an unexpired waiver


class Severity(StrEnum):
    BLOCKER = "blocker"
    WARNING = "warning"


class FailOn(StrEnum):
    """`--fail-on`: which failing checks fail the run (or their pytest test)."""

    BLOCKER = "blocker"
    WARNING = "warning"
    NEVER = "never"


class SubjectKind(StrEnum):
    """What a result is about. ONPREM_GROUP covers in-scope AD groups *and* contacts: the mail objects
    sync may match onto cloud groups and contacts (group-takeover); its fixture is `onprem_group`."""

    CLOUD_USER = "cloud-user"
    ONPREM_USER = "onprem-user"
    TENANT = "tenant"
    ONPREM_GROUP = "onprem-group"


class Readiness(StrEnum):
    READY = "ready"
    AT_RISK = "at-risk"
    BLOCKED = "blocked"


class FixAvailability(StrEnum):
    """A check's `META.fix`: whether its fixer writes changes always, sometimes, or only guides."""

    ALWAYS = "always"
    SOMETIMES = "sometimes"
    MANUAL = "manual"


class Safety(StrEnum):
    """Of one planned change: an unsafe one is planned only with `--unsafe`."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Target(StrEnum):
    """Which directory a change writes to."""

    ONPREM = "onprem"
    CLOUD = "cloud"


class Operation(StrEnum):
    MODIFY = "modify"    # LDAP: delete the exact old values, add the new ones
    CREATE = "create"    # LDAP: a new user object
    DELETE = "delete"    # LDAP: the undo of a create
    PATCH = "patch"      # Graph: PATCH one property of a user


FAILING: frozenset[Status] = frozenset({Status.FAIL, Status.ERROR})
"""The statuses that make a subject blocked or at risk and fail the gate."""

PREVIEWED: frozenset[Status] = FAILING | {Status.WAIVED}
"""The statuses whose result carries its fixer's preview in the results JSON."""


def gates(severity: str, fail_on: str) -> bool:
    """Whether a failing check of this severity fails the run under --fail-on (CLI and pytest alike)."""
    return fail_on != FailOn.NEVER and (severity == Severity.BLOCKER or fail_on == FailOn.WARNING)


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The SPEC strings of an enum, in declaration order (for argparse choices and listings)."""
    return tuple(member.value for member in enum)


class SyncClient(StrEnum):
    """syncready.toml [sync] client: which Microsoft sync client runs the first export (SPEC §10)."""

    CONNECT_SYNC = "connect-sync"
    CLOUD_SYNC = "cloud-sync"


class SourceAnchor(StrEnum):
    """syncready.toml [sync] source_anchor: the on-prem attribute the sourceAnchor is taken from."""

    CONSISTENCY_GUID = "mS-DS-ConsistencyGuid"
    OBJECT_GUID = "objectGUID"


class CloudOnlyMailboxes(StrEnum):
    """syncready.toml [scope] cloud_only_mailboxes: whether cloud mailboxes with no AD user are skipped."""

    SKIP = "skip"
    REQUIRE = "require"


class StaleImmutableIdFix(StrEnum):
    """syncready.toml [fix] stale_immutable_id: how the cloud-only fixer repairs a stale ImmutableID."""

    CLEAR = "clear"                # clear it in the cloud; the stamping then sets the counterpart's anchor
    WRITE_TO_AD = "write-to-ad"    # Microsoft's fix for the same person: it becomes mS-DS-ConsistencyGuid
