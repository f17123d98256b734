"""Pure parsing helpers for the HTTP/1.1 client machine in ``http11``.

Everything here works on complete units that the machine has already delimited
(a response head, a trailer section, a chunk-size line, a list of field values)
and either returns the parsed value or raises ``RemoteProtocolError`` with a
message that says what was wrong. Nothing here keeps state between calls.

The fast paths do their checking with a few C-level passes over the whole unit
(``bytes.find``/``count``/``translate`` and one precompiled regular expression)
instead of looping over bytes in Python; the slow paths only run when the fast
path did not match, and exist to either accept a rare valid form (obs-fold) or to
explain precisely what is invalid.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import Final, NamedTuple

from darter._exceptions import RemoteLimitExceeded, RemoteProtocolError

__all__ = [
    "FIELD_VALUE_CHARS",
    "FRAMING_FIELDS",
    "HTTP_10",
    "HTTP_11",
    "HeaderField",
    "ResponseHead",
    "TCHAR",
    "VCHAR",
    "check_transfer_encoding",
    "connection_tokens",
    "describe_bad_byte",
    "parse_chunk_line",
    "parse_content_length",
    "parse_fields",
    "parse_response_head",
    "shorten",
]

#: One field line: (name as received, name lower-cased, value without surrounding OWS).
HeaderField = tuple[bytes, bytes, bytes]


class ResponseHead(NamedTuple):
    """The head of a final (non-1xx, or 101) response.

    ``http_version`` is ``b"HTTP/1.1"`` or ``b"HTTP/1.0"`` (minor versions 2 to 9
    are reported as ``b"HTTP/1.1"``, see the machine's documentation).
    ``headers`` holds ``(name as received, name lower-cased, value)`` in the order
    received; values have no leading or trailing SP/HTAB and may contain obs-text.
    """

    status_code: int
    reason: bytes
    http_version: bytes
    headers: list[HeaderField]


HTTP_11: Final = b"HTTP/1.1"
HTTP_10: Final = b"HTTP/1.0"

# Byte classes of RFC 9110 §5.6.2 (tchar) and §5.5 (field-vchar), as "delete" tables
# for bytes.translate: translating with one of them deletes every allowed byte, so a
# non-empty result means some byte is not allowed.
TCHAR: Final = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
VCHAR: Final = bytes(range(0x21, 0x7F))
#: What a field value or a reason phrase may contain: HTAB, SP, VCHAR and obs-text.
FIELD_VALUE_CHARS: Final = b"\t " + VCHAR + bytes(range(0x80, 0x100))

#: Most decimal digits accepted in a Content-Length: 10**18 bytes is beyond any real
#: body, and refusing longer numbers keeps arithmetic on them cheap and bounded.
MAX_CONTENT_LENGTH_DIGITS: Final = 18
#: Most hex digits accepted in a chunk size (a 64-bit value).
MAX_CHUNK_SIZE_DIGITS: Final = 16

FRAMING_FIELDS: Final = frozenset((b"content-length", b"transfer-encoding", b"connection"))

# Status codes by their three digits: a lookup is cheaper than int().
_STATUS_CODES: Final = {b"%d" % code: code for code in range(100, 1000)}
# Building a NamedTuple through tuple.__new__ skips its Python-level __new__.
_new_tuple: Final = tuple.__new__

# Possessive quantifiers (Python 3.11+) stop the fast expression from backtracking
# when it fails; older versions get the same expression without them.
_P = b"+" if sys.version_info >= (3, 11) else b""
_TCHAR_RE = rb"[-!#$%&'*.^_`|~+0-9A-Za-z]"
_TOKEN_RE = _TCHAR_RE + b"+"
_VALUE_CHAR_RE = rb"[\t\x20-\x7e\x80-\xff]"

# The common shape of a head, checked in one pass: a status line, then field lines
# written "name: value" with exactly one SP after the colon and no trailing OWS.
# The classes exclude CR, LF and CTLs, so a match also proves that every line ends
# with CRLF and no value holds a forbidden byte. Anything else (including valid but
# unusual whitespace, and obs-fold) takes the slow path.
_HEAD_FAST: Final = re.compile(
    b"".join(
        (
            rb"HTTP/1\.([0-9]) ([1-9][0-9][0-9])(?: (",
            _VALUE_CHAR_RE + b"*" + _P,
            rb"))?\r\n(?:",
            _TOKEN_RE + _P,
            rb": (?![ \t])",
            _VALUE_CHAR_RE + b"*" + _P,
            rb"(?<![ \t])\r\n)*" + _P,
        )
    )
)
_STATUS_LINE: Final = re.compile(rb"HTTP/1\.([0-9]) ([1-9][0-9][0-9])(?: (.*))?", re.DOTALL)

# chunk = chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1); chunk-ext is
# *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val = token / quoted-string.
# Trailing BWS after the size or the extensions is tolerated (it cannot change the
# framing, and some servers pad the size).
_QUOTED_STRING_RE = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
_CHUNK_EXT_RE = b"".join(
    (
        rb"[ \t]*;[ \t]*",
        _TOKEN_RE,
        rb"(?:[ \t]*=[ \t]*(?:",
        _TOKEN_RE,
        b"|",
        _QUOTED_STRING_RE,
        b"))?",
    )
)
_HEX_PREFIX: Final = re.compile(rb"[0-9A-Fa-f]+")
_CHUNK_LINE: Final = re.compile(rb"([0-9A-Fa-f]+)(?:" + _CHUNK_EXT_RE + rb")*[ \t]*")


def shorten(data: bytes, limit: int = 80) -> str:
    """``repr`` of ``data``, cut to ``limit`` bytes so error messages stay readable."""
    if len(data) <= limit:
        return repr(data)
    return f"{data[:limit]!r}... ({len(data)} bytes)"


def describe_bad_byte(data: bytes, allowed: bytes, *, received: bool = True) -> str:
    """Name the first byte of ``data`` that is not in ``allowed`` (there must be one).

    ``received`` tells that ``data`` is part of a received line, where a CR or an LF
    can only be a bare one.
    """
    bad = data.translate(None, allowed)[0]
    if bad == 0x00:
        return "a NUL byte"
    if bad == 0x0D:
        return "a CR not followed by LF (lines must end with CRLF)" if received else "a CR"
    if bad == 0x0A:
        if received:
            return "a bare LF (lines must end with CRLF; a lone LF is not accepted)"
        return "an LF"
    if bad < 0x20 or bad == 0x7F:
        return f"the control character 0x{bad:02x}"
    return f"the byte {bytes([bad])!r}"


def parse_response_head(
    buf: bytes, start: int, end: int, max_fields: int
) -> tuple[ResponseHead, list[tuple[bytes, bytes]]]:
    """Parse the status line and header section in ``buf[start:end]``.

    ``buf[start:end]`` holds the status line and the field lines, each ending with
    CRLF; the empty line that ends the head is not included. Returns the head and
    the ``(lower-cased name, value)`` of its framing fields (Content-Length,
    Transfer-Encoding, Connection), in order.

    Raises ``RemoteProtocolError`` for an invalid status line or field line, or for
    more than ``max_fields`` fields.
    """
    match = _HEAD_FAST.fullmatch(buf, start, end)
    if match is None:
        head = _parse_head_slowly(buf[start:end], max_fields)
        return head, [(f[1], f[2]) for f in head.headers if f[1] in FRAMING_FIELDS]
    minor, code, reason = match.groups()
    version = HTTP_10 if minor == b"0" else HTTP_11
    fields_start = match.end(2) + 2 if reason is None else match.end(3) + 2
    headers: list[HeaderField] = []
    special: list[tuple[bytes, bytes]] = []
    if fields_start < end:
        lines = buf[fields_start : end - 2].split(b"\r\n")
        if len(lines) > max_fields:
            raise _too_many_fields("header", max_fields)
        append = headers.append
        for line in lines:
            name, _, value = line.partition(b": ")
            lower = name.lower()
            append((name, lower, value))
            if lower in FRAMING_FIELDS:
                special.append((lower, value))
    return _new_tuple(
        ResponseHead, (_STATUS_CODES[code], reason or b"", version, headers)
    ), special


def _parse_head_slowly(head: bytes, max_fields: int) -> ResponseHead:
    """The status line and fields of a head the fast expression did not match:
    either a rare valid form (obs-fold, unusual whitespace) or an invalid head."""
    line_end = head.find(b"\r\n")
    line = head[:line_end]
    match = _STATUS_LINE.fullmatch(line)
    if match is None:
        raise _bad_status_line(line)
    minor, code, reason = match.groups()
    if reason is None:
        reason = b""
    elif reason.translate(None, FIELD_VALUE_CHARS):
        raise RemoteProtocolError(
            f"Invalid reason phrase in the response status line {shorten(line)}: it "
            f"contains {describe_bad_byte(reason, FIELD_VALUE_CHARS)}."
        )
    headers = parse_fields(head, line_end + 2, len(head), max_fields, "header")
    return ResponseHead(int(code), reason, HTTP_10 if minor == b"0" else HTTP_11, headers)


def _bad_status_line(line: bytes) -> RemoteProtocolError:
    if not line:
        detail = "it is empty"
    elif not line.startswith(b"HTTP/"):
        detail = "it does not start with 'HTTP/' (is this an HTTP/1.x server?)"
    elif not re.match(rb"HTTP/1\.[0-9] ", line):
        detail = "only HTTP/1.0 and HTTP/1.1 (and later 1.x) are supported"
    else:
        detail = "the status code must be three digits from 100 to 999, then SP or the end"
    return RemoteProtocolError(f"Invalid response status line {shorten(line)}: {detail}.")


def parse_fields(
    buf: bytes, start: int, end: int, max_fields: int, what: str
) -> list[HeaderField]:
    """Parse the field lines in ``buf[start:end]`` (each ending with CRLF), line by line.

    Used for trailer sections and for heads the fast expression did not match, so it
    favours exact error messages over speed. ``what`` is ``"header"`` or
    ``"trailer"`` and is used in error messages.

    Raises ``RemoteProtocolError`` for an invalid field line or for more than
    ``max_fields`` fields.
    """
    lines = buf[start:end].split(b"\r\n")
    lines.pop()  # the block ends with CRLF: the last item is empty
    fields: list[list[bytes]] = []
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not fields:
                # RFC 9112 §2.2: whitespace before the first field line must be rejected
                # (or the line ignored); rejecting is the safe choice.
                raise RemoteProtocolError(
                    f"Invalid response {what} section: its first line {shorten(line)} "
                    f"starts with whitespace."
                )
            _check_value(line, line, what)
            # obs-fold (RFC 9112 §5.2): a user agent replaces it with SP.
            continuation = line.strip(b" \t")
            if continuation:
                fields[-1][1] = fields[-1][1] + b" " + continuation
            continue
        name, colon, value = line.partition(b":")
        if not colon:
            raise RemoteProtocolError(
                f"Invalid response {what} line {shorten(line)}: there is no colon"
                + (
                    f" ({describe_bad_byte(line, FIELD_VALUE_CHARS)})"
                    if line.translate(None, FIELD_VALUE_CHARS)
                    else ""
                )
                + "."
            )
        if not name:
            raise RemoteProtocolError(
                f"Invalid response {what} line {shorten(line)}: the field name is empty."
            )
        if name.translate(None, TCHAR):
            if name.rstrip(b" \t") != name:
                detail = "whitespace between the field name and the colon is not allowed"
            else:
                detail = f"the field name contains {describe_bad_byte(name, TCHAR)}"
            raise RemoteProtocolError(f"Invalid response {what} line {shorten(line)}: {detail}.")
        _check_value(value, line, what)
        fields.append([name, value.strip(b" \t")])
        if len(fields) > max_fields:
            raise _too_many_fields(what, max_fields)
    return [(name, name.lower(), value.strip(b" \t")) for name, value in fields]


def _too_many_fields(what: str, max_fields: int) -> RemoteProtocolError:
    return RemoteLimitExceeded(
        f"The response {what} section has more than {max_fields} fields "
        "(max_header_count): raise it with darter.ResponseLimits(max_header_count=...) if "
        "the server is trusted.",
        limit="max_header_count",
    )


def _check_value(value: bytes, line: bytes, what: str) -> None:
    if value.translate(None, FIELD_VALUE_CHARS):
        raise RemoteProtocolError(
            f"Invalid response {what} line {shorten(line)}: the value contains "
            f"{describe_bad_byte(value, FIELD_VALUE_CHARS)}."
        )


def parse_chunk_line(line: bytes) -> int:
    """Return the size announced by a chunk-size line (without its CRLF).

    Raises ``RemoteProtocolError`` if the size is not hexadecimal, has more than
    ``MAX_CHUNK_SIZE_DIGITS`` digits, or the chunk extensions are malformed.
    """
    match = _CHUNK_LINE.fullmatch(line)
    if match is None:
        size = _HEX_PREFIX.match(line)
        if size is None:
            detail = "the chunk size must be hexadecimal digits"
        elif line[size.end() :].lstrip(b" \t")[:1] != b";":
            detail = "unexpected bytes after the chunk size"
        else:
            detail = "malformed chunk extension"
        raise RemoteProtocolError(f"Invalid chunk header {shorten(line)}: {detail}.")
    digits = match[1]
    if len(digits) > MAX_CHUNK_SIZE_DIGITS:
        raise RemoteProtocolError(
            f"Invalid chunk header {shorten(line)}: the chunk size has {len(digits)} hex "
            f"digits, at most {MAX_CHUNK_SIZE_DIGITS} are accepted."
        )
    return int(digits, 16)


def parse_content_length(values: list[bytes]) -> int:
    """Return the body length given by the Content-Length field values.

    Several fields, or a comma-separated list, are accepted when all the numbers are
    equal (RFC 9110 §8.6).

    Raises ``RemoteProtocolError`` for an empty, non-decimal (signs, spaces inside,
    ...), overlong or conflicting value.
    """
    length = -1
    for value in values:
        for item in value.split(b","):
            item = item.strip(b" \t")
            if not item.isdigit():
                raise RemoteProtocolError(
                    f"Invalid Content-Length {shorten(value)} in the response: it must be "
                    f"a non-negative decimal number."
                )
            if len(item) > MAX_CONTENT_LENGTH_DIGITS:
                raise RemoteProtocolError(
                    f"Invalid Content-Length {shorten(value)} in the response: more than "
                    f"{MAX_CONTENT_LENGTH_DIGITS} digits."
                )
            number = int(item)
            if length >= 0 and number != length:
                raise RemoteProtocolError(
                    f"Conflicting Content-Length values in the response: "
                    f"{', '.join(shorten(v) for v in values)}."
                )
            length = number
    return length


def check_transfer_encoding(values: list[bytes]) -> None:
    """Check that the Transfer-Encoding field values name exactly ``chunked``.

    Empty list elements are ignored, as RFC 9110 §5.6.1 asks of recipients.

    Raises ``RemoteProtocolError`` for any other coding, because no other transfer
    coding is supported and the body length could then not be determined.
    """
    codings = [c.strip(b" \t").lower() for value in values for c in value.split(b",")]
    codings = [c for c in codings if c]
    if codings == [b"chunked"]:
        return
    shown = ", ".join(shorten(v) for v in values)
    if codings and codings[-1] == b"chunked":
        detail = "only 'chunked' alone is supported"
    else:
        detail = "'chunked' must be the final (and only) transfer coding"
    raise RemoteProtocolError(f"Unsupported Transfer-Encoding {shown} in the response: {detail}.")


def connection_tokens(values: Iterable[bytes]) -> set[bytes]:
    """The lower-cased connection options listed in Connection field values."""
    return {token.strip(b" \t") for token in b",".join(values).lower().split(b",")}
