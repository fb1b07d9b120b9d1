"""Credentials for Microsoft Graph: one azure-identity credential per `--auth` method (SPEC §2, §5).

Secrets come only from the environment (or azure-identity's own prompts) and are never put into a
message: every error names the variable to set, not its value. The token audience and the sign-in
host follow the Graph URL, so a national cloud works without further options.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError

SECRET_VAR = "AZURE_CLIENT_SECRET"
CERTIFICATE_VAR = "AZURE_CLIENT_CERTIFICATE_PATH"
CERTIFICATE_PASSWORD_VAR = "AZURE_CLIENT_CERTIFICATE_PASSWORD"
TOKEN_VAR = "SYNCREADY_GRAPH_TOKEN"
AUTHORITY_VAR = "AZURE_AUTHORITY_HOST"

# Graph host -> the Entra sign-in host of the same cloud.
CLOUD_AUTHORITIES = {
    "graph.microsoft.com": "login.microsoftonline.com",
    "graph.microsoft.us": "login.microsoftonline.us",
    "dod-graph.microsoft.us": "login.microsoftonline.us",
    "microsoftgraph.chinacloudapi.cn": "login.chinacloudapi.cn",
    "graph.microsoft.de": "login.microsoftonline.de",
}
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
NEEDS_TENANT = {"secret", "certificate"}
NEEDS_CLIENT = {"secret", "certificate"}


@dataclass(frozen=True)
class GraphTarget:
    """Where Graph is and how tokens for it are asked for."""

    base_url: str           # e.g. https://graph.microsoft.com/v1.0, without a trailing slash
    host: str               # graph.microsoft.com
    scope: str              # https://graph.microsoft.com/.default
    authority: str          # https://login.microsoftonline.com
    known_cloud: bool       # a Microsoft cloud (instance discovery works) or a private/test endpoint


def graph_target(graph_url: str) -> GraphTarget:
    """The scope is `<scheme>://<host>/.default` (Entra refuses ports in it); the authority is the
    sign-in host of the Graph host's cloud, or AZURE_AUTHORITY_HOST for any other Graph endpoint."""
    parts = urlsplit(graph_url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"--graph-url {graph_url!r} is not an http(s) URL")
    host = parts.hostname.lower()
    if parts.scheme == "http" and host not in LOOPBACK:
        raise ConfigError(f"--graph-url must use https (tokens are not sent in clear text to {host})")
    if parts.username or parts.password:
        raise ConfigError("--graph-url must not contain a user name or password")
    base = graph_url.strip().rstrip("/")
    bracketed = f"[{host}]" if ":" in host else host
    scope = f"{parts.scheme}://{bracketed}/.default"
    login = CLOUD_AUTHORITIES.get(host)
    override = os.environ.get(AUTHORITY_VAR, "").strip()
    if override:
        authority = override if "://" in override else "https://" + override
    else:
        authority = "https://" + (login or CLOUD_AUTHORITIES["graph.microsoft.com"])
    return GraphTarget(base, host, scope, authority.rstrip("/"), login is not None and not override)


def make_credential(method: str, target: GraphTarget, tenant_id: str | None, client_id: str | None,
                    ca_file: str | None = None):
    """The credential for `--auth METHOD`; a missing value ends as a ConfigError naming it."""
    if method == "token":
        token = os.environ.get(TOKEN_VAR, "").strip()
        if not token:
            raise ConfigError(f"--auth token needs a bearer token for Graph in the environment variable {TOKEN_VAR}")
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        return StaticTokenCredential(token)
    if method in NEEDS_TENANT and not tenant_id:
        raise ConfigError(f"--auth {method} needs --tenant-id")
    if method in NEEDS_CLIENT and not client_id:
        raise ConfigError(f"--auth {method} needs --client-id (the application id)")
    import azure.identity as identity

    common: dict[str, Any] = {"authority": target.authority}
    if not target.known_cloud:
        common["disable_instance_discovery"] = True
    if ca_file:
        common["connection_verify"] = ca_file
    if method == "secret":
        secret = os.environ.get(SECRET_VAR, "")
        if not secret:
            raise ConfigError(f"--auth secret needs the client secret in the environment variable {SECRET_VAR}")
        assert tenant_id and client_id  # NEEDS_TENANT and NEEDS_CLIENT above
        return identity.ClientSecretCredential(tenant_id, client_id, secret, **common)
    if method == "certificate":
        path = os.environ.get(CERTIFICATE_VAR, "")
        if not path:
            raise ConfigError(f"--auth certificate needs the certificate file (PEM or PKCS#12) in the environment "
                              f"variable {CERTIFICATE_VAR}")
        if not os.path.isfile(path):
            raise ConfigError(f"the certificate file named by {CERTIFICATE_VAR} does not exist: {path}")
        password = os.environ.get(CERTIFICATE_PASSWORD_VAR) or None
        assert tenant_id and client_id  # NEEDS_TENANT and NEEDS_CLIENT above
        try:
            return identity.CertificateCredential(tenant_id, client_id, certificate_path=path,
                                                  password=password, **common)
        except (ValueError, TypeError) as exc:
            hint = f" (is {CERTIFICATE_PASSWORD_VAR} right?)" if password or "password" in str(exc).lower() else ""
            raise ConfigError(f"cannot load the certificate named by {CERTIFICATE_VAR}{hint}: "
                              f"{first_line(str(exc))}") from None
    interactive: dict[str, Any] = {**common, "tenant_id": tenant_id} if tenant_id else dict(common)
    if client_id:
        interactive["client_id"] = client_id
    if method == "device-code":
        return identity.DeviceCodeCredential(prompt_callback=_show_device_code, **interactive)
    if method == "browser":
        return identity.InteractiveBrowserCredential(**interactive)
    if method == "managed-identity":
        if client_id:
            return identity.ManagedIdentityCredential(client_id=client_id)
        return identity.ManagedIdentityCredential()
    if method == "azure-cli":
        return identity.AzureCliCredential(tenant_id=tenant_id) if tenant_id else identity.AzureCliCredential()
    if method == "environment":
        missing = [v for v in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID") if not os.environ.get(v)]
        if not (os.environ.get(SECRET_VAR) or os.environ.get(CERTIFICATE_VAR)):
            missing.append(f"{SECRET_VAR} or {CERTIFICATE_VAR}")
        if missing:
            raise ConfigError(f"--auth environment needs the environment variable(s) {', '.join(missing)}")
        return identity.EnvironmentCredential(**common)
    raise ConfigError(f"unknown --auth method {method!r}")


def _show_device_code(verification_uri: str, user_code: str, expires_on) -> None:
    """The code is for the administrator to type, so it goes to the terminal (stderr), not a log."""
    import sys

    print(f"To sign in to Microsoft Graph, open {verification_uri} and enter the code {user_code}", file=sys.stderr)


class StaticTokenCredential:
    """An azure-core TokenCredential for a bearer token obtained elsewhere (`--auth token`).

    The expiry is read from the token's `exp` claim when it is a JWT, so an expired token is told
    apart from a refused one without sending it anywhere.
    """

    def __init__(self, token: str):
        self._token = token
        self.expires_on = _jwt_expiry(token)

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(self.expires_on or time.time() + 3600))

    def get_token_info(self, *scopes, options=None):
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self._token, int(self.expires_on or time.time() + 3600))

    def close(self) -> None:
        return None

    def __repr__(self) -> str:
        return "StaticTokenCredential(<hidden>)"


def _jwt_expiry(token: str) -> float | None:
    import base64
    import json

    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return float(claims["exp"])
    except (ValueError, KeyError, TypeError):
        return None


def make_auth_provider(credential, target: GraphTarget):
    """A kiota authentication provider that adds the bearer token only for the Graph host.

    Scopes and allowed hosts are explicit: msgraph-core's defaults know only the Microsoft clouds,
    so a private or test Graph endpoint would silently get no token.
    """
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )

    return AzureIdentityAuthenticationProvider(credential, scopes=[target.scope], allowed_hosts=[target.host],
                                               is_cae_enabled=not isinstance(credential, StaticTokenCredential))


def first_line(text: str) -> str:
    """The first meaningful line of an error text (Entra appends trace and correlation ids)."""
    for line in str(text).replace("\r", "\n").split("\n"):
        line = line.strip()
        if line and not line.lower().startswith(("trace id", "correlation id", "timestamp")):
            return line
    return str(text).strip()
