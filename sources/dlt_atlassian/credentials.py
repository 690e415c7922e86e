"""dlt credential specs for Atlassian Cloud, read from ``[sources.atlassian.credentials]``.

One section serves Jira and Confluence: one OAuth consent covers both products and they share
one rotating token pair. Three kinds, tried by dlt in this order when a source declares
``credentials: AtlassianCredentials = dlt.secrets.value``:

* :class:`AtlassianOAuthCredentials` (OAuth 2.0 3LO): ``client_id`` + ``client_secret`` present.
* :class:`AtlassianScopedTokenCredentials` (scoped API token through the API gateway
  ``{api_base_url}/ex/{product}/{cloud_id}``): ``api_token`` + ``scoped_token_auth``.
* :class:`AtlassianBasicCredentials` (classic API token on the site URL): ``site_url`` +
  ``email`` + ``api_token``.

Every secret is typed as a dlt secret (dlt never prints it) and registered for redaction.

Example ``.dlt/secrets.toml`` (OAuth; run ``dlt-atlassian authorize`` once)::

    [sources.atlassian.credentials]
    client_id = "..."
    client_secret = "..."
    site_url = "https://your-site.atlassian.net"
    # refresh_token = "..."   # optional initial token; the token store takes over from it
    # token_store = "/var/lib/pipelines/atlassian-tokens.json"

API token (Basic, on the site)::

    [sources.atlassian.credentials]
    site_url = "https://your-site.atlassian.net"
    email = "me@example.com"
    api_token = "..."

Scoped API token (through the gateway; add ``scoped_token_auth``)::

    [sources.atlassian.credentials]
    cloud_id = "..."            # or site_url (cloud id read from /_edge/tenant_info)
    email = "me@example.com"
    api_token = "..."
    scoped_token_auth = "basic"  # or "bearer"
"""

from typing import Any, ClassVar, Union

from dlt.common.configuration.specs import CredentialsConfiguration, configspec
from dlt.common.typing import TSecretStrValue

from dlt_atlassian.auth.urls import (
    DEFAULT_API_BASE_URL,
    DEFAULT_AUTH_BASE_URL,
    normalize_base_url,
)
from dlt_atlassian.errors import ConfigurationError
from dlt_atlassian.redact import register_secret

CREDENTIALS_SECTION = ("sources", "atlassian")
"""Where the ``credentials`` spec is looked up: ``[sources.atlassian.credentials]``."""

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"
_SECRET_FIELDS = ("client_secret", "refresh_token", "api_token")


def _require(value: str | None, field: str, kind: str) -> str:
    if value is None or not str(value).strip():
        raise ConfigurationError(
            f"{field} is missing for {kind} credentials.",
            hint=f"Set {field} in [sources.atlassian.credentials] (.dlt/secrets.toml) or the "
            f"env var SOURCES__ATLASSIAN__CREDENTIALS__{field.upper()}.",
        )
    return str(value).strip()


def _check_cloud_id(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    if not value or any(c in value for c in "/?#: "):
        raise ConfigurationError(
            f"cloud_id is not a cloud id: {value!r}.",
            hint="Use the site's cloud id (a UUID, from `dlt-atlassian token status` or "
            "https://<site>/_edge/tenant_info), or leave it out and set site_url.",
        )
    return value


class _SafeRepr:
    """Mixin: a repr/str that masks secret fields (dataclass keeps an explicitly defined repr)."""

    def __repr__(self) -> str:
        shown = []
        for name in self.__dataclass_fields__:  # type: ignore[attr-defined]
            if name.startswith("__"):
                continue
            value = getattr(self, name, None)
            if name in _SECRET_FIELDS and value:
                value = "***"
            shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def __str__(self) -> str:
        return self.__repr__()


@configspec
class AtlassianOAuthCredentials(_SafeRepr, CredentialsConfiguration):
    """OAuth 2.0 (3LO) app credentials and where to keep the rotating token pair.

    ``refresh_token`` is the initial token (e.g. from the developer console); once the token
    store holds a newer token descending from it, the store wins. It may be left out after
    ``dlt-atlassian authorize`` filled the store. ``site_url`` or ``cloud_id`` picks the site
    (neither: the only site the consent can see).
    """

    client_id: str = None  # type: ignore[assignment]  # required
    client_secret: TSecretStrValue = None  # type: ignore[assignment]  # required
    refresh_token: TSecretStrValue | None = None
    site_url: str | None = None
    cloud_id: str | None = None
    token_store: str | None = None
    """Path of the token store file; default under the user's data directory."""
    auth_base_url: str = DEFAULT_AUTH_BASE_URL
    api_base_url: str = DEFAULT_API_BASE_URL
    scopes: list[str] | None = None
    """Scopes requested by ``dlt-atlassian authorize`` (default: all this package reads)."""
    redirect_uri: str = DEFAULT_REDIRECT_URI
    """Callback registered for the app; ``authorize`` listens on it (loopback only)."""
    refresh_leeway_seconds: int = 300
    """Refresh the access token this long before it expires."""

    __config_gen_annotations__: ClassVar[list[str]] = ["refresh_token", "site_url"]

    def on_resolved(self) -> None:
        """Validate and normalise (raises :class:`ConfigurationError` with a hint)."""
        kind = "OAuth"
        self.client_id = _require(self.client_id, "client_id", kind)
        self.client_secret = _require(self.client_secret, "client_secret", kind)
        register_secret(self.client_secret)
        register_secret(self.refresh_token)
        if self.refresh_token is not None and not str(self.refresh_token).strip():
            self.refresh_token = None
        if self.site_url:
            self.site_url = normalize_base_url(self.site_url, "site_url")
        self.cloud_id = _check_cloud_id(self.cloud_id)
        self.auth_base_url = normalize_base_url(self.auth_base_url, "auth_base_url", keep_path=True)
        self.api_base_url = normalize_base_url(self.api_base_url, "api_base_url", keep_path=True)
        if isinstance(self.scopes, str):
            self.scopes = self.scopes.replace(",", " ").split()
        if self.refresh_leeway_seconds < 0:
            raise ConfigurationError("refresh_leeway_seconds must not be negative.")


@configspec
class AtlassianScopedTokenCredentials(_SafeRepr, CredentialsConfiguration):
    """A scoped API token, used through the API gateway ``{api_base_url}/ex/{product}/{cloud_id}``.

    ``scoped_token_auth`` chooses how the token is sent: ``"basic"`` (email + token, what
    Atlassian documents) or ``"bearer"`` (token alone). Without ``cloud_id`` the cloud id is
    read from ``{site_url}/_edge/tenant_info``.
    """

    api_token: TSecretStrValue = None  # type: ignore[assignment]  # required
    scoped_token_auth: str = None  # type: ignore[assignment]  # required
    email: str | None = None
    cloud_id: str | None = None
    site_url: str | None = None
    api_base_url: str = DEFAULT_API_BASE_URL

    def on_resolved(self) -> None:
        """Validate and normalise (raises :class:`ConfigurationError` with a hint)."""
        kind = "scoped API token"
        self.api_token = _require(self.api_token, "api_token", kind)
        register_secret(self.api_token)
        scheme = _require(self.scoped_token_auth, "scoped_token_auth", kind).lower()
        if scheme not in {"basic", "bearer"}:
            raise ConfigurationError(
                f"scoped_token_auth must be 'basic' or 'bearer', not {scheme!r}.",
                hint="Atlassian documents 'basic' (email + scoped token); 'bearer' also works.",
            )
        self.scoped_token_auth = scheme
        if scheme == "basic":
            self.email = _require(self.email, "email", kind + " (basic)")
        self.cloud_id = _check_cloud_id(self.cloud_id)
        if self.site_url:
            self.site_url = normalize_base_url(self.site_url, "site_url")
        if not self.cloud_id and not self.site_url:
            raise ConfigurationError(
                "A scoped API token needs cloud_id or site_url.",
                hint="Set cloud_id (preferred) or site_url in [sources.atlassian.credentials].",
            )
        self.api_base_url = normalize_base_url(self.api_base_url, "api_base_url", keep_path=True)


@configspec
class AtlassianBasicCredentials(_SafeRepr, CredentialsConfiguration):
    """A classic API token with its account email, used with Basic auth on the site URL."""

    site_url: str = None  # type: ignore[assignment]  # required
    email: str = None  # type: ignore[assignment]  # required
    api_token: TSecretStrValue = None  # type: ignore[assignment]  # required

    def on_resolved(self) -> None:
        """Validate and normalise (raises :class:`ConfigurationError` with a hint)."""
        kind = "Basic (email + API token)"
        self.api_token = _require(self.api_token, "api_token", kind)
        register_secret(self.api_token)
        self.email = _require(self.email, "email", kind)
        if "@" not in self.email:
            raise ConfigurationError(
                f"email does not look like an email address: {self.email!r}.",
                hint="Use the email of the Atlassian account that owns the API token.",
            )
        self.site_url = normalize_base_url(_require(self.site_url, "site_url", kind), "site_url")


AtlassianCredentials = Union[  # noqa: UP007 - dlt needs a typing.Union at runtime
    AtlassianOAuthCredentials, AtlassianScopedTokenCredentials, AtlassianBasicCredentials
]
"""The type hint sources use: dlt resolves the first kind whose required fields are present."""

AnyAtlassianCredentials = (
    AtlassianOAuthCredentials | AtlassianScopedTokenCredentials | AtlassianBasicCredentials
)


def resolve_credentials(
    explicit: Any = None, *, sections: tuple[str, ...] = CREDENTIALS_SECTION
) -> AnyAtlassianCredentials:
    """Resolve credentials from dlt's providers (toml files, env vars, vaults) like a source would.

    Args:
        explicit: An already built credentials object (returned as is, after validation) or a
            mapping of field values layered over the configuration.
        sections: Where ``credentials`` lives; ``("sources", "atlassian")`` by default.

    Returns:
        The first credential kind that resolves completely.

    Raises:
        ConfigurationError: No kind resolves; the message names what each one is missing.
    """
    from dlt.common.configuration import resolve_configuration
    from dlt.common.configuration.exceptions import ConfigFieldMissingException

    if isinstance(explicit, AtlassianOAuthCredentials | AtlassianScopedTokenCredentials
                  | AtlassianBasicCredentials):
        if not explicit.is_resolved():
            explicit.resolve()
        return explicit
    missing: list[str] = []
    for spec in (AtlassianOAuthCredentials, AtlassianScopedTokenCredentials,
                 AtlassianBasicCredentials):
        try:
            return resolve_configuration(spec(), sections=sections, explicit_value=explicit)
        except ConfigFieldMissingException as exc:
            missing.append(f"{spec.__name__}: {', '.join(exc.fields)}")
    raise ConfigurationError(
        "No Atlassian credentials found in [sources.atlassian.credentials]; missing "
        + "; ".join(missing) + ".",
        hint="Set client_id + client_secret (OAuth), or site_url + email + api_token (API "
        "token), in .dlt/secrets.toml or SOURCES__ATLASSIAN__CREDENTIALS__* env vars.",
    )
