"""Redirect policy (RFC 9110 §15.4), with no I/O: given a request and a redirect
response, build the next request — or say why not.

What changes on the way:

- method: 303 turns anything but HEAD into GET; 302 and 301 turn POST into GET (as
  every browser does); 307 and 308 keep the method and the body;
- body: dropped whenever the method becomes GET, with its framing headers;
- credentials: ``Authorization`` and ``Proxy-Authorization`` are dropped when the
  origin (scheme, host, port) changes, except for an upgrade of the same host from
  http to https on the default ports; cookies are recomputed from the client's jar
  for the new URL, never copied;
- the URL: resolved against the request's URL; a fragment of the original is kept
  when the new location has none (RFC 9110 §10.2.2).
"""

from __future__ import annotations

from ._exceptions import InvalidURL, RemoteProtocolError, UnsupportedProtocol
from ._models._cookies import Cookies
from ._models._headers import Headers
from ._models._request import Request
from ._models._response import Response
from ._models._urls import URL

__all__ = ["build_redirect_request", "redirect_method", "redirect_url"]

#: How much of a redirect response's body is read (and discarded) to keep the
#: connection; a longer body costs the connection instead.
REDIRECT_BODY_LIMIT = 64 * 1024

_CREDENTIAL_HEADERS = ("authorization", "proxy-authorization")
# RFC 9110 §15.4: content-specific fields go with the body.
_BODY_HEADERS = (
    "content-length",
    "transfer-encoding",
    "content-type",
    "content-encoding",
    "content-language",
    "content-location",
)


def redirect_method(method: str, status_code: int) -> str:
    """The method of the request that follows a redirect with ``status_code``."""
    if status_code == 303 and method != "HEAD":
        return "GET"
    if status_code in (301, 302) and method == "POST":
        return "GET"
    return method


def redirect_url(request: Request, response: Response) -> URL:
    """Where the redirect points, as an absolute URL.

    Raises ``RemoteProtocolError`` when the ``Location`` header is not a valid URL,
    ``UnsupportedProtocol`` when it is not an http(s) one.
    """
    location = response.headers["location"]
    try:
        url = URL(location)
    except InvalidURL as exc:
        raise RemoteProtocolError(
            f"The server redirected to an invalid URL ({location!r}): {exc}", request=request
        ) from None
    if url.scheme and url.scheme not in ("http", "https"):
        raise UnsupportedProtocol(
            f"The server redirected to {location!r}: only http:// and https:// "
            "locations can be followed.",
            request=request,
        )
    if url.scheme and not url.host:
        # "https:///path": same host, new scheme.
        url = url.copy_with(host=request.url.host)
    if url.is_relative_url:
        url = request.url.join(url)
    if request.url.fragment and not url.fragment:
        url = url.copy_with(fragment=request.url.fragment)
    return url


def _same_origin(one: URL, other: URL) -> bool:
    return one._origin == other._origin


def _is_https_upgrade(old: URL, new: URL) -> bool:
    """http://host(:80) -> https://host(:443): the same site, more securely."""
    return (
        old.scheme == "http"
        and new.scheme == "https"
        and old.host == new.host
        and old.port in (None, 80)
        and new.port in (None, 443)
    )


def build_redirect_request(request: Request, response: Response, cookies: Cookies) -> Request:
    """The request to send next for a redirect ``response`` to ``request``.

    ``cookies`` is the client's jar: the new request carries what it holds for the
    new URL, not the ``Cookie`` header of the old request. Raises
    ``RemoteProtocolError`` for an invalid ``Location``.
    """
    method = redirect_method(request.method, response.status_code)
    url = redirect_url(request, response)

    headers = Headers(request.headers)
    if not _same_origin(url, request.url) and not _is_https_upgrade(request.url, url):
        for name in _CREDENTIAL_HEADERS:
            headers.pop(name, None)
    if url.netloc != request.url.netloc:
        headers["Host"] = url.netloc.decode("ascii")
    keep_body = method == request.method or method != "GET"
    if not keep_body:
        for name in _BODY_HEADERS:
            headers.pop(name, None)
    headers.pop("cookie", None)

    return Request(
        method=method,
        url=url,
        headers=headers,
        cookies=cookies,
        stream=request.stream if keep_body else None,
        extensions=request.extensions,
    )
