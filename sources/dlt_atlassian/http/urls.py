"""Where a request goes: paths appended to the base URL, and only ever to the base URL's host."""

from __future__ import annotations

import httpx

from dlt_atlassian import errors
from dlt_atlassian.redact import redact


class BaseUrl:
    """A site (``https://x.atlassian.net``) or gateway prefix (``.../ex/jira/<cloudId>``).

    Paths are appended, never ``urljoin``-ed (which would drop the gateway prefix).

    Raises:
        ConfigurationError: the URL is not an absolute http(s) URL.
    """

    def __init__(self, url: str) -> None:
        parsed = httpx.URL(url.strip())
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise errors.ConfigurationError(
                f"Invalid Atlassian base URL {url!r}",
                hint="Use a full URL such as https://your-site.atlassian.net.",
            )
        self.url = str(parsed.copy_with(query=None, fragment=None)).rstrip("/")
        self.origin = (parsed.scheme, parsed.host, parsed.port)
        self.path = parsed.path.rstrip("/")

    def build(self, path: str, *, rebase_foreign: bool = False) -> str:
        """Append ``path`` to the base URL; absolute URLs must be on the base URL's host.

        Args:
            path: ``/rest/...`` or ``/wiki/...`` (appended), or an absolute URL.
            rebase_foreign: for server-given links: an absolute URL on another host keeps
                only its path and query, appended to the base URL (instead of failing).

        Raises:
            ConfigurationError: an absolute URL points to another host.
        """
        if path.startswith(("http://", "https://")):
            url = httpx.URL(path)
            if (url.scheme, url.host, url.port) == self.origin:
                return path
            if not rebase_foreign:
                raise errors.ConfigurationError(
                    f"Refusing to send a request to {redact(str(url.copy_with(query=None)))}: "
                    f"credentials are only sent to {self.url}",
                    hint="Pass a path such as /rest/api/3/... instead of a URL on another host.",
                )
            path = url.raw_path.decode("ascii")
        if not path.startswith("/"):
            path = "/" + path
        if self.path and (path == self.path or path.startswith(self.path + "/")):
            # A link that already carries the gateway prefix: do not add it twice.
            scheme, host, port = self.origin
            netloc = f"{host}:{port}" if port else host
            return f"{scheme}://{netloc}{path}"
        return self.url + path
