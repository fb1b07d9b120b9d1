"""The Microsoft Entra endpoints azure-identity and MSAL call for the client-credentials flow.

``GET /{tenant}/v2.0/.well-known/openid-configuration`` (MSAL's tenant discovery) and
``POST /{tenant}/oauth2/v2.0/token`` with ``grant_type=client_credentials``, authenticated by
``client_secret`` (form field or HTTP Basic) or by ``client_assertion`` (a certificate-signed
JWT; it is parsed, its ``iss``/``sub`` must name the client, its signature is not verified).
Errors are the JSON Entra sends: ``error``, ``error_description`` with the AADSTS code and
trace lines, ``error_codes``, ``timestamp``, ``trace_id``, ``correlation_id``, ``error_uri``.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime, UTC
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from .messages import PLAIN_JSON, Request, Response

if TYPE_CHECKING:
    from .server import GraphServer

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _entra_error(status: int, error: str, code: int, description: str, request: Request) -> Response:
    trace_id = str(uuid.uuid4())
    correlation_id = request.header("client-request-id") or str(uuid.uuid4())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    body = {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {description}\r\nTrace ID: {trace_id}\r\n"
            f"Correlation ID: {correlation_id}\r\nTimestamp: {stamp}"
        ),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    return Response.json(status, body, PLAIN_JSON, **{"Cache-Control": "no-store, no-cache"})


class IdentityEndpoints:
    def __init__(self, server: GraphServer) -> None:
        self.server = server

    def handles(self, segments: list[str]) -> bool:
        return len(segments) >= 2 and segments[0] not in ("v1.0", "beta") and (
            segments[1:] == ["v2.0", ".well-known", "openid-configuration"]
            or segments[1:] == ["oauth2", "v2.0", "token"]
            or segments[1:] == ["discovery", "v2.0", "keys"]
        )

    def handle(self, request: Request, segments: list[str]) -> Response:
        tenant = segments[0]
        if not self._known_tenant(tenant):
            return _entra_error(
                400,
                "invalid_tenant" if segments[1] != "oauth2" else "invalid_request",
                90002,
                f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
                "and are signing into the correct cloud.",
                request,
            )
        if segments[1] == "discovery":
            return Response.json(200, {"keys": []}, PLAIN_JSON)
        if segments[1] == "v2.0":
            if request.method != "GET":
                return Response(405)
            return Response.json(200, self.openid_configuration(tenant), PLAIN_JSON)
        if request.method != "POST":
            return _entra_error(
                400,
                "invalid_request",
                900561,
                "The endpoint only accepts POST requests. Received a GET request.",
                request,
            )
        return self.token(request, tenant)

    def _known_tenant(self, tenant: str) -> bool:
        lowered = tenant.lower()
        if lowered in (self.server.tenant_id.lower(), "organizations"):
            return True
        return any(name.lower() == lowered for name in self.server.state.domains)

    def openid_configuration(self, tenant: str) -> dict:
        base = self.server.base_url
        tid = self.server.tenant_id
        return {
            "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/{tid}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{base}/oidc/userinfo",
            "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/{tenant}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "oid"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }

    def token(self, request: Request, tenant: str) -> Response:
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        basic = self._basic_credentials(request)
        client_id = form.get("client_id") or (basic[0] if basic else None)
        grant_type = form.get("grant_type")
        if grant_type != "client_credentials":
            return _entra_error(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant_type}'.",
                request,
            )
        if not client_id:
            return _entra_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
                request,
            )
        apps = self.server.apps
        if client_id not in apps:
            return _entra_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{tenant}'. This can happen if the application has not been installed by the "
                "administrator of the tenant or consented to by any user in the tenant. You may "
                "have sent your authentication request to the wrong tenant.",
                request,
            )
        scope = form.get("scope", "")
        if not scope or not all(s.endswith("/.default") for s in scope.split()):
            return _entra_error(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {scope} is not valid. Client credential flows "
                "must have a scope value with /.default suffixed to the resource identifier "
                "(application ID URI).",
                request,
            )
        secret = form.get("client_secret") or (basic[1] if basic else None)
        assertion = form.get("client_assertion")
        if assertion is not None:
            if form.get("client_assertion_type") != JWT_BEARER or not self._assertion_names(
                assertion, client_id
            ):
                return _entra_error(
                    401,
                    "invalid_client",
                    700027,
                    "The certificate with identifier used to sign the client assertion is not "
                    "registered on application. [Reason - The key was not found.]",
                    request,
                )
        elif secret is None:
            return _entra_error(
                401,
                "invalid_client",
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the "
                "'client_credentials' grant type.",
                request,
            )
        elif apps[client_id] is None or secret != apps[client_id]:
            return _entra_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                "the client secret value, not the client secret ID, for a secret added to app "
                f"'{client_id}'.",
                request,
            )
        permissions = self.server.app_permissions.get(client_id)
        access_token = self.server.tokens.issue(
            self.server.token_lifetime, permissions, client_id=client_id
        )
        lifetime = int(self.server.token_lifetime) - 1
        return Response.json(
            200,
            {
                "token_type": "Bearer",
                "expires_in": lifetime,
                "ext_expires_in": lifetime,
                "access_token": access_token,
            },
            PLAIN_JSON,
            **{"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
        )

    @staticmethod
    def _basic_credentials(request: Request) -> tuple[str, str] | None:
        header = request.header("authorization") or ""
        if not header.lower().startswith("basic "):
            return None
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, _, password = decoded.partition(":")
        return user, password

    @staticmethod
    def _assertion_names(assertion: str, client_id: str) -> bool:
        parts = assertion.split(".")
        if len(parts) != 3:
            return False
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except (binascii.Error, ValueError):
            return False
        return isinstance(claims, dict) and claims.get("iss") == client_id == claims.get("sub")
