"""Validation and serialisation of request heads for the HTTP/1.1 client machine.

``serialize_request`` checks a request head completely and returns its bytes with
the facts the machine needs about it; it raises ``LocalProtocolError`` before
producing anything if the head is not valid HTTP/1.1 (RFC 9112 §3, RFC 9110 §5).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, NamedTuple, NoReturn

from darter._exceptions import LocalProtocolError

from ._http11_parse import (
    FIELD_VALUE_CHARS,
    TCHAR,
    VCHAR,
    connection_tokens,
    describe_bad_byte,
    shorten,
)

__all__ = ["RequestHead", "serialize_request"]


class RequestHead(NamedTuple):
    """A serialised request head and what it says about the exchange."""

    data: bytes
    #: The body length: the Content-Length, -1 for a chunked body, 0 for no body.
    body_length: int
    #: The request carries ``Connection: close``.
    close: bool
    #: The request carries an Upgrade header (so a 101 response is acceptable).
    upgrade: bool


_REQUEST_SPECIAL: Final = frozenset(
    (b"content-length", b"transfer-encoding", b"connection", b"host", b"upgrade")
)
_HEAD_CHARS: Final = FIELD_VALUE_CHARS + b"\r\n"

# Header names seen in requests, mapped to their lower-case form once validated:
# the same few names come with every request, so a dictionary lookup replaces the
# token check and the lower-casing. Bounded so that odd names cannot grow it.
_NAME_CACHE: dict[bytes, bytes] = {}
_NAME_CACHE_SIZE: Final = 512


def serialize_request(
    method: bytes, target: bytes, headers: Sequence[tuple[bytes, bytes]]
) -> RequestHead:
    """Validate a request head and serialise it, header names and order as given.

    Raises ``LocalProtocolError`` if the method is not a token, the target is not
    visible ASCII, a header name is not a token, a header value holds a CTL other
    than HTAB (CR, LF and NUL included), there is not exactly one Host (RFC 9112
    §3.2), or the framing fields are invalid: a Content-Length that is not one
    decimal number of at most 18 digits, a Transfer-Encoding other than one
    ``chunked``, or both.
    """
    if not method or method.translate(None, TCHAR):
        raise LocalProtocolError(f"Invalid request method {shorten(method)}: not a token.")
    if not target or target.translate(None, VCHAR):
        raise LocalProtocolError(
            f"Invalid request target {shorten(target)}: it must be non-empty visible "
            f"ASCII, without whitespace or control characters."
        )
    parts = [method, b" ", target, b" HTTP/1.1\r\n"]
    special: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        lower = _NAME_CACHE.get(name)
        if lower is None:
            lower = _check_name(name)
        if lower in _REQUEST_SPECIAL:
            special.append((lower, value))
        parts += (name, b": ", value, b"\r\n")
    parts.append(b"\r\n")
    data = b"".join(parts)
    # Method, target and names are checked, so a CR, LF or CTL can only come from
    # a value: one pass over the whole head finds out whether any value has one.
    lines = (len(parts) + 3) // 4  # request line, one per field, the empty line
    if (
        data.count(b"\n") != lines
        or data.count(b"\r") != lines
        or data.translate(None, _HEAD_CHARS)
    ):
        _raise_for_bad_value(headers)
    return _interpret_fields(data, special)


def _interpret_fields(data: bytes, special: list[tuple[bytes, bytes]]) -> RequestHead:
    """Check Host and the framing fields of a request."""
    hosts = 0
    length: bytes | None = None
    chunked = upgrade = close = False
    for lower, value in special:
        if lower == b"host":
            hosts += 1
        elif lower == b"content-length":
            if length is not None:
                raise LocalProtocolError("A request must not have two Content-Length headers.")
            if not value.isdigit() or len(value) > 18:
                raise LocalProtocolError(
                    f"Invalid request Content-Length {shorten(value)}: it must be a "
                    f"non-negative decimal number (at most 18 digits)."
                )
            length = value
        elif lower == b"transfer-encoding":
            if chunked or value.strip(b" \t").lower() != b"chunked":
                raise LocalProtocolError(
                    f"Invalid request Transfer-Encoding {shorten(value)}: only a single "
                    f"'chunked' is supported."
                )
            chunked = True
        elif lower == b"upgrade":
            upgrade = True
        else:
            option = value.lower()
            if option == b"close" or (
                option != b"keep-alive" and b"close" in connection_tokens((option,))
            ):
                close = True
    if hosts != 1:
        raise LocalProtocolError(
            "An HTTP/1.1 request must have exactly one Host header "
            f"(RFC 9112 §3.2); this one has {hosts}."
        )
    if chunked:
        if length is not None:
            raise LocalProtocolError(
                "A request must not have both Content-Length and Transfer-Encoding."
            )
        return RequestHead(data, -1, close, upgrade)
    return RequestHead(data, 0 if length is None else int(length), close, upgrade)


def _raise_for_bad_value(headers: Sequence[tuple[bytes, bytes]]) -> NoReturn:
    for name, value in headers:
        if value.translate(None, FIELD_VALUE_CHARS):
            raise LocalProtocolError(
                f"Invalid value for request header {shorten(name)}: it contains "
                f"{describe_bad_byte(value, FIELD_VALUE_CHARS, received=False)}."
            )
    raise AssertionError("unreachable: no invalid header value")  # pragma: no cover


def _check_name(name: bytes) -> bytes:
    """Validate a request header name; return it lower-cased (and remember it)."""
    if not name or name.translate(None, TCHAR):
        raise LocalProtocolError(
            f"Invalid request header name {shorten(name)}: it must be a token "
            f"(letters, digits and !#$%&'*+-.^_`|~)."
        )
    lower = name.lower()
    if len(_NAME_CACHE) < _NAME_CACHE_SIZE:
        _NAME_CACHE[name] = lower
    return lower
