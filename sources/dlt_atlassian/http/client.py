"""``AtlassianClient``: one pooled httpx client with retries, rate limiting and pagination.

Thread-safe: sources call one client from many threads. Paths are appended to ``base_url``
(never ``urljoin``, which would drop an ``/ex/jira/{cloudId}`` gateway prefix), and requests are
only ever sent to the base URL's host, so credentials cannot leak to another server.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import nullcontext
from types import TracebackType
from typing import Any

import httpx

from dlt_atlassian import __version__, errors
from dlt_atlassian.http.error_mapping import error_for_response
from dlt_atlassian.http.limiter import RateLimiter, RequestGate
from dlt_atlassian.http.paginators import BasePaginator, PageRequest
from dlt_atlassian.http.responses import MalformedJSON, parse_json_body, server_now
from dlt_atlassian.http.retry import (
    RetryPolicy,
    is_quota_exhausted,
    is_retryable_status,
    retry_delay,
)
from dlt_atlassian.http.selectors import select_items
from dlt_atlassian.http.urls import BaseUrl
from dlt_atlassian.redact import redact

logger = logging.getLogger("dlt_atlassian.http")

PROJECT_URL = "https://github.com/dlt-atlassian/dlt-atlassian"
DEFAULT_USER_AGENT = f"dlt-atlassian/{__version__} (+{PROJECT_URL})"

# Worth another try: the network or the server hiccupped. Not retried: UnsupportedProtocol,
# LocalProtocolError (our own bug) and anything else that would fail the same way again.
_RETRYABLE_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)


class _Retry(Exception):
    """Internal: this attempt failed in a retryable way."""

    def __init__(self, reason: str, response: httpx.Response | None, final: Exception) -> None:
        super().__init__(reason)
        self.reason = reason
        self.response = response
        self.final = final


class AtlassianClient:
    """HTTP client for one Atlassian product base URL (a site or an API gateway prefix).

    Args:
        base_url: e.g. ``https://x.atlassian.net`` or ``https://api.atlassian.com/ex/jira/<id>``.
        auth: an ``httpx.Auth`` (Basic, OAuth with refresh, ...); None = anonymous.
        limiter: shared :class:`RateLimiter`; None = a private one capped at ``max_connections``.
        retry: :class:`RetryPolicy`; None = defaults.
        timeout: seconds for reads/writes/pool waits (connect is capped at 15 s).
        max_connections: size of the connection pool.
        user_agent: overrides the default ``dlt-atlassian/<version>`` user agent.
        transport: a custom httpx transport (proxies, tests).
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        max_connections: int = 16,
        user_agent: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._base = BaseUrl(base_url)
        self.base_url = self._base.url
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or RateLimiter(max_connections)
        self._http = httpx.Client(
            auth=auth,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            headers={
                "User-Agent": user_agent or DEFAULT_USER_AGENT,
                "Accept": "application/json",
                "Accept-Language": "en",
                "X-Force-Accept-Language": "true",
            },
            transport=transport,
            follow_redirects=True,  # httpx drops Authorization on cross-origin redirects
        )

    # ----------------------------------------------------------------- URLs

    def build_url(self, path: str, *, rebase_foreign: bool = False) -> str:
        """Append ``path`` to the base URL (see :meth:`BaseUrl.build`).

        Raises:
            ConfigurationError: an absolute URL points to another host.
        """
        return self._base.build(path, rebase_foreign=rebase_foreign)

    # ----------------------------------------------------------------- public calls

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send a request with retries and rate limiting; return the successful response.

        Raises:
            AtlassianHTTPError: a subclass matching the final failure (status, network, ...).
        """
        response, _ = self._send(method, path, params=params, json=json, headers=headers)
        return response

    def get_json(
        self, path: str, params: Mapping[str, Any] | None = None, *, gate: RequestGate | None = None
    ) -> Any:
        """GET ``path`` and return the parsed JSON (malformed bodies are retried).

        ``gate``: a caller's own cap held around each attempt (besides the shared limiter).
        """
        return self._send("GET", path, params=params, want_json=True, gate=gate)[1]

    def post_json(self, path: str, json: Any, params: Mapping[str, Any] | None = None) -> Any:
        """POST ``json`` to ``path`` and return the parsed JSON (for read-only searches)."""
        return self._send("POST", path, params=params, json=json, want_json=True)[1]

    def paginate(
        self,
        path: str,
        *,
        paginator: BasePaginator,
        method: str = "GET",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data_selector: str | None = None,
        gate: RequestGate | None = None,
    ) -> Iterator[list[Any]]:
        """Yield one list of items per non-empty page, streaming (nothing is accumulated).

        Args:
            path: first page's path (or absolute URL on the base host).
            paginator: a paginator; a copy is used, so the instance can be reused.
            method: ``GET`` or ``POST`` (``POST`` searches send ``json``).
            params: query parameters of the first request.
            json: JSON body of the first request.
            data_selector: dotted path to the items (default: the paginator's ``items_key``,
                a bare list, or the only well-known list key).
            gate: a caller's own cap held around each request (besides the shared limiter).

        Raises:
            PaginationLoopError: the server repeated a page token or next link.
            ResponseFormatError: a page had no items list where one was expected.
        """
        pager = copy.deepcopy(paginator)
        request = PageRequest(method.upper(), path, dict(params or {}), copy.deepcopy(json))
        pager.init_request(request)
        selector = data_selector or pager.items_key
        while True:
            response, body = self._send(
                request.method,
                request.url,
                params=request.params,
                json=request.json,
                want_json=True,
                is_link=request.is_link,
                gate=gate,
            )
            items = select_items(body, selector, method=request.method, url=str(response.url))
            if items:
                yield items
            pager.update_state(response, items, body=body)
            if not pager.has_next_page:
                return
            pager.update_request(request)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> AtlassianClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ----------------------------------------------------------------- the retry loop

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        want_json: bool = False,
        is_link: bool = False,
        gate: RequestGate | None = None,
    ) -> tuple[httpx.Response, Any]:
        method = method.upper()
        url = self.build_url(path, rebase_foreign=is_link)
        if params:
            # Merge (httpx would replace a query the path or a next link already carries).
            url = str(httpx.URL(url).copy_merge_params(dict(params)))
        policy = self.retry
        attempt = 0
        malformed = 0
        while True:
            attempt += 1
            try:
                return self._attempt(method, url, json, headers, want_json, gate)
            except _Retry as failure:
                if failure.reason == "malformed":
                    malformed += 1
                    exhausted = malformed >= policy.malformed_json_attempts
                else:
                    exhausted = attempt >= policy.max_attempts
                if exhausted:
                    raise self._final_error(method, attempt, failure) from None
                self._wait_before_retry(method, url, attempt, failure)

    @staticmethod
    def _final_error(method: str, attempts: int, failure: _Retry) -> Exception:
        response = failure.response
        if response is not None and response.status_code >= 400:
            url = str(response.url)
            return error_for_response(response, method=method, url=url, attempts=attempts)
        final = failure.final
        if isinstance(final, errors.TransportError) and attempts > 1:
            return errors.TransportError(
                f"{final.message} after {attempts} attempts", method=method, url=final.url
            )
        return final

    def _attempt(
        self,
        method: str,
        url: str,
        json: Any,
        headers: Mapping[str, str] | None,
        want_json: bool,
        gate: RequestGate | None = None,
    ) -> tuple[httpx.Response, Any]:
        shown = redact(url)
        with gate.slot() if gate is not None else nullcontext(None) as signal:
            with self.limiter.slot():
                started = time.perf_counter()
                try:
                    response = self._http.request(method, url, json=json, headers=headers)
                except _RETRYABLE_EXCEPTIONS as exc:
                    kind = type(exc).__name__
                    logger.debug("%s %s -> %s", method, shown, kind)
                    lost = errors.TransportError(
                        f"{method} {shown} failed: {kind}", method=method, url=url
                    )
                    raise _Retry(kind, None, lost) from None
                except httpx.HTTPError as exc:
                    raise errors.TransportError(
                        f"{method} {shown} failed: {type(exc).__name__}", method=method, url=url
                    ) from None
            if signal is not None and response.status_code < 400:
                signal(response.headers, time.perf_counter() - started)
        elapsed = (time.perf_counter() - started) * 1000
        status = response.status_code
        logger.debug("%s %s -> %s in %.0f ms", method, redact(str(response.url)), status, elapsed)
        self.limiter.on_response(status, response.headers)
        if status >= 400:
            final = error_for_response(response, method=method, url=str(response.url))
            if is_retryable_status(status):
                raise _Retry(str(status), response, final)
            raise final
        if not want_json:
            return response, None
        try:
            return response, parse_json_body(method, response)
        except MalformedJSON as bad:
            raise _Retry("malformed", response, bad.error) from None

    def _wait_before_retry(self, method: str, url: str, attempt: int, failure: _Retry) -> None:
        policy = self.retry
        response = failure.response
        headers = response.headers if response is not None else None
        delay = retry_delay(attempt, policy, headers, now=server_now(response))
        if response is not None and response.status_code == 429:
            if delay > policy.max_server_delay:
                raise failure.final
            if is_quota_exhausted(response.headers, delay, policy):
                logger.warning(
                    "Atlassian quota exhausted (%s): pausing all requests for %.1f s",
                    response.headers.get("ratelimit-reason", "429"),
                    delay,
                )
                self.limiter.note_retry()
                self.limiter.pause_for(delay)
                return  # the next attempt waits in the limiter with every other thread
        elif delay > policy.max_server_delay:
            delay = policy.max_server_delay
        logger.warning(
            "%s %s -> %s; retry %d/%d in %.2f s",
            method,
            redact(url),
            failure.reason,
            attempt,
            policy.max_attempts - 1,
            delay,
        )
        self.limiter.note_retry()
        self.limiter.wait(delay)
