"""The HTTP/2 client machine against servers that break the rules or abuse limits.

What ``h2``'s server side refuses to send is written by hand: header blocks are
encoded with the server's own HPACK encoder (so that both compression contexts
stay in step) and framed with ``hyperframe``.
"""

from __future__ import annotations

import itertools
import time

import pytest
from h2.events import StreamReset
from hyperframe.frame import (
    DataFrame,
    GoAwayFrame,
    HeadersFrame,
    PushPromiseFrame,
    SettingsFrame,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from darter._exceptions import RemoteProtocolError
from darter._protocol.http2 import (
    PROTOCOL_ERROR,
    H2Data,
    H2Event,
    H2ResponseHead,
    H2StreamEnded,
    H2StreamReset,
    HTTP2Machine,
)
from tests.protocol.h2peer import (
    Fields,
    Peer,
    connect,
    continuation,
    data_frame,
    exchange,
    goaway,
    queued_frames,
    request,
)

OK = (b":status", b"200")


def started(**limits: int) -> tuple[HTTP2Machine, Peer]:
    """A connection with two GET requests sent (streams 1 and 3)."""
    machine, peer = connect(**limits)
    request(machine)
    request(machine)
    assert exchange(machine, peer) == []
    return machine, peer


def assert_connection_error(
    machine: HTTP2Machine, peer: Peer, match: str, code: int | None = None
) -> None:
    with pytest.raises(RemoteProtocolError, match=match):
        exchange(machine, peer)
    assert not machine.is_usable
    assert machine.available_streams == 0
    frames = queued_frames(machine)
    goaways = [f for f in frames if isinstance(f, GoAwayFrame)]
    assert len(goaways) == 1
    if code is not None:
        assert goaways[0].error_code == code
    # Broken for good.
    with pytest.raises(RemoteProtocolError, match="unusable after an error"):
        machine.receive_data(b"\x00" * 9)
    with pytest.raises(RemoteProtocolError, match="unusable after an error"):
        machine.receive_data(b"")


# ------------------------------------------------------------- malformed responses

MALFORMED_HEADS: list[tuple[Fields, str]] = [
    ([OK, (b"Content-Type", b"text/plain")], "lower-case"),
    ([OK, (b"x-a\rb", b"v")], "lower-case"),
    ([OK, (b"x-a\nb", b"v")], "lower-case"),
    ([OK, (b"x-a\x00b", b"v")], "lower-case"),
    ([OK, (b"x a", b"v")], "lower-case"),
    ([OK, (b"x\xe9", b"v")], "lower-case"),
    ([OK, (b"", b"v")], "lower-case"),
    ([OK, (b"x", b"a\rb")], "CR"),
    ([OK, (b"x", b"a\nb")], "LF"),
    ([OK, (b"x", b"a\x00b")], "NUL"),
    ([OK, (b"x", b"a\x7fb")], "0x7f"),
    ([OK, (b"x", b" v")], "whitespace"),
    ([OK, (b"x", b"v\t")], "whitespace"),
    ([OK, (b"connection", b"close")], "connection-specific"),
    ([OK, (b"keep-alive", b"timeout=5")], "connection-specific"),
    ([OK, (b"proxy-connection", b"close")], "connection-specific"),
    ([OK, (b"transfer-encoding", b"chunked")], "connection-specific"),
    ([OK, (b"upgrade", b"h2c")], "connection-specific"),
    ([OK, (b"te", b"gzip")], "connection-specific"),
    ([(b"x", b"y")], "no :status"),
    ([], "no :status"),
    ([(b":status", b"20")], "invalid :status"),
    ([(b":status", b"abc")], "invalid :status"),
    ([(b":status", b"2000")], "invalid :status"),
    ([(b":status", b"099")], "invalid :status"),
    ([(b":status", b" 200")], "invalid :status"),
    ([(b":status", b"101")], "invalid :status"),
    ([OK, OK], "two :status"),
    ([OK, (b":path", b"/")], "not a response pseudo-header"),
    ([(b":method", b"GET"), OK], "not a response pseudo-header"),
    ([(b"x", b"y"), OK], "after regular fields"),
    ([OK, (b"x", b"y"), (b":status", b"200")], "after regular fields"),
]


@pytest.mark.parametrize(("fields", "message"), MALFORMED_HEADS)
@pytest.mark.parametrize("end_stream", [False, True])
def test_malformed_response_head_resets_only_its_stream(
    fields: Fields, message: str, end_stream: bool
) -> None:
    machine, peer = started()
    flags = ("END_HEADERS", "END_STREAM") if end_stream else ("END_HEADERS",)
    peer.raw(HeadersFrame(1, data=peer.block(fields), flags=flags))
    peer.respond(3, b"the other stream")
    if end_stream and fields[:1] == [(b":status", b"101")]:
        # h2 takes it for an informational response, and END_STREAM on one for a
        # connection error.
        assert_connection_error(machine, peer, "informational")
        return
    events = exchange(machine, peer)
    reset, *others = [e for e in events if e.stream_id == 1]  # type: ignore[union-attr]
    assert isinstance(reset, H2StreamReset)
    assert (reset.stream_id, reset.error_code, reset.by_peer) == (1, PROTOCOL_ERROR, False)
    assert message in reset.reason
    assert reset.reason.startswith("Malformed response")
    assert others == []
    assert [e for e in events if e.stream_id == 3] == [  # type: ignore[union-attr]
        H2ResponseHead(3, 200, []),
        H2Data(3, b"the other stream", 16),
        H2StreamEnded(3, []),
    ]
    assert machine.is_usable
    assert machine.open_streams == 0
    resets = [(e.stream_id, e.error_code) for e in peer.of_type(StreamReset)]  # type: ignore[attr-defined]
    # With END_STREAM both sides had ended the stream: there is nothing to reset.
    assert resets == ([] if end_stream else [(1, PROTOCOL_ERROR)])
    # What the server still sends on the stream is dropped.
    if not end_stream and fields[:1] != [(b":status", b"101")]:
        peer.raw(data_frame(1, b"never delivered", "END_STREAM"))
        assert exchange(machine, peer) == []


def test_malformed_head_ended_by_a_later_frame_of_the_same_read() -> None:
    machine, peer = started()
    peer.raw(peer.headers_frame(1, [OK, (b"Bad", b"x")]))
    peer.raw(data_frame(1, b"never delivered", "END_STREAM"))
    events = exchange(machine, peer)
    assert [(type(e), e.stream_id) for e in events] == [(H2StreamReset, 1)]  # type: ignore[union-attr]
    assert not peer.of_type(StreamReset)  # the stream was closed when we reset it
    assert machine.open_streams == 1


def test_unusual_valid_heads_are_accepted() -> None:
    machine, peer = started()
    fields = [
        (b":status", b"299"),
        (b"te", b"trailers"),
        (b"x-empty", b""),
        (b"x-inner", b"a \t b"),
        (b"x-obs", b"caf\xe9"),
        (b"x-tok!#$%&'*+-.^_`|~", b"v"),
    ]
    peer.raw(peer.headers_frame(1, fields, "END_HEADERS", "END_STREAM"))
    events = exchange(machine, peer)
    assert events == [
        H2ResponseHead(1, 299, [(n, n, v) for n, v in fields[1:]]),
        H2StreamEnded(1, []),
    ]


def test_malformed_informational_head() -> None:
    machine, peer = started()
    peer.raw(peer.headers_frame(1, [(b":status", b"103"), (b"Link", b"<a>")]))
    events = exchange(machine, peer)
    assert isinstance(events[0], H2StreamReset)
    assert "lower-case" in events[0].reason


@pytest.mark.parametrize(
    ("trailers", "message"),
    [
        ([(b":status", b"200")], "pseudo-header"),
        ([(b"X-Upper", b"v")], "lower-case"),
        ([(b"x", b"a\rb")], "CR"),
        ([(b"transfer-encoding", b"chunked")], "connection-specific"),
        ([(b"x", b"v "), (b"y", b"w")], "whitespace"),
    ],
)
def test_malformed_trailers(trailers: Fields, message: str) -> None:
    machine, peer = started()
    peer.respond(3, b"fine", trailers=[(b"t", b"v")])
    peer.conn.send_headers(1, [OK])
    peer.conn.send_data(1, b"body")
    peer.raw(peer.headers_frame(1, trailers, "END_HEADERS", "END_STREAM"))
    events = exchange(machine, peer)
    assert events[:3] == [
        H2ResponseHead(3, 200, []),
        H2Data(3, b"fine", 4),
        H2StreamEnded(3, [(b"t", b"t", b"v")]),
    ]
    assert events[3:5] == [H2ResponseHead(1, 200, []), H2Data(1, b"body", 4)]
    reset = events[5]
    assert isinstance(reset, H2StreamReset) and message in reset.reason
    assert reset.reason.startswith("Malformed trailers")
    assert len(events) == 6
    # The body bytes went back to the connection: nothing to consume for stream 1.
    machine.consume(1, 4)
    assert machine.open_streams == 0


def test_empty_trailers_and_te_trailers_in_trailers() -> None:
    machine, peer = started()
    peer.conn.send_headers(1, [OK])
    peer.raw(peer.headers_frame(1, [(b"te", b"trailers")], "END_HEADERS", "END_STREAM"))
    events = exchange(machine, peer)
    assert events[-1] == H2StreamEnded(1, [(b"te", b"te", b"trailers")])


def test_invalid_content_length_is_a_connection_error() -> None:
    machine, peer = started()
    peer.raw(peer.headers_frame(1, [OK, (b"content-length", b"5")]))
    peer.raw(data_frame(1, b"123456", "END_STREAM"))
    assert_connection_error(machine, peer, "broke the HTTP/2 protocol")


# --------------------------------------------------------------- size limits, floods


def test_header_list_size_is_enforced_even_if_the_server_ignores_it() -> None:
    machine, peer = started(max_header_list_size=4096)
    # 1000 bytes once, then indexed: small when encoded, 10 * 1037 bytes decoded.
    fields = [OK] + [(b"x-big", b"v" * 1000)] * 10
    block = peer.block(fields)
    assert len(block) < 1100
    peer.raw(HeadersFrame(1, data=block, flags=["END_HEADERS"]))
    assert_connection_error(machine, peer, "broke the HTTP/2 protocol", 0xB)


def test_header_list_within_the_limit() -> None:
    machine, peer = started(max_header_list_size=4096)
    peer.raw(peer.headers_frame(1, [OK, (b"x-big", b"v" * 3000)], "END_HEADERS", "END_STREAM"))
    events = exchange(machine, peer)
    assert events[0] == H2ResponseHead(1, 200, [(b"x-big", b"x-big", b"v" * 3000)])


def test_encoded_header_block_larger_than_the_limit() -> None:
    machine, peer = started(max_header_list_size=4096)
    block = peer.block([OK, (b"x-big", bytes(range(256)) * 20)])  # Huffman cannot shrink it
    peer.raw(HeadersFrame(1, data=block[:3000]), continuation(1, block[3000:], "END_HEADERS"))
    assert_connection_error(machine, peer, "larger than max_http2_header_list_size", 0xB)


def test_header_block_split_over_continuation_frames_is_accepted() -> None:
    machine, peer = started(max_continuation_frames=3)
    block = peer.block([OK, (b"x-a", b"a" * 300), (b"x-b", b"b" * 300)])
    pieces = [
        block[i : i + len(block) // 4 + 1] for i in range(0, len(block), len(block) // 4 + 1)
    ]
    assert len(pieces) == 4
    peer.raw(
        HeadersFrame(1, data=pieces[0], flags=["END_STREAM"]),
        *[continuation(1, piece) for piece in pieces[1:-1]],
        continuation(1, pieces[-1], "END_HEADERS"),
    )
    events = exchange(machine, peer)
    assert events[0] == H2ResponseHead(
        1, 200, [(b"x-a", b"x-a", b"a" * 300), (b"x-b", b"x-b", b"b" * 300)]
    )


def test_continuation_flood_fails_fast_with_bounded_memory() -> None:
    machine, peer = started()
    head = HeadersFrame(1, data=peer.block([OK])).serialize()
    empty = continuation(1, b"").serialize()
    flood = head + empty * 200_000  # 1.8 MB of empty CONTINUATION frames
    began = time.perf_counter()
    with pytest.raises(RemoteProtocolError, match="more than 16 CONTINUATION"):
        machine.receive_data(flood)
    assert time.perf_counter() - began < 0.5
    # Nothing of it reached h2's buffers.
    assert len(machine._conn.incoming_buffer._data) == 0
    assert [f.error_code for f in queued_frames(machine) if isinstance(f, GoAwayFrame)] == [0xB]


def test_continuation_flood_in_small_reads() -> None:
    machine, peer = started(max_continuation_frames=4)
    peer.raw(HeadersFrame(1, data=peer.block([OK])))
    peer.raw(*[continuation(1, b"\x88") for _ in range(5)])
    assert_connection_error(machine, peer, "more than 4 CONTINUATION", 0xB)


def test_other_frame_inside_a_header_block() -> None:
    machine, peer = started()
    peer.raw(HeadersFrame(1, data=peer.block([OK])), data_frame(1, b"x"))
    assert_connection_error(machine, peer, "middle of a header block", PROTOCOL_ERROR)


def test_goaway_inside_a_header_block() -> None:
    machine, peer = started()
    peer.raw(HeadersFrame(1, data=peer.block([OK])), goaway(1))
    assert_connection_error(machine, peer, "middle of a header block", PROTOCOL_ERROR)


def test_oversized_frame_is_refused_from_its_header() -> None:
    machine, _ = started()
    header = (16_385).to_bytes(3, "big") + b"\x00\x00" + (1).to_bytes(4, "big")
    with pytest.raises(RemoteProtocolError, match="frame of 16385 bytes"):
        machine.receive_data(header)  # no payload needed to know
    assert [f.error_code for f in queued_frames(machine) if isinstance(f, GoAwayFrame)] == [0x6]


def test_push_promise_is_a_connection_error() -> None:
    machine, peer = started()
    peer.raw(PushPromiseFrame(1, promised_stream_id=2, data=b"", flags=["END_HEADERS"]))
    assert_connection_error(machine, peer, "push is disabled", PROTOCOL_ERROR)


def test_server_initiated_stream_is_a_connection_error() -> None:
    machine, peer = started()
    peer.raw(peer.headers_frame(2, [OK]))
    assert_connection_error(machine, peer, "HEADERS on stream 2", PROTOCOL_ERROR)


@pytest.mark.parametrize(
    ("frame", "message", "code"),
    [
        (b"\x00\x00\x04\x07\x00\x00\x00\x00\x00" + b"\x00" * 4, "shorter than 8", 0x6),
        (b"\x00\x00\x08\x07\x00\x00\x00\x00\x01" + b"\x00" * 8, "GOAWAY on a stream", 0x1),
    ],
)
def test_invalid_goaway(frame: bytes, message: str, code: int) -> None:
    machine, peer = started()
    peer.raw(frame)
    assert_connection_error(machine, peer, message, code)


def test_settings_error_from_h2_is_translated() -> None:
    machine, peer = started()
    peer.raw(SettingsFrame(0, settings={0x4: 2**31}))  # INITIAL_WINDOW_SIZE too large
    assert_connection_error(machine, peer, "broke the HTTP/2 protocol", 0x3)


def test_data_on_an_unopened_stream_is_a_connection_error() -> None:
    machine, peer = started()
    peer.raw(DataFrame(9, data=b"x"))
    assert_connection_error(machine, peer, "broke the HTTP/2 protocol")


# ------------------------------------------------------------------------- fuzzing


def feed_all(machine: HTTP2Machine, chunks: list[bytes]) -> list[H2Event]:
    events: list[H2Event] = []
    try:
        for chunk in chunks:
            events += machine.receive_data(chunk)
    except RemoteProtocolError:
        assert not machine.is_usable
    return events


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points) if b > a]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.lists(st.integers(min_value=0), max_size=8))
def test_random_bytes_only_raise_remote_protocol_error(data: bytes, cuts: list[int]) -> None:
    machine = HTTP2Machine()
    machine.initiate()
    request(machine)
    feed_all(machine, chunked(data, cuts))


FRAME_TYPES = st.integers(min_value=0, max_value=12)


@st.composite
def frames(draw: st.DrawFn) -> bytes:
    """A frame with a random type, flags and stream id and a random (sometimes
    plausible) payload."""
    kind = draw(FRAME_TYPES)
    flags = draw(st.integers(min_value=0, max_value=255))
    stream_id = draw(st.sampled_from([0, 1, 2, 3, 5, 2**31 - 1]))
    payload = draw(st.binary(max_size=40))
    length = len(payload)
    return (
        length.to_bytes(3, "big") + bytes([kind, flags]) + stream_id.to_bytes(4, "big") + payload
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(frames(), max_size=12), st.lists(st.integers(min_value=0), max_size=6))
def test_random_frames_after_a_valid_start_only_raise_remote_protocol_error(
    extra: list[bytes], cuts: list[int]
) -> None:
    machine = HTTP2Machine()
    machine.initiate()
    request(machine)
    request(machine)
    peer = Peer()
    peer.receive(machine.data_to_send())
    peer.conn.send_headers(1, [OK])
    peer.conn.send_data(1, b"data")
    wire = peer.send() + b"".join(extra)
    feed_all(machine, chunked(wire, cuts))
    # Whatever happened, the machine answers consistently afterwards.
    assert machine.available_streams >= 0
    machine.data_to_send()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0), max_size=10))
def test_any_chunking_gives_the_same_events(cuts: list[int]) -> None:
    machine, peer = started()
    peer.respond(1, b"x" * 20_000, headers=[(b"a", b"b")], trailers=[(b"t", b"v")])
    wire = peer.send() + goaway(3, 0, b"bye").serialize()
    peer.respond(3, b"y" * 100)
    peer.conn.ping(b"pingpong")
    wire += peer.send()
    reference, _ = started()  # a fresh peer: same HPACK state as the one used above
    whole = reference.receive_data(wire)
    assert len(whole) == 8
    machine_events = feed_all(machine, chunked(wire, cuts))

    def merged(events: list[H2Event]) -> list[object]:
        """Data events merged per stream (frames may be split differently)."""
        result: list[object] = []
        for event in events:
            if isinstance(event, H2Data) and result and isinstance(result[-1], H2Data):
                last = result[-1]
                if last.stream_id == event.stream_id:
                    result[-1] = H2Data(last.stream_id, last.data + event.data, 0)
                    continue
            result.append(
                event._replace(flow_controlled_length=0) if isinstance(event, H2Data) else event
            )
        return result

    assert merged(machine_events) == merged(whole)
