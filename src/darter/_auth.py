"""Authentication as generators: a flow yields requests and receives their responses.

``Auth.auth_flow`` is written once, with no I/O; the clients drive it through
``sync_auth_flow`` or ``async_auth_flow``, which also read request or response
bodies when a flow says it needs them. A flow that needs a second round trip
(Digest, in ``_digest``: challenge, then answer) simply yields again.
"""

from __future__ import annotations

import netrc
from base64 import b64encode
from collections.abc import AsyncGenerator, Callable, Generator

from ._exceptions import LocalProtocolError
from ._models._request import Request
from ._models._response import Response

__all__ = ["Auth", "BasicAuth", "FunctionAuth", "NetRCAuth", "basic_auth_header"]


class Auth:
    """Base class of authentication schemes.

    Override ``auth_flow``: it receives the request, may change it, yields it,
    and receives the response; it may yield further requests (for a challenge)::

        class TokenAuth(darter.Auth):
            def __init__(self, token):
                self.token = token

            def auth_flow(self, request):
                request.headers["Authorization"] = f"Bearer {self.token}"
                yield request

    Set ``requires_request_body`` / ``requires_response_body`` when the flow reads
    ``request.content`` / ``response.content``; the clients read them first.
    """

    requires_request_body = False
    requires_response_body = False

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        """The flow: yield requests to send; receive each one's response."""
        yield request

    def sync_auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        """Drive ``auth_flow`` for a sync client, reading bodies it needs."""
        if self.requires_request_body:
            request.read()
        flow = self.auth_flow(request)
        request = next(flow)
        while True:
            response = yield request
            if self.requires_response_body:
                response.read()
            try:
                request = flow.send(response)
            except StopIteration:
                break

    async def async_auth_flow(self, request: Request) -> AsyncGenerator[Request, Response]:
        """Drive ``auth_flow`` for an async client, reading bodies it needs."""
        if self.requires_request_body:
            await request.aread()
        flow = self.auth_flow(request)
        request = next(flow)
        while True:
            response = yield request
            if self.requires_response_body:
                await response.aread()
            try:
                request = flow.send(response)
            except StopIteration:
                break


def _check_credential(value: str | bytes, what: str) -> bytes:
    raw = value.encode("utf-8") if isinstance(value, str) else value
    if any(byte in raw for byte in b"\r\n\x00"):
        raise LocalProtocolError(
            f"The {what} contains a CR, LF or NUL character, which no server can receive "
            "intact; nothing was sent."
        )
    return raw


def basic_auth_header(username: str | bytes, password: str | bytes) -> str:
    """``Basic <base64(user:password)>`` (RFC 7617), credentials encoded as UTF-8.

    Raises ``LocalProtocolError`` for a credential containing CR, LF or NUL.
    """
    userpass = _check_credential(username, "username") + b":"
    userpass += _check_credential(password, "password")
    return "Basic " + b64encode(userpass).decode("ascii")


class BasicAuth(Auth):
    """HTTP Basic authentication (RFC 7617), sent with every request.

    Raises ``LocalProtocolError`` for a credential containing CR, LF or NUL.
    """

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        self._auth_header = basic_auth_header(username, password)

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        request.headers["Authorization"] = self._auth_header
        yield request


class FunctionAuth(Auth):
    """Authentication by a plain function that takes and returns the request."""

    def __init__(self, func: Callable[[Request], Request]) -> None:
        self._func = func

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        yield self._func(request)


class NetRCAuth(Auth):
    """Basic authentication with credentials from a ``.netrc`` file, per host.

    ``file`` defaults to ``~/.netrc``. Hosts without an entry (or without a password)
    get no ``Authorization`` header. Raises ``FileNotFoundError`` or
    ``netrc.NetrcParseError`` when the file is missing or malformed.
    """

    def __init__(self, file: str | None = None) -> None:
        self._netrc_info = netrc.netrc(file)

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        credentials = self._netrc_info.authenticators(request.url.host)
        if credentials is not None and credentials[2]:
            request.headers["Authorization"] = basic_auth_header(credentials[0], credentials[2])
        yield request
