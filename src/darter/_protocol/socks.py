"""The client side of a SOCKS5 handshake (RFC 1928, with RFC 1929 username/password),
with no I/O.

::

    start() -> greeting: the methods we offer (no authentication, and
               username/password when credentials were given)
    GREETING --server picks 0x00--> CONNECT sent
    GREETING --server picks 0x02--> credentials sent --status 0--> CONNECT sent
    CONNECT --reply 0x00--> DONE: the connection now carries the target's bytes
    anything else --> ProxyError, with the reason the server gave

The target is sent as a domain name (``socks5h``: the proxy resolves it) or as
the IP address the caller resolved (``socks5``).
"""

from __future__ import annotations

import ipaddress
import struct

from .._exceptions import ProxyError

__all__ = ["SOCKS5Handshake"]

_NO_AUTHENTICATION = 0x00
_USERNAME_PASSWORD = 0x02
_NO_ACCEPTABLE_METHOD = 0xFF

_REPLY_REASONS = {
    0x01: "general SOCKS server failure",
    0x02: "connection not allowed by ruleset",
    0x03: "network unreachable",
    0x04: "host unreachable",
    0x05: "connection refused",
    0x06: "TTL expired",
    0x07: "command not supported",
    0x08: "address type not supported",
}


class SOCKS5Handshake:
    """Produces the handshake's bytes and checks the proxy's answers.

    Raises ``ProxyError`` when the proxy refuses, answers malformed bytes, or
    asks for an authentication method we did not offer; ``ValueError`` for a
    username or password longer than 255 bytes.
    """

    def __init__(
        self, host: str, port: int, credentials: tuple[bytes, bytes] | None = None
    ) -> None:
        if credentials is not None and any(len(part) > 255 for part in credentials):
            raise ValueError("SOCKS5 usernames and passwords are limited to 255 bytes.")
        self._host = host
        self._port = port
        self._credentials = credentials
        self._buffer = b""
        self._state = "start"

    @property
    def is_done(self) -> bool:
        """Whether the tunnel is open."""
        return self._state == "done"

    def start(self) -> bytes:
        """The greeting to send first."""
        self._state = "greeting"
        methods = bytes([_NO_AUTHENTICATION])
        if self._credentials is not None:
            methods += bytes([_USERNAME_PASSWORD])
        return bytes([5, len(methods)]) + methods

    def receive_data(self, data: bytes) -> bytes:
        """Take bytes from the proxy; return what to send next (``b""``: nothing yet).

        An empty ``data`` means the proxy closed the connection.
        """
        if not data:
            raise ProxyError(f"The SOCKS proxy closed the connection during the {self._state}.")
        self._buffer += data
        out = b""
        while True:
            step = self._step()
            if step is None:
                return out
            out += step

    def _step(self) -> bytes | None:
        if self._state == "greeting":
            return self._on_method_choice()
        if self._state == "authentication":
            return self._on_authentication()
        if self._state == "connect":
            return self._on_connect_reply()
        if self._buffer:
            raise ProxyError("The SOCKS proxy sent data before the tunnel was used.")
        return None

    def _take(self, size: int) -> bytes | None:
        if len(self._buffer) < size:
            return None
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken

    def _on_method_choice(self) -> bytes | None:
        answer = self._take(2)
        if answer is None:
            return None
        version, method = answer
        if version != 5:
            raise ProxyError(f"The proxy does not speak SOCKS5 (it answered version {version}).")
        if method == _NO_AUTHENTICATION:
            return self._connect_request()
        if method == _USERNAME_PASSWORD and self._credentials is not None:
            self._state = "authentication"
            username, password = self._credentials
            return bytes([1, len(username)]) + username + bytes([len(password)]) + password
        if method == _NO_ACCEPTABLE_METHOD and self._credentials is None:
            raise ProxyError(
                "The SOCKS proxy requires authentication: give the proxy URL credentials, "
                "as in socks5://user:password@host:port."
            )
        raise ProxyError(
            f"The SOCKS proxy chose an authentication method we did not offer ({method})."
        )

    def _on_authentication(self) -> bytes | None:
        answer = self._take(2)
        if answer is None:
            return None
        if answer[1] != 0:
            raise ProxyError("The SOCKS proxy refused the username and password.")
        return self._connect_request()

    def _connect_request(self) -> bytes:
        self._state = "connect"
        try:
            address = ipaddress.ip_address(self._host)
        except ValueError:
            name = self._host.encode("idna")
            if len(name) > 255:
                raise ProxyError(f"The host name {self._host!r} is too long for SOCKS5.") from None
            target = bytes([3, len(name)]) + name
        else:
            target = bytes([1 if address.version == 4 else 4]) + address.packed
        return bytes([5, 1, 0]) + target + struct.pack("!H", self._port)

    def _on_connect_reply(self) -> bytes | None:
        if len(self._buffer) < 5:
            return None
        version, reply, _, address_type, first = self._buffer[:5]
        if version != 5:
            raise ProxyError(f"Malformed SOCKS5 reply (version {version}).")
        if reply != 0:
            reason = _REPLY_REASONS.get(reply, f"error {reply}")
            raise ProxyError(
                f"The SOCKS proxy could not connect to {self._host}:{self._port}: {reason}."
            )
        address_sizes = {1: 4, 4: 16, 3: 1 + first}
        if address_type not in address_sizes:
            raise ProxyError(f"Malformed SOCKS5 reply (address type {address_type}).")
        if self._take(4 + address_sizes[address_type] + 2) is None:
            return None
        self._state = "done"
        return b""
