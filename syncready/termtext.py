"""Text from directories and URLs made safe to show: control characters escaped, secrets redacted.

Directory values are written by whoever can edit an address or a display name. Printed raw, an
ESC, CR or OSC sequence could retitle the terminal, move the cursor or hide lines of a fix plan;
a bidi override could reorder what is read. Shown here as visible escapes (\\x1b, \\u202e).
The process's own stdout and stderr are set up here too, so that no name can make a print fail.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import sys
import textwrap
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# C0 controls (newline and tab included: a value is shown on one line), DEL, C1 controls, bidi
# embeddings, overrides, isolates and marks, line and paragraph separators, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")

# Query parameters whose values are credentials (OAuth, Azure SAS, signed URLs, API keys).
SECRET_PARAMETERS = frozenset((
    "access_token", "id_token", "refresh_token", "token", "code", "client_secret", "secret",
    "client_assertion", "assertion", "password", "pwd", "passwd", "sig", "signature", "key", "api_key",
    "apikey", "api-key", "subscription-key", "x-amz-signature", "x-amz-security-token",
    "x-amz-credential", "x-goog-signature", "x-goog-credential", "skoid", "sktid", "session_state",
))
REDACTED = "REDACTED"

_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def _escape_char(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text) -> str:
    """The text with every control, bidi and separator character shown as a visible escape."""
    text = text if isinstance(text, str) else str(text)
    if text.isprintable():
        return text
    return _UNSAFE.sub(_escape_char, text)


def escape_lines(text: str) -> str:
    """Like escape, keeping the newlines that separate lines of a rendered block (a fix plan)."""
    return "\n".join(escape(line) for line in text.split("\n"))


def redact_url(url: str) -> str:
    """The URL with a password in it and the values of secret query parameters replaced."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{REDACTED}@{host}" if ":" in userinfo else f"{REDACTED}@{host}"
    query = parts.query
    if query and _has_secret(query):
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, REDACTED if k.lower() in SECRET_PARAMETERS else v) for k, v in pairs],
                          safe="$,/()=:@!*", quote_via=quote)
    fragment = parts.fragment
    if fragment and _has_secret(fragment):
        pairs = parse_qsl(fragment, keep_blank_values=True)
        fragment = urlencode([(k, REDACTED if k.lower() in SECRET_PARAMETERS else v) for k, v in pairs])
    if (netloc, query, fragment) == (parts.netloc, parts.query, parts.fragment):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def _has_secret(query: str) -> bool:
    return any(name.lower() in SECRET_PARAMETERS for name, _ in parse_qsl(query, keep_blank_values=True))


def redact_urls(text: str) -> str:
    """Every URL inside a text (an error message) through redact_url."""
    if "://" not in text:
        return text
    return _URL.sub(lambda m: redact_url(m.group()), text)


def one_line(text: str, limit: int = 2000) -> str:
    """A message fit for one line on stderr: URLs redacted, controls escaped, length bounded."""
    text = escape(redact_urls(str(text)))
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"


def terminal_width(fp) -> int | None:
    """The width to wrap output for: the terminal's when `fp` is one, else None (a file, a pipe or a
    CI log keeps each message on one line, for grep and for the scripts that read it)."""
    try:
        if not fp.isatty():
            return None
    except (AttributeError, ValueError, OSError):
        return None
    return max(shutil.get_terminal_size().columns, 40)


def wrap(text, width: int | None, indent: str = "", subsequent: str | None = None) -> str:
    """The text escaped, then wrapped at word boundaries to `width` (None: one line, not wrapped).

    Escaping first means a control character can neither break a line nor be split by one; a
    single word longer than the width (a DN, a URL) is kept whole rather than cut.
    """
    line = indent + escape(text)
    if width is None or len(line) <= width:
        return line
    return textwrap.fill(escape(text), width, initial_indent=indent,
                         subsequent_indent=indent + "  " if subsequent is None else subsequent,
                         break_long_words=False, break_on_hyphens=False)


def readable_streams() -> None:
    """Lets stdout and stderr carry any name: UTF-8 when redirected (a file, a pipe, a CI log such as
    Azure DevOps on Windows, where the legacy code page would be used), unless PYTHONIOENCODING
    chose an encoding; a terminal keeps its own; and a character the encoding lacks is written as a
    backslash escape instead of raising UnicodeEncodeError. Only the process's real streams are
    touched, not a replacement (pytest's capture, a caller's StringIO)."""
    chosen = bool(os.environ.get("PYTHONIOENCODING"))
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper) or stream not in (sys.__stdout__, sys.__stderr__):
            continue
        try:
            terminal = stream.isatty()
        except (OSError, ValueError):
            terminal = False
        if terminal or chosen:
            stream.reconfigure(errors="backslashreplace")
        else:
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
