"""URL checks shared by the credentials and the auth flows."""

from __future__ import annotations

from urllib.parse import urlsplit

from dlt_atlassian.errors import ConfigurationError

DEFAULT_AUTH_BASE_URL = "https://auth.atlassian.com"
DEFAULT_API_BASE_URL = "https://api.atlassian.com"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def is_loopback(host: str | None) -> bool:
    """True for hosts that never leave the machine (where plain http is acceptable)."""
    return (host or "").lower() in _LOOPBACK


def normalize_base_url(value: str, field: str, *, keep_path: bool = False) -> str:
    """Validate an https URL (http only on loopback) and return ``scheme://host[:port][/path]``.

    The scheme and host are lower-cased and trailing slashes dropped; with ``keep_path`` False
    any path is dropped as well (a pasted ``https://x.atlassian.net/wiki/spaces/X`` becomes the
    site root).
    """
    text = (value or "").strip()
    hint = (
        f"Set {field} to the full https URL, e.g. https://your-site.atlassian.net "
        "(http is only allowed on 127.0.0.1/localhost, e.g. for the simulator)."
    )
    if not text:
        raise ConfigurationError(f"{field} is empty.", hint=hint)
    if "://" not in text:
        text = "https://" + text if "." in text and " " not in text else text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"{field} is not a valid URL: {value!r}.", hint=hint) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in {"https", "http"} or not host or " " in text:
        raise ConfigurationError(f"{field} is not a valid URL: {value!r}.", hint=hint)
    if scheme == "http" and not is_loopback(host):
        raise ConfigurationError(f"{field} must use https: {value!r}.", hint=hint)
    if parts.username or parts.password:
        raise ConfigurationError(f"{field} must not contain credentials.", hint=hint)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = parts.path.rstrip("/") if keep_path else ""
    return f"{scheme}://{netloc}{path}"


def site_key(url: str) -> str:
    """Comparable form of a site URL: lower-case host (and port), no scheme, no path."""
    parts = urlsplit(url if "://" in url else "https://" + url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host
