"""Bearer tokens the server knows: JWT-shaped strings with an expiry and a permission set."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


def _b64url(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class TokenInfo:
    expires_at: float
    permissions: frozenset[str] | None
    client_id: str | None = None

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at

    def allows(self, *permissions: str) -> bool:
        return self.permissions is None or any(p in self.permissions for p in permissions)


class TokenStore:
    """A mapping of token string to :class:`TokenInfo`; expired tokens stay known (and fail)."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self._tokens: dict[str, TokenInfo] = {}
        self._lock = threading.Lock()

    def issue(
        self,
        expires_in: float = 3600,
        permissions=None,
        client_id: str | None = None,
    ) -> str:
        now = int(time.time())
        roles = sorted(permissions) if permissions is not None else ["Directory.ReadWrite.All"]
        claims = {
            "aud": "https://graph.microsoft.com",
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": int(now + expires_in),
            "appid": client_id or str(uuid.uuid4()),
            "roles": roles,
            "tid": self.tenant_id,
            "uti": secrets.token_urlsafe(16),
            "ver": "1.0",
        }
        header = {"typ": "JWT", "alg": "RS256", "kid": "graphserver"}
        token = ".".join(
            (
                _b64url(json.dumps(header, separators=(",", ":")).encode()),
                _b64url(json.dumps(claims, separators=(",", ":")).encode()),
                _b64url(secrets.token_bytes(64)),
            )
        )
        info = TokenInfo(
            time.time() + expires_in,
            frozenset(permissions) if permissions is not None else None,
            client_id,
        )
        with self._lock:
            self._tokens[token] = info
        return token

    def get(self, token: str) -> TokenInfo | None:
        return self._tokens.get(token)

    def revoke(self, token: str) -> None:
        with self._lock:
            self._tokens.pop(token, None)

    def __contains__(self, token: object) -> bool:
        return token in self._tokens

    def __getitem__(self, token: str) -> TokenInfo:
        return self._tokens[token]

    def __iter__(self):
        return iter(list(self._tokens))

    def __len__(self) -> int:
        return len(self._tokens)

    def valid(self) -> list[str]:
        return [t for t, info in list(self._tokens.items()) if not info.expired]
