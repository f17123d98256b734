"""Property tests for the HTTP/1.1 client machine, with h11 as the reference.

Valid responses are generated with their framing (Content-Length, chunked with
extensions and trailers, or close-delimited), optional informational responses,
odd-but-valid whitespace and obs-fold, then fed to both machines cut at random
points. Random and mutated bytes must only ever produce RemoteProtocolError.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass, field

import h11
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from darter._exceptions import RemoteProtocolError
from darter._protocol.http11 import NEED_DATA, RESPONSE_END, HTTP11Machine, ResponseHead

# DARTER_PROPERTY_EXAMPLES=5000 for a deeper run.
SETTINGS = settings(
    max_examples=int(os.environ.get("DARTER_PROPERTY_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

TCHARS = "!#$%&'*+-.^_`|~" + string.digits + string.ascii_letters
RESERVED = {b"content-length", b"transfer-encoding", b"connection", b"upgrade"}
VISIBLE = bytes(range(0x21, 0x7F)) + bytes(range(0x80, 0x100))

names = st.text(TCHARS, min_size=1, max_size=12).map(str.encode)
field_names = names.filter(lambda name: name.lower() not in RESERVED)
# A value as the reader must report it: no leading or trailing whitespace.
values = st.binary(max_size=20).map(
    lambda raw: bytes(VISIBLE[b % len(VISIBLE)] if b % 7 else b" \t"[b % 2] for b in raw).strip(
        b" \t"
    )
)
ows = st.sampled_from([b"", b" ", b" ", b" ", b"  ", b"\t", b" \t "])
reasons = st.sampled_from([b"OK", b"", b"Not Found", b"Caf\xc3\xa9 ok", b"x\ty", b"A  B"])
tokens = st.text(TCHARS, min_size=1, max_size=6).map(str.encode)


@dataclass
class Expected:
    """A generated response and what the reader must report for it."""

    data: bytes
    method: bytes
    status: int
    reason: bytes
    version: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    trailers: list[tuple[bytes, bytes]] = field(default_factory=list)
    close_delimited: bool = False
    reusable: bool = True


@st.composite
def field_sections(
    draw: st.DrawFn, max_fields: int = 6
) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """Field lines with odd OWS and obs-fold, and the fields they mean."""
    raw = b""
    fields = []
    for _ in range(draw(st.integers(0, max_fields))):
        name = draw(field_names)
        parts = draw(st.lists(values.filter(bool), min_size=1, max_size=3))
        if draw(st.booleans()):
            parts = [draw(values)]
        # No OWS before an obs-fold: readers may replace it with one SP or keep it.
        raw += name + b":" + draw(ows) + parts[0] + (draw(ows) if len(parts) == 1 else b"")
        for i, part in enumerate(parts[1:], 2):  # obs-fold: each becomes one SP
            raw += b"\r\n" + draw(st.sampled_from([b" ", b"\t", b"  "])) + part
            raw += draw(ows) if i == len(parts) else b""
        raw += b"\r\n"
        fields.append((name, b" ".join(p for p in parts if p)))
    return raw, fields


@st.composite
def responses(draw: st.DrawFn) -> Expected:
    method = draw(st.sampled_from([b"GET", b"GET", b"HEAD"]))
    version = draw(st.sampled_from([b"HTTP/1.1", b"HTTP/1.1", b"HTTP/1.0"]))
    status = draw(st.sampled_from([200, 201, 204, 301, 304, 404, 500, 599]))
    reason = draw(reasons)
    raw_fields, fields = draw(field_sections())
    body = draw(st.binary(max_size=200))
    framings = ["length", "close"] + (["chunked"] if version == b"HTTP/1.1" else [])
    framing = draw(st.sampled_from(framings))
    connection = draw(st.sampled_from([None, b"close", b"keep-alive"]))
    no_body = method == b"HEAD" or status in (204, 304)

    head = b"%s %d" % (version, status) + (b" " + reason if reason or draw(st.booleans()) else b"")
    extra: list[tuple[bytes, bytes]] = []
    if connection is not None:
        extra.append((b"Connection", connection))
    if framing == "length" and status not in (204, 304):
        extra.append((b"Content-Length", b"%d" % len(body)))
    if framing == "chunked" and status not in (204, 304):
        extra.append((b"Transfer-Encoding", b"chunked"))
    # The framing fields go before or after the generated ones.
    extra_raw = b"".join(b"%s: %s\r\n" % f for f in extra)
    if draw(st.booleans()):
        section, all_fields = extra_raw + raw_fields, extra + fields
    else:
        section, all_fields = raw_fields + extra_raw, fields + extra

    data = b""
    if version == b"HTTP/1.1":
        for _ in range(draw(st.integers(0, 2))):
            info_raw, _ = draw(field_sections(3))
            code = draw(st.sampled_from([100, 102, 103]))
            data += b"HTTP/1.1 %d Info\r\n" % code + info_raw + b"\r\n"
    data += head + b"\r\n" + section + b"\r\n"

    trailers: list[tuple[bytes, bytes]] = []
    if no_body:
        body = b""
    elif framing == "chunked":
        cuts = sorted(draw(st.lists(st.integers(1, max(1, len(body))), max_size=4)))
        chunks = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
        for chunk in chunks:
            if chunk:
                size = b"%x" % len(chunk)
                if draw(st.booleans()):
                    size = size.upper()
                data += size + draw(extensions()) + b"\r\n" + chunk + b"\r\n"
        data += b"0" + draw(extensions()) + b"\r\n"
        trailer_raw, trailers = draw(field_sections(3))
        data += trailer_raw + b"\r\n"
    else:
        data += body

    close = connection == b"close" or (version == b"HTTP/1.0" and connection != b"keep-alive")
    close_delimited = framing == "close" and not no_body
    return Expected(
        data=data,
        method=method,
        status=status,
        reason=reason,
        version=version,
        headers=all_fields,
        body=body,
        trailers=trailers,
        close_delimited=close_delimited,
        reusable=not close and not close_delimited,
    )


@st.composite
def extensions(draw: st.DrawFn) -> bytes:
    result = b""
    for _ in range(draw(st.integers(0, 2))):
        result += b";" + draw(tokens)
        kind = draw(st.sampled_from(["none", "token", "quoted"]))
        if kind == "token":
            result += b"=" + draw(tokens)
        elif kind == "quoted":
            result += b'="' + draw(st.sampled_from([b"", b"a b", b'q\\"q', b"x;y=z"])) + b'"'
    return result


def cut(data: bytes, source: st.DataObject) -> list[bytes]:
    """``data`` in pieces: 1-byte pieces, or cut at random points."""
    draw = source.draw
    if draw(st.integers(0, 4)) == 0:
        return [data[i : i + 1] for i in range(len(data))]
    points = sorted(set(draw(st.lists(st.integers(0, len(data)), max_size=8))))
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    return [piece for piece in pieces if piece]  # an empty piece would mean EOF


@dataclass
class Result:
    status: int
    reason: bytes
    version: bytes
    headers: list[tuple[bytes, bytes, bytes]]
    body: bytes
    trailers: list[tuple[bytes, bytes, bytes]]
    reusable: bool


def read_darter(pieces: list[bytes], method: bytes, *, eof: bool) -> Result | None:
    """Read with darter; None if the response is incomplete when the data ends."""
    machine = HTTP11Machine()
    machine.send_request(method, b"/", [(b"Host", b"example.org")])
    machine.end_request()
    head: ResponseHead | None = None
    body: list[bytes] = []
    budget = sum(map(len, pieces)) + 10  # every event but the head consumes a byte
    for piece in [*pieces, b""] if eof else pieces:
        machine.receive_data(piece)
        while (event := machine.next_event()) is not NEED_DATA:
            budget -= 1
            assert budget >= 0, "the machine returns events without consuming bytes"
            if event is RESPONSE_END:
                assert head is not None
                reusable = machine.is_reusable
                return Result(
                    head.status_code,
                    head.reason,
                    head.http_version,
                    head.headers,
                    b"".join(body),
                    machine.trailers,
                    reusable,
                )
            if isinstance(event, ResponseHead):
                assert head is None
                head = event
            else:
                assert type(event) is bytes
                assert event
                assert head is not None
                body.append(event)
    return None


def read_h11(pieces: list[bytes], method: bytes, *, eof: bool) -> Result | None:
    connection = h11.Connection(h11.CLIENT)
    connection.send(h11.Request(method=method, target="/", headers=[("Host", "example.org")]))
    connection.send(h11.EndOfMessage())
    response: h11.Response | None = None
    body = b""
    for piece in [*pieces, b""] if eof else pieces:
        connection.receive_data(piece)
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA or event is h11.PAUSED:
                break
            if isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                body += bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                assert response is not None
                reusable = connection.our_state is h11.DONE and connection.their_state is h11.DONE
                return Result(
                    response.status_code,
                    response.reason,
                    b"HTTP/" + response.http_version,
                    [(n, n.lower(), v) for n, v in response.headers.raw_items()],
                    body,
                    [(n, n.lower(), v) for n, v in event.headers.raw_items()],
                    reusable,
                )
            elif isinstance(event, h11.ConnectionClosed):
                return None
    return None


@SETTINGS
@given(expected=responses(), data=st.data())
def test_valid_responses_match_h11(expected: Expected, data: st.DataObject) -> None:
    pieces = cut(expected.data, data)
    ours = read_darter(pieces, expected.method, eof=expected.close_delimited)
    theirs = read_h11(pieces, expected.method, eof=expected.close_delimited)
    assert ours is not None
    assert theirs is not None
    # What the generator meant...
    assert ours.status == expected.status
    assert ours.reason == expected.reason
    assert ours.version == expected.version
    assert ours.headers == [(n, n.lower(), v) for n, v in expected.headers]
    assert ours.body == expected.body
    assert ours.trailers == [(n, n.lower(), v) for n, v in expected.trailers]
    assert ours.reusable is expected.reusable
    # ...is also what h11 reads.
    assert (ours.status, ours.reason, ours.version) == (
        theirs.status,
        theirs.reason,
        theirs.version,
    )
    assert ours.headers == theirs.headers
    assert ours.body == theirs.body
    assert ours.trailers == theirs.trailers
    if expected.version == b"HTTP/1.1" and not expected.close_delimited:
        # h11 never keeps an HTTP/1.0 connection alive (darter honours keep-alive),
        # and after an EOF its states say nothing about reuse.
        assert ours.reusable is theirs.reusable


def darter_on(pieces: list[bytes], method: bytes = b"GET") -> Result | None:
    """Like read_darter, but with the EOF at the end; RemoteProtocolError is the
    only exception allowed."""
    try:
        return read_darter(pieces, method, eof=True)
    except RemoteProtocolError as exc:
        if not str(exc):
            raise AssertionError("a RemoteProtocolError without a message") from exc
        return None


@SETTINGS
@given(junk=st.binary(max_size=300), data=st.data())
def test_random_bytes_only_raise_remote_protocol_error(junk: bytes, data: st.DataObject) -> None:
    darter_on(cut(junk, data), data.draw(st.sampled_from([b"GET", b"HEAD", b"CONNECT"])))


@SETTINGS
@given(
    prefix=st.sampled_from(
        [
            b"HTTP/1.1 200 OK\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n",
        ]
    ),
    junk=st.binary(max_size=100),
    data=st.data(),
)
def test_junk_after_a_valid_prefix(prefix: bytes, junk: bytes, data: st.DataObject) -> None:
    darter_on(cut(prefix + junk, data))


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Expected, bytes]:
    expected = draw(responses())
    data = bytearray(expected.data)
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = draw(st.sampled_from([0, 9, 10, 13, 32, 34, 44, 58, 59, 48, 127, 255, 65]))
        if kind == "insert":
            data.insert(position, byte)
        elif position < len(data):
            if kind == "delete":
                del data[position]
            else:
                data[position] = byte
    return expected, bytes(data)


@SETTINGS
@given(case=mutated(), data=st.data())
def test_mutated_responses(case: tuple[Expected, bytes], data: st.DataObject) -> None:
    """Mutations only ever raise RemoteProtocolError, and whatever darter accepts
    (being the stricter reader), h11 reads the same way."""
    expected, mutant = case
    pieces = cut(mutant, data)
    ours = darter_on(pieces, expected.method)
    if ours is None:
        return
    try:
        theirs = read_h11(pieces, expected.method, eof=True)
    except h11.RemoteProtocolError as exc:
        # A response without a body is complete at the end of its head "regardless
        # of the header fields present" (RFC 9112 §6.3): darter ignores its framing
        # fields, h11 checks them.
        if expected.method != b"HEAD" and ours.status not in (204, 304):
            raise AssertionError(f"darter accepted what h11 rejects: {exc}") from exc
        return
    assert theirs is not None
    assert (ours.status, ours.reason, ours.version) == (
        theirs.status,
        theirs.reason,
        theirs.version,
    )
    # An obs-fold may become one SP or more (RFC 9112 §5.2): darter keeps one, h11
    # keeps the OWS before the line break too.
    assert folded(ours.headers) == folded(theirs.headers)
    assert ours.body == theirs.body
    assert folded(ours.trailers) == folded(theirs.trailers)


def folded(fields: list[tuple[bytes, bytes, bytes]]) -> list[tuple[bytes, bytes, bytes]]:
    return [(name, lower, re.sub(rb"[ \t]+", b" ", value)) for name, lower, value in fields]
