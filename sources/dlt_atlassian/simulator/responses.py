"""Error bodies in each Atlassian surface's own shape.

Jira, Confluence v1, Confluence v2 and the gateway each write errors differently; clients are
tested against what the real services write.
"""

from __future__ import annotations

import json
from typing import Any

_TITLES = {
    400: ("BAD_REQUEST", "Bad Request"), 401: ("UNAUTHORIZED", "Unauthorized"),
    403: ("FORBIDDEN", "Forbidden"), 404: ("NOT_FOUND", "Not Found"),
    405: ("METHOD_NOT_ALLOWED", "Method Not Allowed"),
    429: ("TOO_MANY_REQUESTS", "Too Many Requests"),
    500: ("INTERNAL_SERVER_ERROR", "Internal Server Error"),
    503: ("SERVICE_UNAVAILABLE", "Service Unavailable"),
}


def product_of(path: str) -> str:
    """``"confluence"`` for ``/wiki/...`` paths, else ``"jira"``."""
    return "confluence" if path.startswith("/wiki/") else "jira"


def error_body(path: str, status: int, message: str) -> bytes:
    """A JSON error body for a site-relative ``path``."""
    body: dict[str, Any]
    if path.startswith("/wiki/api/v2/"):
        code, title = _TITLES.get(status, ("ERROR", "Error"))
        body = {"errors": [{"status": status, "code": code, "title": title, "detail": message}]}
    elif path.startswith("/wiki/"):
        body = {"statusCode": status, "data": {"authorized": status != 401, "valid": True,
                                               "errors": [], "successful": False},
                "message": message}
    else:
        body = {"errorMessages": [message], "errors": {}}
    return json.dumps(body).encode()


def gateway_body(status: int, message: str) -> bytes:
    """The API gateway's own error shape."""
    return json.dumps({"code": status, "message": message}).encode()


BAD_GATEWAY_HTML = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)
