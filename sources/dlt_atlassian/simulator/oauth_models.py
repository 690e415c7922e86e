"""Records and token shapes of the simulated authorization server (see ``oauth.py``)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field

DAY = 86400.0


class OAuthError(Exception):
    """A token-endpoint failure, carried to the HTTP layer as status + Atlassian's body."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.body = {"error": error, "error_description": description}


def invalid_refresh() -> OAuthError:
    """Atlassian's answer to any refresh token it will not honour."""
    return OAuthError(403, "invalid_grant", "Unknown or invalid refresh token.")


def cloud_id_for(seed: int, site: str) -> str:
    """A stable UUID-shaped cloud id for ``site`` under ``seed``."""
    digest = hashlib.sha256(f"cloud:{seed}:{site}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_like(claims: dict[str, object]) -> str:
    """A JWT-shaped token (unsigned in substance; only its shape matters)."""
    # Real Atlassian tokens are JWTs; the shape matters to redaction, the signature does not.
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{payload}.{_b64(secrets.token_bytes(24))}"


@dataclass
class TokenFamily:
    """Every token descending from one consent."""

    id: str
    client_id: str
    account_id: str
    scopes: tuple[str, ...]
    created_at: float
    revoked: bool = False
    revoked_reason: str | None = None
    refresh_count: int = 0
    refresh_tokens: list[str] = field(default_factory=list, repr=False)


@dataclass
class RefreshRecord:
    """One refresh token and where it stands in its family."""

    family_id: str
    issued_at: float
    used_at: float | None = None  # set when it was rotated (first use)


@dataclass(frozen=True)
class AccessRecord:
    """What an access token grants, until when."""

    family_id: str | None
    account_id: str
    scopes: frozenset[str]
    expires_at: float


@dataclass(frozen=True)
class CodeRecord:
    """A pending authorization code."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    account_id: str
    expires_at: float


@dataclass(frozen=True)
class TokenPair:
    """What the token endpoint returns."""

    access_token: str
    refresh_token: str | None
    expires_in: int
    scopes: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """The body Atlassian's token endpoint writes."""
        body: dict[str, object] = {
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "token_type": "Bearer",
            "scope": " ".join(self.scopes),
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        return body
