"""The per-user Graph reads (SPEC §10): onPremisesSyncBehavior and mailboxSettings, through $batch.

Neither comes with the /users pages: onPremisesSyncBehavior is a navigation property and
mailboxSettings is served by Exchange per mailbox. Each is asked only of the users that need it,
20 to a $batch POST through the session (the SDK's auth and middleware; items matched by id, 429s
retried after their Retry-After), and the answers parsed as plain JSON — the SDK's models would cost
milliseconds a user.

Who is asked: members not synchronized now (already synchronized users are only listed) that an
earlier sync left marks on (`previously_synced`: only they can be cloud-managed), and, for
mailboxSettings, that carry an SMTP address (mail, or an SMTP proxy address: Exchange Online stamps
every mailbox with one).

What an answer means:
- 200: the value; the user's field is set and the object embedded in the raw user (cloud/users.json).
- 404 MailboxNotEnabledForRESTAPI (mailboxSettings): the user has no Exchange Online mailbox — a
  reading (purpose None, embedded as null).
- 403: not read for that user (no permission, or an Exchange application access policy); the field
  stays None and coverage records `users.<property>` as not read with the reason and permission, so
  the checks report error for exactly the users they needed it for. When every answer of the first
  POSTs is 403 the permission is missing: the rest are not sent.
- anything else (a 429 still failing after the retries, 5xx, a user gone between the list and the
  read, a lost connection): one-line SourceError naming the endpoint and Graph's code. A per-user
  read that fails for other reasons is not a permission question, and guessing would hide it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from ..coverage import Coverage
from ..errors import SourceError
from ..model import CloudUser
from ..progress import Progress
from .grapherrors import GraphError, SignInFailed
from .graphmap import MAILBOX_SETTINGS, SYNC_BEHAVIOR, cloud_managed_from_graph, mailbox_purpose_from_graph
from .graphsession import BATCH_SIZE, GraphSession

SYNC_BEHAVIOR_PERMISSION = "User-OnPremisesSyncBehavior.ReadWrite.All"   # no read-only permission exists
MAILBOX_PERMISSION = "MailboxSettings.Read"
NO_MAILBOX_CODE = "MailboxNotEnabledForRESTAPI"
SLICE = 50 * BATCH_SIZE             # requests per session.batch call: progress and memory stay bounded


def _has_smtp(user: CloudUser) -> bool:
    return bool(user.mail) or any(p[:5].lower() == "smtp:" for p in user.proxy_addresses)


def _subject(user: CloudUser) -> bool:
    """A user the checks will decide on: a member not synchronized now."""
    return user.sync_enabled is not True and not user.is_guest


@dataclass(frozen=True)
class PerUserRead:
    """One per-user property: which users, the request, how an answer becomes the field and the raw object."""

    prop: str                                       # the Graph name; also the key in the raw user object
    path: str                                       # relative to the version, "{id}" for the user
    permission: str
    wanted: Callable[[CloudUser], bool]
    keep: tuple[str, ...]                           # the answer's properties syncready reads (embedded)
    field: str                                      # the CloudUser field it sets
    parse: Callable[[dict | None], object]          # graphmap's mapping of the embedded object
    absent_code: str | None = None                  # a 404 with this code is a reading: the object does not exist

    def url(self, user_id: str) -> str:
        return self.path.replace("{id}", quote(user_id, safe=""))

    @property
    def endpoint(self) -> str:
        return self.path.split("?", 1)[0]


READS = (
    PerUserRead(SYNC_BEHAVIOR, f"/users/{{id}}/{SYNC_BEHAVIOR}?$select=isCloudManaged", SYNC_BEHAVIOR_PERMISSION,
                lambda u: _subject(u) and u.may_be_cloud_managed, ("isCloudManaged",), "cloud_managed",
                cloud_managed_from_graph),
    PerUserRead(MAILBOX_SETTINGS, f"/users/{{id}}/{MAILBOX_SETTINGS}", MAILBOX_PERMISSION,
                lambda u: _subject(u) and _has_smtp(u), ("userPurpose",), "mailbox_purpose",
                mailbox_purpose_from_graph, NO_MAILBOX_CODE),
)


def read_per_user(session: GraphSession, users: Sequence[CloudUser], raw_users: list | None, coverage: Coverage,
                  quiet: bool = False, reads: Sequence[PerUserRead] = READS) -> None:
    """Every per-user read for the users that need it; fields set in place, raw objects embedded."""
    raw_by_id = {r["id"]: r for r in raw_users if isinstance(r, dict)} if raw_users is not None else None
    for read in reads:
        _read(session, read, [u for u in users if read.wanted(u)], raw_by_id, coverage, quiet)


def _read(session: GraphSession, read: PerUserRead, users: list[CloudUser], raw_by_id: dict | None,
          coverage: Coverage, quiet: bool) -> None:
    name = f"users.{read.prop}"
    source = f"GET {read.endpoint} ($batch)"
    progress = Progress(f"Reading {read.prop} per user from Graph", quiet=quiet)
    answered = 0
    refused: list[GraphError] = []
    for start in range(0, len(users), SLICE):
        chunk = users[start:start + SLICE]
        requests = [{"method": "GET", "url": read.url(u.id)} for u in chunk]
        for user, request, item in zip(chunk, requests, session.batch(requests), strict=True):
            value = _answer(session, read, request["url"], item)
            if isinstance(value, GraphError):
                refused.append(value)
                continue
            try:
                setattr(user, read.field, read.parse(value))
            except ValueError as exc:
                raise SourceError(f"Graph GET {request['url'].split('?', 1)[0]}: {exc}") from None
            if raw_by_id is not None and user.id in raw_by_id:
                raw_by_id[user.id][read.prop] = value
            answered += 1
        progress.update(answered + len(refused), start // SLICE + 1)
        if refused and not answered:
            break                   # every answer so far refused: the permission is missing
    progress.done()
    if not refused:
        coverage.read(name, answered, source=source)
        return
    first = refused[0]
    unasked = len(users) - answered - len(refused)
    reason = f"{first.status} {first.code} for {len(refused) + unasked} of {len(users)} users"
    if unasked:
        reason += f" ({unasked} not asked once the first {len(refused)} were refused)"
    coverage.not_read(name, reason, how=f"grant the application permission {read.permission} (admin consent)"
                      + (", or lift the Exchange application access policy" if read.absent_code else ""),
                      source=source)


def _answer(session: GraphSession, read: PerUserRead, url: str, item: dict) -> dict | None | GraphError:
    """The embedded object of one $batch answer, None for an absent object, a GraphError for a 403."""
    status = item["status"]
    body = item.get("body")
    if 200 <= status < 300:
        if not isinstance(body, dict):
            raise SourceError(f"Graph GET {url.split('?', 1)[0]}: the answer is not a JSON object")
        return {k: body.get(k) for k in read.keep}
    if item.get("signin"):
        raise SignInFailed(item["signin"])
    if status == 404 and read.absent_code and _code(body) == read.absent_code:
        return None                 # the common "no mailbox" answer, without building a GraphError
    error = session.item_error("GET", url, item)
    if status == 404 and read.absent_code and error.code == read.absent_code:
        return None
    if status == 403:
        return error
    raise error


def _code(body) -> str | None:
    """Graph's error code in a $batch item's body, as error_from_answer reads it (None when absent)."""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code") or "") or None if isinstance(error, dict) else None
