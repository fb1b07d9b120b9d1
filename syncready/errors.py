"""Errors that end a command with a one-line message and exit code 2 (SPEC §5)."""


class SyncreadyError(Exception):
    """A problem the administrator must fix; the message is shown as one line, no traceback."""

    exit_code = 2


class SourceError(SyncreadyError):
    """A source could not be read: malformed file, unreachable server, refused credentials."""


class ConfigError(SyncreadyError):
    """Bad configuration or usage."""
