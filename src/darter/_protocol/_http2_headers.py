"""Header blocks for the HTTP/2 client machine in ``http2``: built on the way out,
checked on the way in (RFC 9113 §8.2, §8.3).

``request_headers`` turns an HTTP/1-style request head into the HTTP/2 field list
(pseudo-header fields first) and raises ``LocalProtocolError`` before anything is
produced if something in it cannot be sent. ``response_head`` and
``response_trailers`` check a decoded header block from the server and raise
``RemoteProtocolError`` saying what is malformed; the machine turns that into a
reset of the one stream, since a malformed message is a stream error
(RFC 9113 §8.1.1).

The checks are the same in both directions, so that what darter sends would pass
its own checks on receipt:

* names are tokens (RFC 9110 §5.1) and, in HTTP/2, lower case; pseudo-header
  fields (``:name``) come before all others;
* values hold no control character other than HTAB (so no NUL, CR or LF, which
  RFC 9113 §8.2.1 forbids, and no other CTL, which RFC 9110 §5.5 excludes, as
  the HTTP/1.1 machine does) and neither start nor end with SP or HTAB;
* connection-specific fields (Connection, Keep-Alive, Proxy-Connection,
  Transfer-Encoding, Upgrade) do not exist in HTTP/2 (RFC 9113 §8.2.2): they are
  dropped from requests and make a response malformed; TE is allowed only as
  ``trailers``.

The common case is checked with a few C-level passes over all the names and all the
values at once (``bytes.join``, ``translate``, ``count``); the field-by-field
code only runs to accept a rare valid form or to say precisely what is wrong.
Nothing here keeps state between calls, except a bounded cache of lower-cased
request header names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from hpack import NeverIndexedHeaderTuple

from darter._exceptions import LocalProtocolError, RemoteProtocolError

from ._http11_parse import FIELD_VALUE_CHARS, TCHAR, VCHAR, HeaderField, shorten

__all__ = ["request_headers", "response_head", "response_trailers"]

#: A field as given to and received from the HPACK layer: (name, value).
Field = tuple[bytes, bytes]

#: The bytes a (lower-case) HTTP/2 field name may hold: tchar without upper case.
_NAME_CHARS: Final = TCHAR.translate(None, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: The bytes a run of values joined with LF may hold.
_JOINED_VALUE_CHARS: Final = FIELD_VALUE_CHARS + b"\n"
_TAB_TO_SPACE: Final = bytes.maketrans(b"\t", b" ")
#: Request fields that HTTP/2 does not carry (RFC 9113 §8.2.2); Host becomes
#: ``:authority`` and TE stays only as ``trailers``.
_CONNECTION_SPECIFIC: Final = frozenset(
    (b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade")
)
_REQUEST_SPECIAL: Final = _CONNECTION_SPECIFIC | {b"host", b"te"}
#: Names that send a received block down the field-by-field path: the
#: connection-specific ones, TE (valid only as "trailers") and the empty name.
_RESPONSE_SPECIAL: Final = _CONNECTION_SPECIFIC | {b"te", b""}
#: Fields kept out of the HPACK dynamic table, so that their values cannot be
#: guessed by an attacker who watches compressed sizes (RFC 7541 §7.1.3).
_SENSITIVE: Final = frozenset((b"authorization", b"proxy-authorization"))
#: Cookies shorter than this are never indexed either (short values are the
#: guessable ones).
_SHORT_COOKIE: Final = 20
#: An authority is visible ASCII without "@" (no userinfo, RFC 9113 §8.3.1).
_AUTHORITY_CHARS: Final = VCHAR.translate(None, b"@")
_SCHEME_CHARS: Final = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."
_STATUS_CODES: Final = {b"%d" % code: code for code in range(100, 1000)}

# Request header names seen before, mapped to their lower-case form once checked.
# Bounded, so that odd names cannot grow it.
_NAME_CACHE: dict[bytes, bytes] = {}
_NAME_CACHE_SIZE: Final = 512


# ---------------------------------------------------------------------------- sending


def request_headers(
    method: bytes,
    scheme: bytes,
    authority: bytes,
    path: bytes,
    headers: Sequence[tuple[bytes, bytes]],
) -> list[Field]:
    """Return the HTTP/2 field list of a request: pseudo-header fields, then the
    others with lower-case names, connection-specific ones dropped.

    A ``Host`` header, if present, gives ``:authority`` (and is not sent). CONNECT
    requests carry only ``:method`` and ``:authority`` (RFC 9113 §8.5).
    Authorization, Proxy-Authorization and short Cookie values are marked never to
    be indexed by HPACK.

    Raises ``LocalProtocolError`` if the method is not a token, the scheme is not
    a URI scheme, the authority or the path is empty or not visible ASCII (http
    and https URIs always have an authority, never with userinfo), a header name
    is not a token (a leading colon included), a value holds a CTL other than HTAB
    or starts or ends with whitespace, or there is more than one Host.
    """
    if not method or method.translate(None, TCHAR):
        raise LocalProtocolError(f"Invalid request method {shorten(method)}: not a token.")
    fields: list[Field] = []
    host: bytes | None = None
    for name, value in headers:
        lower = _NAME_CACHE.get(name)
        if lower is None:
            lower = _check_request_name(name)
        if lower in _REQUEST_SPECIAL:
            if lower == b"host":
                if host is not None:
                    raise LocalProtocolError("A request must not have two Host headers.")
                host = value
            elif lower == b"te" and value.lower() == b"trailers":
                fields.append((b"te", b"trailers"))
            continue
        if lower in _SENSITIVE or (lower == b"cookie" and len(value) < _SHORT_COOKIE):
            fields.append(NeverIndexedHeaderTuple(lower, value))
        else:
            fields.append((lower, value))
    if headers:
        error = _value_error([value for _, value in headers])
        if error is not None:
            name = next(name for name, value in headers if _value_error([value]) is not None)
            raise LocalProtocolError(f"Invalid value for request header {shorten(name)}: {error}.")
    if host is not None:
        authority = host
    if not authority or authority.translate(None, _AUTHORITY_CHARS):
        raise LocalProtocolError(
            f"Invalid request authority {shorten(authority)}: it must be non-empty visible "
            f"ASCII, without userinfo ('@')."
        )
    if method == b"CONNECT":
        return [(b":method", method), (b":authority", authority), *fields]
    if not scheme or not scheme[:1].isalpha() or scheme.translate(None, _SCHEME_CHARS):
        raise LocalProtocolError(f"Invalid request scheme {shorten(scheme)}.")
    if not path or path.translate(None, VCHAR):
        raise LocalProtocolError(
            f"Invalid request path {shorten(path)}: it must be non-empty visible ASCII, "
            f"without whitespace or control characters."
        )
    return [
        (b":method", method),
        (b":scheme", scheme),
        (b":authority", authority),
        (b":path", path),
        *fields,
    ]


def _check_request_name(name: bytes) -> bytes:
    """Validate a request header name; return it lower-cased (and remember it)."""
    if not name or name.translate(None, TCHAR):
        raise LocalProtocolError(
            f"Invalid request header name {shorten(name)}: it must be a token "
            f"(letters, digits and !#$%&'*+-.^_`|~; pseudo-header fields are set by "
            f"darter)."
        )
    lower = name.lower()
    if len(_NAME_CACHE) < _NAME_CACHE_SIZE:
        _NAME_CACHE[name] = lower
    return lower


def _value_error(values: Sequence[bytes]) -> str | None:
    """Say what is wrong with the first invalid value of ``values``, or None.

    Joined with LF (which no valid value holds), all values are checked at once:
    one ``translate`` for the bytes, one ``count`` for LFs inside values, and, with
    HTAB turned into SP, two searches and two slices for whitespace at the edges.
    (``find`` rather than ``in``: on bytes, ``in`` first tries its operand as an
    integer, which costs more than the search.)
    """
    joined = b"\n".join(values)
    if not joined.translate(None, _JOINED_VALUE_CHARS) and joined.count(b"\n") == len(values) - 1:
        spaced = joined.translate(_TAB_TO_SPACE)
        if (
            spaced[:1] != b" "
            and spaced[-1:] != b" "
            and spaced.find(b"\n ") < 0
            and spaced.find(b" \n") < 0
        ):
            return None
    for value in values:
        bad = value.translate(None, FIELD_VALUE_CHARS)
        if bad:
            byte = bad[0]
            what = {0: "a NUL byte", 10: "an LF", 13: "a CR"}.get(byte)
            return f"it contains {what or f'the control character 0x{byte:02x}'}"
        if value[:1] in (b" ", b"\t") or value[-1:] in (b" ", b"\t"):
            return f"{shorten(value)} starts or ends with whitespace"
    raise AssertionError("unreachable: no invalid value")  # pragma: no cover


# -------------------------------------------------------------------------- receiving


def response_head(fields: Sequence[Field]) -> tuple[int, list[HeaderField]]:
    """Check a response header block; return its status code and other fields.

    The fields are returned as ``(name, name, value)`` (names are lower case in
    HTTP/2), without the ``:status`` pseudo-header field.

    Raises ``RemoteProtocolError`` if the block is malformed (RFC 9113 §8.2, §8.3.2):
    no ``:status``, or one that is not three digits from 100 (101 does not exist in
    HTTP/2, §8.6), another or a repeated pseudo-header field, one after a regular
    field, a name that is not a lower-case token, a value with a CTL other than HTAB
    or with whitespace at either end, a connection-specific field, or TE other than
    ``trailers``.
    """
    if fields:
        names, values = zip(*fields, strict=False)
        code = _STATUS_CODES.get(values[0]) if names[0] == b":status" else None
        if code is not None and code != 101:
            rest = names[1:]
            if (
                not b"".join(rest).translate(None, _NAME_CHARS)
                and _RESPONSE_SPECIAL.isdisjoint(rest)
                and _value_error(values) is None
            ):
                return code, list(zip(rest, rest, values[1:], strict=False))
    return _response_head_slowly(fields)


def _response_head_slowly(fields: Sequence[Field]) -> tuple[int, list[HeaderField]]:
    """``response_head`` field by field: accept what the quick path could not, or
    say precisely what is wrong."""
    status: bytes | None = None
    regular: list[HeaderField] = []
    for name, value in fields:
        if name[:1] == b":":
            if regular:
                raise RemoteProtocolError(
                    f"Malformed response: the pseudo-header field {shorten(name)} comes "
                    f"after regular fields."
                )
            if name != b":status":
                raise RemoteProtocolError(
                    f"Malformed response: {shorten(name)} is not a response pseudo-header field."
                )
            if status is not None:
                raise RemoteProtocolError("Malformed response: it has two :status fields.")
            status = value
        else:
            regular.append(_checked_field(name, value, "response"))
    if status is None:
        raise RemoteProtocolError("Malformed response: it has no :status field.")
    code = _STATUS_CODES.get(status)
    if code is None or code == 101:
        raise RemoteProtocolError(
            f"Malformed response: invalid :status {shorten(status)} (three digits from "
            f"100, and 101 does not exist in HTTP/2)."
        )
    return code, regular


def response_trailers(fields: Sequence[Field]) -> list[HeaderField]:
    """Check a trailer block; return its fields as ``(name, name, value)``.

    Raises ``RemoteProtocolError`` if it is malformed: any pseudo-header field, or a
    field that ``response_head`` would refuse.
    """
    if fields:
        names, values = zip(*fields, strict=False)
        if (
            not b"".join(names).translate(None, _NAME_CHARS)
            and _RESPONSE_SPECIAL.isdisjoint(names)
            and _value_error(values) is None
        ):
            return list(zip(names, names, values, strict=False))
    result: list[HeaderField] = []
    for name, value in fields:
        if name[:1] == b":":
            raise RemoteProtocolError(
                f"Malformed trailers: they contain the pseudo-header field {shorten(name)}."
            )
        result.append(_checked_field(name, value, "trailers"))
    return result


def _checked_field(name: bytes, value: bytes, what: str) -> HeaderField:
    """One regular received field, checked; as ``(name, name, value)``."""
    if not name or name.translate(None, _NAME_CHARS):
        raise RemoteProtocolError(
            f"Malformed {what}: the field name {shorten(name)} is not a lower-case token "
            f"(HTTP/2 field names are lower case)."
        )
    if name in _RESPONSE_SPECIAL and not (name == b"te" and value == b"trailers"):
        raise RemoteProtocolError(
            f"Malformed {what}: the connection-specific field {shorten(name)} is not "
            f"allowed in HTTP/2."
        )
    error = _value_error([value])
    if error is not None:
        raise RemoteProtocolError(f"Malformed {what}: invalid value for {shorten(name)}: {error}.")
    return (name, name, value)
