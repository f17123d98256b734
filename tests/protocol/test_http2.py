"""The sans-I/O HTTP/2 client machine against h2's server side, in memory."""

from __future__ import annotations

import pytest
from h2.events import StreamReset
from h2.settings import SettingCodes
from hpack import NeverIndexedHeaderTuple
from hyperframe.frame import (
    DataFrame,
    GoAwayFrame,
    RstStreamFrame,
    SettingsFrame,
    WindowUpdateFrame,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from darter._exceptions import LocalProtocolError, RemoteProtocolError
from darter._protocol.http2 import (
    CANCEL,
    NO_ERROR,
    PROTOCOL_ERROR,
    H2ConnectionTerminated,
    H2Data,
    H2Event,
    H2ResponseHead,
    H2StreamEnded,
    H2StreamReset,
    HTTP2Machine,
)
from tests.protocol.h2peer import (
    Peer,
    connect,
    data_frame,
    exchange,
    goaway,
    queued_frames,
    request,
)

MiB = 1024 * 1024


def by_stream(events: list[H2Event], stream_id: int) -> list[H2Event]:
    return [
        e for e in events if not isinstance(e, H2ConnectionTerminated) and e.stream_id == stream_id
    ]


def feed(machine: HTTP2Machine, data: bytes) -> list[H2Event]:
    """``receive_data``, except that no bytes is not taken for the EOF."""
    return machine.receive_data(data) if data else []


def body_of(events: list[H2Event], stream_id: int) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, H2Data) and e.stream_id == stream_id)


# ----------------------------------------------------------------------- connection


def test_initiate_sends_preface_settings_and_connection_window() -> None:
    machine = HTTP2Machine(
        initial_window_size=100_000,
        max_buffered_bytes_per_stream=200_000,
        connection_window_size=1_000_000,
        max_header_list_size=8192,
    )
    assert machine.data_to_send() == b""
    machine.initiate()
    peer = Peer()
    peer.receive(machine.data_to_send())
    settings, update = peer.frames
    assert isinstance(settings, SettingsFrame)
    assert settings.settings[SettingCodes.ENABLE_PUSH] == 0
    assert settings.settings[SettingCodes.INITIAL_WINDOW_SIZE] == 100_000
    assert settings.settings[SettingCodes.MAX_HEADER_LIST_SIZE] == 8192
    assert isinstance(update, WindowUpdateFrame)
    assert (update.stream_id, update.window_increment) == (0, 1_000_000 - 65_535)
    with pytest.raises(LocalProtocolError, match="already"):
        machine.initiate()


def test_default_connection_window_and_no_update_at_the_minimum() -> None:
    machine = HTTP2Machine(connection_window_size=65_535)
    machine.initiate()
    peer = Peer()
    peer.receive(machine.data_to_send())
    assert [type(f) for f in peer.frames] == [SettingsFrame]


@pytest.mark.parametrize(
    "limits",
    [
        {"max_header_list_size": 0},
        {"max_continuation_frames": -1},
        {"max_informational_responses": -1},
        {"initial_window_size": 0},
        {"initial_window_size": 2 * MiB, "max_buffered_bytes_per_stream": MiB},
        {"initial_window_size": 2**31, "max_buffered_bytes_per_stream": 2**31},
        {"connection_window_size": 65_534},
        {"connection_window_size": 2**31},
    ],
)
def test_limits_out_of_range(limits: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="out of range"):
        HTTP2Machine(**limits)


def test_calls_before_initiate() -> None:
    machine = HTTP2Machine()
    with pytest.raises(LocalProtocolError, match="before initiate"):
        request(machine)
    with pytest.raises(LocalProtocolError, match="before initiate"):
        machine.receive_data(b"\x00")
    machine.close()  # nothing to say yet
    assert machine.data_to_send() == b""
    assert not machine.is_usable


def test_ping_is_answered() -> None:
    machine, peer = connect()
    peer.conn.ping(b"12345678")
    assert exchange(machine, peer) == []
    assert [type(e).__name__ for e in peer.events][-1] == "PingAckReceived"


# ------------------------------------------------------------------------- requests


def test_simple_get() -> None:
    machine, peer = connect()
    stream_id = request(machine, b"/index.html", headers=[(b"Accept", b"*/*")])
    assert stream_id == 1
    assert machine.open_streams == 1
    assert exchange(machine, peer) == []
    assert peer.requests()[1] == [
        (b":method", b"GET"),
        (b":scheme", b"https"),
        (b":authority", b"example.org"),
        (b":path", b"/index.html"),
        (b"accept", b"*/*"),
    ]
    peer.respond(1, b"hello", headers=[(b"content-type", b"text/plain")])
    assert exchange(machine, peer) == [
        H2ResponseHead(1, 200, [(b"content-type", b"content-type", b"text/plain")]),
        H2Data(1, b"hello", 5),
        H2StreamEnded(1, []),
    ]
    assert machine.open_streams == 0
    machine.consume(1, 5)
    assert machine.available_streams == 100
    assert request(machine) == 3


def test_response_without_body() -> None:
    machine, peer = connect()
    request(machine, method=b"HEAD")
    exchange(machine, peer)
    peer.respond(1, status=b"204")
    assert exchange(machine, peer) == [H2ResponseHead(1, 204, []), H2StreamEnded(1, [])]


def test_post_with_body() -> None:
    machine, peer = connect()
    stream_id = request(machine, method=b"POST", end_stream=False)
    assert machine.send_data(stream_id, b"abc") == 3
    assert machine.send_data(stream_id, memoryview(b"defgh")[1:]) == 4
    assert machine.send_data(stream_id, b"") == 0
    machine.end_stream(stream_id)
    exchange(machine, peer)
    assert peer.body(1) == b"abcefgh"
    assert [type(e).__name__ for e in peer.events][-1] == "StreamEnded"
    with pytest.raises(LocalProtocolError, match="already ended"):
        machine.send_data(stream_id, b"more")
    with pytest.raises(LocalProtocolError, match="already ended"):
        machine.end_stream(stream_id)
    assert machine.local_flow_control_window(stream_id) == 0
    peer.respond(1, b"ok")
    events = exchange(machine, peer)
    assert events[-1] == H2StreamEnded(1, [])
    assert machine.open_streams == 0


def test_send_data_with_end_stream() -> None:
    machine, peer = connect()
    first = request(machine, method=b"POST", end_stream=False)
    second = request(machine, method=b"POST", end_stream=False)
    assert machine.send_data(first, b"body", end_stream=True) == 4
    assert machine.send_data(second, b"", end_stream=True) == 0
    exchange(machine, peer)
    assert peer.body(1) == b"body"
    assert len([e for e in peer.events if type(e).__name__ == "StreamEnded"]) == 2


def test_send_data_on_unknown_stream() -> None:
    machine, _ = connect()
    with pytest.raises(LocalProtocolError, match="not open"):
        machine.send_data(1, b"x")
    with pytest.raises(LocalProtocolError, match="not open"):
        machine.end_stream(7)
    assert machine.local_flow_control_window(1) == 0


def test_request_header_translation() -> None:
    machine, peer = connect()
    request(
        machine,
        headers=[
            (b"Host", b"other.example:8443"),
            (b"Connection", b"keep-alive"),
            (b"Keep-Alive", b"timeout=5"),
            (b"Proxy-Connection", b"keep-alive"),
            (b"Transfer-Encoding", b"chunked"),
            (b"Upgrade", b"h2c"),
            (b"TE", b"trailers"),
            (b"X-Mixed-Case", b"Value Kept"),
            (b"Authorization", b"Bearer secret"),
            (b"Proxy-Authorization", b"Basic abc"),
            (b"Cookie", b"a=1"),
            (b"Cookie", b"long=" + b"x" * 40),
        ],
    )
    request(machine, headers=[(b"te", b"gzip, trailers")])
    exchange(machine, peer)
    fields = peer.requests()[1]
    assert fields == [
        (b":method", b"GET"),
        (b":scheme", b"https"),
        (b":authority", b"other.example:8443"),
        (b":path", b"/"),
        (b"te", b"trailers"),
        (b"x-mixed-case", b"Value Kept"),
        (b"authorization", b"Bearer secret"),
        (b"proxy-authorization", b"Basic abc"),
        (b"cookie", b"a=1"),
        (b"cookie", b"long=" + b"x" * 40),
    ]
    never_indexed = [f[0] for f in fields if isinstance(f, NeverIndexedHeaderTuple)]
    assert never_indexed == [b"authorization", b"proxy-authorization", b"cookie"]
    assert (b"te", b"gzip, trailers") not in peer.requests()[3]
    assert all(name != b"te" for name, _ in peer.requests()[3])


def test_connect_and_options() -> None:
    machine, peer = connect()
    machine.start_request(b"CONNECT", b"", b"proxy.example:443", b"", [], False)
    machine.start_request(b"OPTIONS", b"http", b"example.org", b"*", [], True)
    exchange(machine, peer)
    assert peer.requests()[1] == [(b":method", b"CONNECT"), (b":authority", b"proxy.example:443")]
    assert peer.requests()[3] == [
        (b":method", b"OPTIONS"),
        (b":scheme", b"http"),
        (b":authority", b"example.org"),
        (b":path", b"*"),
    ]


BAD_REQUESTS = [
    ({"method": b"G T"}, "method"),
    ({"method": b""}, "method"),
    ({"scheme": b""}, "scheme"),
    ({"scheme": b"1http"}, "scheme"),
    ({"scheme": b"ht tp"}, "scheme"),
    ({"authority": b"user@host"}, "authority"),
    ({"authority": b"host name"}, "authority"),
    ({"authority": b""}, "authority"),
    ({"path": b""}, "path"),
    ({"path": b"/a b"}, "path"),
    ({"path": b"/\xff"}, "path"),
    ({"headers": [(b"Host", b"a"), (b"host", b"b")]}, "two Host"),
    ({"headers": [(b"Host", b"a b")]}, "authority"),
    ({"headers": [(b"", b"x")]}, "name"),
    ({"headers": [(b"x y", b"x")]}, "name"),
    ({"headers": [(b":path", b"/evil")]}, "name"),
    ({"headers": [(b"x\xe9", b"x")]}, "name"),
    ({"headers": [(b"x", b"a\r\nb: c")]}, "CR"),
    ({"headers": [(b"x", b"a\nb")]}, "LF"),
    ({"headers": [(b"x", b"a\x00b")]}, "NUL"),
    ({"headers": [(b"x", b"a\x01b")]}, "0x01"),
    ({"headers": [(b"x", b" lead")]}, "whitespace"),
    ({"headers": [(b"x", b"trail\t")]}, "whitespace"),
    ({"headers": [(b"ok", b"fine"), (b"x", b"in \n between")]}, "LF"),
    ({"headers": [(b"Connection", b"close\r\n")]}, "CR"),
    ({"method": b"CONNECT", "authority": b""}, "authority"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_REQUESTS)
def test_invalid_requests_are_refused_before_anything_is_queued(
    changes: dict[str, object], message: str
) -> None:
    machine, _ = connect()
    args: dict[str, object] = {
        "method": b"GET",
        "scheme": b"https",
        "authority": b"example.org",
        "path": b"/",
        "headers": [],
        "end_stream": True,
    }
    args.update(changes)
    with pytest.raises(LocalProtocolError, match=message):
        machine.start_request(**args)  # type: ignore[arg-type]
    assert machine.data_to_send() == b""
    assert machine.open_streams == 0
    assert request(machine) == 1


def test_valid_unusual_values_are_sent() -> None:
    machine, peer = connect()
    request(machine, headers=[(b"x-empty", b""), (b"x-inner", b"a \t b"), (b"x-obs", b"caf\xe9")])
    exchange(machine, peer)
    assert peer.requests()[1][4:] == [
        (b"x-empty", b""),
        (b"x-inner", b"a \t b"),
        (b"x-obs", b"caf\xe9"),
    ]


# -------------------------------------------------------------------------- streams


def test_many_concurrent_streams() -> None:
    machine, peer = connect()
    ids = [request(machine, b"/%d" % i) for i in range(60)]
    assert ids == list(range(1, 121, 2))
    assert machine.available_streams == 40
    exchange(machine, peer)
    assert len(peer.requests()) == 60
    for stream_id in reversed(ids):  # answered in reverse order, interleaved below
        peer.conn.send_headers(stream_id, [(b":status", b"200")])
    for stream_id in ids:
        peer.conn.send_data(stream_id, b"body of %d" % stream_id, end_stream=True)
    events = exchange(machine, peer, consume=True)
    assert len(events) == 180
    for stream_id in ids:
        assert by_stream(events, stream_id) == [
            H2ResponseHead(stream_id, 200, []),
            H2Data(stream_id, b"body of %d" % stream_id, len(b"body of %d" % stream_id)),
            H2StreamEnded(stream_id, []),
        ]
    assert machine.open_streams == 0
    assert machine.available_streams == 100


def test_max_concurrent_streams_is_reported_and_respected() -> None:
    machine = HTTP2Machine()
    machine.initiate()
    assert machine.max_concurrent_streams == 100  # assumed before the server says
    peer = Peer({SettingCodes.MAX_CONCURRENT_STREAMS: 3})
    exchange(machine, peer)
    assert machine.max_concurrent_streams == 3
    assert machine.available_streams == 3
    ids = [request(machine) for _ in range(3)]
    assert machine.available_streams == 0
    with pytest.raises(LocalProtocolError, match="3 streams are open and the server allows 3"):
        request(machine)
    assert machine.is_usable
    exchange(machine, peer)
    peer.respond(ids[0], b"x")
    exchange(machine, peer)
    assert machine.available_streams == 1
    request(machine)
    assert machine.available_streams == 0
    # The server lowers its limit below the open streams.
    peer.conn.update_settings({SettingCodes.MAX_CONCURRENT_STREAMS: 1})
    exchange(machine, peer)
    assert machine.max_concurrent_streams == 1
    assert machine.available_streams == 0


def test_half_closed_stream_counts_until_the_request_ends() -> None:
    machine, peer = connect()
    stream_id = request(machine, method=b"POST", end_stream=False)
    exchange(machine, peer)
    peer.respond(stream_id, b"early answer")
    events = exchange(machine, peer)
    assert events[-1] == H2StreamEnded(stream_id, [])
    assert machine.open_streams == 1  # we may still send
    assert machine.send_data(stream_id, b"rest", end_stream=True) == 4
    assert machine.open_streams == 0
    machine.consume(stream_id, len(b"early answer"))
    exchange(machine, peer)
    assert peer.body(stream_id) == b"rest"


def test_trailers() -> None:
    machine, peer = connect()
    request(machine, headers=[(b"te", b"trailers")])
    exchange(machine, peer)
    peer.respond(1, b"data", trailers=[(b"grpc-status", b"0"), (b"x-checksum", b"abc")])
    assert exchange(machine, peer) == [
        H2ResponseHead(1, 200, []),
        H2Data(1, b"data", 4),
        H2StreamEnded(
            1, [(b"grpc-status", b"grpc-status", b"0"), (b"x-checksum", b"x-checksum", b"abc")]
        ),
    ]


def test_informational_responses_are_skipped() -> None:
    machine, peer = connect()
    request(machine)
    exchange(machine, peer)
    peer.conn.send_headers(1, [(b":status", b"103"), (b"link", b"</a.css>; rel=preload")])
    peer.conn.send_headers(1, [(b":status", b"100")])
    peer.respond(1, b"x")
    assert exchange(machine, peer) == [
        H2ResponseHead(1, 200, []),
        H2Data(1, b"x", 1),
        H2StreamEnded(1, []),
    ]


def test_too_many_informational_responses() -> None:
    machine, peer = connect(max_informational_responses=2)
    request(machine)
    exchange(machine, peer)
    for _ in range(3):
        peer.conn.send_headers(1, [(b":status", b"100")])
    events = exchange(machine, peer)
    assert events == [H2StreamReset(1, PROTOCOL_ERROR, False, events[0].reason)]  # type: ignore[union-attr]
    assert "more than 2 informational" in events[0].reason  # type: ignore[union-attr]
    assert [e.error_code for e in peer.of_type(StreamReset)] == [PROTOCOL_ERROR]  # type: ignore[attr-defined]


def test_padded_data() -> None:
    machine, peer = connect()
    request(machine)
    exchange(machine, peer)
    peer.conn.send_headers(1, [(b":status", b"200")])
    peer.conn.send_data(1, b"abc", pad_length=10)
    peer.conn.send_data(1, b"", pad_length=20)  # padding only: no event
    peer.conn.send_data(1, b"", end_stream=True)
    assert exchange(machine, peer) == [
        H2ResponseHead(1, 200, []),
        H2Data(1, b"abc", 14),
        H2StreamEnded(1, []),
    ]
    machine.consume(1, 14)


def test_consume_checks() -> None:
    machine, peer = connect()
    request(machine)
    exchange(machine, peer)
    peer.conn.send_headers(1, [(b":status", b"200")])
    peer.conn.send_data(1, b"12345")
    exchange(machine, peer)
    with pytest.raises(LocalProtocolError, match="Cannot consume 6 bytes"):
        machine.consume(1, 6)
    with pytest.raises(LocalProtocolError):
        machine.consume(1, -1)
    machine.consume(1, 0)
    machine.consume(1, 5)
    machine.consume(99, 1000)  # unknown: ignored


# ---------------------------------------------------------------------- flow control


def upload(machine: HTTP2Machine, peer: Peer, stream_id: int, payload: bytes) -> list[int]:
    """Send ``payload`` as a caller would; return how much each send_data took."""
    taken: list[int] = []
    view = memoryview(payload)
    while view:
        count = machine.send_data(stream_id, view)
        taken.append(count)
        view = view[count:]
        if not count:
            assert machine.local_flow_control_window(stream_id) == 0
            exchange(machine, peer)
            peer.acknowledge()  # the server reads what arrived: WINDOW_UPDATEs follow
            exchange(machine, peer)
            assert machine.windows_opened
            assert machine.local_flow_control_window(stream_id) > 0
    machine.end_stream(stream_id)
    exchange(machine, peer)
    return taken


def test_upload_larger_than_the_window_waits_for_window_updates() -> None:
    machine, peer = connect({SettingCodes.INITIAL_WINDOW_SIZE: 10_000})
    stream_id = request(machine, method=b"PUT", end_stream=False)
    assert machine.local_flow_control_window(stream_id) == 10_000
    payload = bytes(range(256)) * 1000  # 256000 bytes: several windows
    taken = upload(machine, peer, stream_id, payload)
    assert peer.body(stream_id) == payload
    assert taken.count(0) >= 3  # it had to wait (and h2 would have refused more)
    assert max(taken) <= 65_535


def test_send_data_splits_into_frames_of_the_server_max_frame_size() -> None:
    machine, peer = connect({SettingCodes.INITIAL_WINDOW_SIZE: 1_000_000})
    stream_id = request(machine, method=b"PUT", end_stream=False)
    peer.conn.increment_flow_control_window(1_000_000)
    exchange(machine, peer)
    assert machine.windows_opened
    assert machine.send_data(stream_id, b"x" * 40_000, end_stream=True) == 40_000
    exchange(machine, peer)
    sizes = [len(f.data) for f in peer.sent(DataFrame)]
    assert sizes == [16_384, 16_384, 7_232]
    assert "END_STREAM" in peer.sent(DataFrame)[-1].flags
    assert peer.body(stream_id) == b"x" * 40_000


def test_server_shrinking_the_window_below_zero() -> None:
    machine, peer = connect({SettingCodes.INITIAL_WINDOW_SIZE: 1000})
    stream_id = request(machine, method=b"PUT", end_stream=False)
    assert machine.send_data(stream_id, b"x" * 1000) == 1000
    peer.conn.update_settings({SettingCodes.INITIAL_WINDOW_SIZE: 500})
    exchange(machine, peer)
    assert machine.local_flow_control_window(stream_id) == 0
    assert machine.send_data(stream_id, b"y") == 0
    peer.conn.update_settings({SettingCodes.INITIAL_WINDOW_SIZE: 3000})
    exchange(machine, peer)
    assert machine.windows_opened
    assert machine.local_flow_control_window(stream_id) == 2000  # 3000 - 1000 sent


def download(machine: HTTP2Machine, peer: Peer, stream_id: int, size: int) -> list[H2Event]:
    """The server sends ``size`` body bytes as fast as our windows allow; the
    client consumes everything it receives."""
    peer.conn.send_headers(stream_id, [(b":status", b"200")])
    events: list[H2Event] = []
    sent = 0
    while sent < size:
        window = min(peer.conn.local_flow_control_window(stream_id), size - sent)
        assert window > 0, "the client never reopened the window"
        while window:
            chunk = min(window, peer.conn.max_outbound_frame_size)
            peer.conn.send_data(stream_id, b"d" * chunk, end_stream=sent + chunk == size)
            sent += chunk
            window -= chunk
        events += exchange(machine, peer, consume=True)
    return events


def test_download_sends_batched_window_updates() -> None:
    machine, peer = connect(
        initial_window_size=MiB,
        max_buffered_bytes_per_stream=4 * MiB,
        connection_window_size=16 * MiB,
    )
    request(machine)
    exchange(machine, peer)
    before = len(peer.sent(WindowUpdateFrame))
    events = download(machine, peer, 1, 32 * MiB)
    assert body_of(events, 1) == b"d" * (32 * MiB)
    frames = len([e for e in events if isinstance(e, H2Data)])
    updates = peer.sent(WindowUpdateFrame)[before:]
    stream_updates = [f.window_increment for f in updates if f.stream_id == 1]
    connection_updates = [f.window_increment for f in updates if f.stream_id == 0]
    assert frames == 2048
    # The first update grows the window to 4 MiB, then one per 2 MiB consumed.
    assert stream_updates[0] == 3 * MiB + 16_384
    assert all(increment >= 2 * MiB for increment in stream_updates)
    assert len(stream_updates) <= 17
    assert all(increment >= 8 * MiB for increment in connection_updates)
    assert len(connection_updates) <= 4


def test_window_updates_wait_for_consume() -> None:
    machine, peer = connect(
        initial_window_size=65_535,
        max_buffered_bytes_per_stream=65_535,
        connection_window_size=65_535,
    )
    request(machine)
    exchange(machine, peer)
    peer.conn.send_headers(1, [(b":status", b"200")])
    peer.send_body(1, b"a" * 40_000)
    peer.send_body(1, b"b" * 25_535)
    events = exchange(machine, peer)
    assert sum(e.flow_controlled_length for e in events if isinstance(e, H2Data)) == 65_535
    assert peer.conn.local_flow_control_window(1) == 0
    assert not peer.sent(WindowUpdateFrame)  # nothing consumed: nothing given back
    machine.consume(1, 30_000)  # less than half of the bound
    exchange(machine, peer)
    assert not peer.sent(WindowUpdateFrame)
    machine.consume(1, 10_000)  # now 40000 >= 32767
    exchange(machine, peer)
    assert sorted((f.stream_id, f.window_increment) for f in peer.sent(WindowUpdateFrame)) == [
        (0, 40_000),
        (1, 40_000),
    ]
    assert peer.conn.local_flow_control_window(1) == 40_000


def test_data_beyond_the_window_is_a_flow_control_error() -> None:
    machine, peer = connect(initial_window_size=1000, max_buffered_bytes_per_stream=1000)
    request(machine)
    exchange(machine, peer)
    peer.conn.send_headers(1, [(b":status", b"200")])
    peer.raw(data_frame(1, b"x" * 1000), data_frame(1, b"y"))
    with pytest.raises(RemoteProtocolError, match=r"[Ff]low control"):
        exchange(machine, peer)
    assert not machine.is_usable
    goaways = [f for f in queued_frames(machine) if isinstance(f, GoAwayFrame)]
    assert goaways and goaways[0].error_code == 0x3


def test_data_beyond_the_connection_window() -> None:
    machine, peer = connect(connection_window_size=65_535)
    for _ in range(2):
        request(machine)
    exchange(machine, peer)
    for stream_id in (1, 3):
        peer.conn.send_headers(stream_id, [(b":status", b"200")])
    # 4 * 16000 + 2000 > 65535, though each stream stays within its own window.
    peer.raw(data_frame(1, b"x" * 16_000))
    peer.raw(*[data_frame(3, b"x" * 16_000) for _ in range(3)], data_frame(1, b"x" * 2000))
    with pytest.raises(RemoteProtocolError, match=r"[Ff]low control"):
        exchange(machine, peer)


# ------------------------------------------------------------------- resets, GOAWAY


def test_rst_stream_from_the_server() -> None:
    machine, peer = connect(connection_window_size=65_535)
    request(machine)
    request(machine)
    exchange(machine, peer)
    peer.conn.send_headers(1, [(b":status", b"200")])
    peer.send_body(1, b"z" * 40_000)
    peer.conn.reset_stream(1, 0x2)  # INTERNAL_ERROR
    events = exchange(machine, peer)
    assert events[-1] == H2StreamReset(1, 0x2, True)
    assert machine.open_streams == 1
    # Its unconsumed bytes went back to the connection window.
    assert [(f.stream_id, f.window_increment) for f in peer.sent(WindowUpdateFrame)] == [
        (0, 40_000)
    ]
    machine.consume(1, 40_000)  # ignored: already given back
    assert machine.local_flow_control_window(1) == 0
    with pytest.raises(LocalProtocolError, match="not open"):
        machine.send_data(1, b"x")
    machine.reset_stream(1)  # no-op
    peer.respond(3, b"fine")
    assert exchange(machine, peer)[-1] == H2StreamEnded(3, [])


def test_rst_stream_no_error_after_a_complete_response_stops_the_upload() -> None:
    machine, peer = connect()
    stream_id = request(machine, method=b"POST", end_stream=False)
    exchange(machine, peer)
    peer.respond(stream_id, status=b"413")
    peer.conn.reset_stream(stream_id, NO_ERROR)
    assert exchange(machine, peer) == [
        H2ResponseHead(stream_id, 413, []),
        H2StreamEnded(stream_id, []),
        H2StreamReset(stream_id, NO_ERROR, True),
    ]
    assert machine.open_streams == 0
    with pytest.raises(LocalProtocolError):
        machine.send_data(stream_id, b"x")


def test_reset_by_us() -> None:
    machine, peer = connect(connection_window_size=65_535)
    request(machine)
    exchange(machine, peer)
    peer.conn.send_headers(1, [(b":status", b"200")])
    peer.send_body(1, b"a" * 20_000)
    received = peer.send()
    peer.send_body(1, b"b" * 20_000, end_stream=True)
    in_flight = peer.send()
    assert body_of(machine.receive_data(received), 1) == b"a" * 20_000
    machine.reset_stream(1)
    assert machine.open_streams == 0
    assert machine.receive_data(in_flight) == []  # dropped
    exchange(machine, peer)
    first, *_ = peer.sent(RstStreamFrame)  # then h2's answers to the frames in flight
    assert (first.stream_id, first.error_code) == (1, CANCEL)
    machine.consume(1, 20_000)  # ignored
    machine.reset_stream(1)  # no-op
    # The connection window was not lost: another stream downloads far more than it.
    request(machine)
    exchange(machine, peer)
    events = download(machine, peer, 3, 300_000)
    assert body_of(events, 3) == b"d" * 300_000


def test_reset_after_the_exchange_completed_sends_nothing() -> None:
    machine, peer = connect()
    request(machine)
    exchange(machine, peer)
    peer.respond(1, b"unread")
    exchange(machine, peer)
    machine.reset_stream(1)  # the user closed the response without reading it
    exchange(machine, peer)
    assert not peer.sent(RstStreamFrame)
    assert machine.open_streams == 0


def test_goaway_reports_last_stream_id_and_running_streams_complete() -> None:
    machine, peer = connect()
    ids = [request(machine) for _ in range(3)]
    exchange(machine, peer)
    peer.raw(goaway(3, NO_ERROR, b"shutting down"))
    assert exchange(machine, peer) == [H2ConnectionTerminated(NO_ERROR, 3, b"shutting down")]
    assert not machine.is_usable
    assert machine.available_streams == 0
    with pytest.raises(LocalProtocolError, match="GOAWAY"):
        request(machine)
    # Streams 1 and 3 are still answered; 5 was not processed (retry elsewhere).
    peer.respond(ids[0], b"one")
    peer.respond(ids[1], b"two")
    events = exchange(machine, peer, consume=True)
    assert body_of(events, 1) == b"one"
    assert body_of(events, 3) == b"two"
    assert events[-1] == H2StreamEnded(3, [])
    # A later GOAWAY may only lower last_stream_id.
    peer.raw(goaway(5, 0x2))
    assert exchange(machine, peer) == [H2ConnectionTerminated(0x2, 3, b"")]
    peer.raw(goaway(1))
    assert exchange(machine, peer) == [H2ConnectionTerminated(0, 1, b"")]
    # Then the server closes the connection.
    assert machine.receive_data(b"") == [H2ConnectionTerminated(0, 1, b"")]


def test_goaway_split_across_reads_and_between_frames() -> None:
    machine, peer = connect()
    request(machine)
    request(machine)
    exchange(machine, peer)
    peer.respond(1, b"first")
    wire = peer.send() + goaway(1, 0, b"x" * 100).serialize()
    peer.respond(3, b"second")  # h2 does not know about the GOAWAY: it answers
    wire += peer.send()
    for step in (1, 7, 50, len(wire)):
        fresh, fresh_peer = connect()  # same HPACK state as the peer above
        request(fresh)
        request(fresh)
        exchange(fresh, fresh_peer)
        events: list[H2Event] = []
        for i in range(0, len(wire), step):
            events += fresh.receive_data(wire[i : i + step])
        assert events == [
            H2ResponseHead(1, 200, []),
            H2Data(1, b"first", 5),
            H2StreamEnded(1, []),
            H2ConnectionTerminated(0, 1, b"x" * 100),
            H2ResponseHead(3, 200, []),
            H2Data(3, b"second", 6),
            H2StreamEnded(3, []),
        ], step


def test_server_closes_the_connection() -> None:
    machine, peer = connect()
    request(machine)
    exchange(machine, peer)
    assert machine.receive_data(b"") == [H2ConnectionTerminated(0, None, b"")]
    assert not machine.is_usable
    assert machine.available_streams == 0
    assert machine.receive_data(b"") == []
    with pytest.raises(LocalProtocolError, match="after the EOF"):
        machine.receive_data(b"\x00")
    with pytest.raises(LocalProtocolError, match="server closed it"):
        request(machine)
    with pytest.raises(LocalProtocolError, match="connection is closed"):
        machine.send_data(1, b"x")
    assert machine.local_flow_control_window(1) == 0
    machine.reset_stream(1)  # forgets it, sends nothing
    machine.close()
    assert machine.data_to_send() == b""


def test_close_sends_goaway() -> None:
    machine, peer = connect()
    request(machine)
    exchange(machine, peer)
    peer.respond(1, b"late")  # in flight when we close
    machine.close()
    assert not machine.is_usable
    assert exchange(machine, peer) == []  # ignored after close
    assert [f.error_code for f in peer.sent(GoAwayFrame)] == [0]
    machine.close(0x2)  # once only
    assert machine.data_to_send() == b""
    with pytest.raises(LocalProtocolError, match="it was closed"):
        request(machine)
    assert machine.receive_data(b"") == []


def test_stream_ids_exhausted() -> None:
    machine, peer = connect()
    machine._next_id = 2**31 - 3  # as if a billion requests had been made
    assert machine.available_streams == 2
    assert request(machine) == 2**31 - 3
    assert request(machine) == 2**31 - 1
    assert not machine.is_usable
    assert machine.available_streams == 0
    with pytest.raises(LocalProtocolError, match="exhausted"):
        request(machine)
    exchange(machine, peer)
    peer.respond(2**31 - 1, b"last")
    assert exchange(machine, peer)[-1] == H2StreamEnded(2**31 - 1, [])


def test_byte_by_byte_delivery() -> None:
    machine, peer = connect()
    request(machine)
    request(machine)
    exchange(machine, peer)
    peer.respond(1, b"x" * 100, headers=[(b"a", b"b")], trailers=[(b"t", b"v")])
    peer.respond(3, b"y" * 20_000)
    peer.conn.ping(b"pingpong")
    wire = peer.send()
    events: list[H2Event] = []
    for i in range(len(wire)):
        events += machine.receive_data(wire[i : i + 1])
    assert body_of(events, 1) == b"x" * 100
    assert body_of(events, 3) == b"y" * 20_000
    assert H2StreamEnded(1, [(b"t", b"t", b"v")]) in events
    assert events[-1] == H2StreamEnded(3, [])
    peer.receive(machine.data_to_send())
    assert [type(e).__name__ for e in peer.events][-1] == "PingAckReceived"


def test_window_updated_flag() -> None:
    machine, peer = connect()
    stream_id = request(machine, method=b"POST", end_stream=False)
    exchange(machine, peer)
    assert not machine.windows_opened
    peer.conn.increment_flow_control_window(100, stream_id)
    exchange(machine, peer)
    assert machine.windows_opened
    peer.conn.ping(b"12345678")
    exchange(machine, peer)
    assert not machine.windows_opened


# ---------------------------------------------------------------------- edge cases


def test_start_request_after_a_connection_error() -> None:
    machine, peer = connect()
    peer.raw(data_frame(9, b"x"))
    with pytest.raises(RemoteProtocolError):
        exchange(machine, peer)
    with pytest.raises(LocalProtocolError, match="it failed"):
        request(machine)


def test_stream_forgotten_when_the_request_ends_after_a_consumed_response() -> None:
    machine, peer = connect()
    stream_id = request(machine, method=b"POST", end_stream=False)
    exchange(machine, peer)
    peer.respond(stream_id, b"early")
    exchange(machine, peer, consume=True)
    assert machine.open_streams == 1
    machine.end_stream(stream_id)
    assert machine.open_streams == 0
    machine.consume(stream_id, 1)  # forgotten: ignored
    exchange(machine, peer)
    assert peer.body(stream_id) == b""


def test_bytes_after_close_are_ignored() -> None:
    machine, peer = connect()
    request(machine)
    exchange(machine, peer)
    machine.close()
    assert machine.receive_data(peer.headers_frame(1, [(b":status", b"200")]).serialize()) == []


def test_events_for_a_stream_rejected_earlier_in_the_same_read() -> None:
    machine, peer = connect()
    for _ in range(3):
        request(machine)
    exchange(machine, peer)
    # Stream 1: a malformed 1xx, then a final head. Stream 3: a malformed head,
    # then a body and trailers. Stream 5: a malformed head, then RST_STREAM.
    peer.raw(peer.headers_frame(1, [(b":status", b"103"), (b"Link", b"x")]))
    peer.raw(peer.headers_frame(1, [(b":status", b"200")], "END_HEADERS", "END_STREAM"))
    peer.raw(peer.headers_frame(3, [(b":status", b"200"), (b"X", b"y")]))
    peer.raw(data_frame(3, b"body"))
    peer.raw(peer.headers_frame(3, [(b"t", b"v")], "END_HEADERS", "END_STREAM"))
    peer.raw(peer.headers_frame(5, [(b":status", b"200"), (b"X", b"y")]))
    peer.raw(RstStreamFrame(5, error_code=0x2))
    events = exchange(machine, peer)
    assert [(type(e), e.stream_id) for e in events] == [  # type: ignore[union-attr]
        (H2StreamReset, 1),
        (H2StreamReset, 3),
        (H2StreamReset, 5),
    ]
    assert machine.open_streams == 0
    assert machine.is_usable


def test_consume_after_the_server_closed_sends_nothing() -> None:
    machine, peer = connect(connection_window_size=65_535)
    request(machine)
    exchange(machine, peer)
    peer.conn.send_headers(1, [(b":status", b"200")])
    peer.send_body(1, b"x" * 60_000)
    exchange(machine, peer)
    machine.receive_data(b"")
    machine.consume(1, 60_000)
    assert machine.data_to_send() == b""


def test_empty_trailer_block() -> None:
    machine, peer = connect()
    request(machine)
    exchange(machine, peer)
    peer.conn.send_headers(1, [(b":status", b"200")])
    peer.raw(peer.headers_frame(1, [], "END_HEADERS", "END_STREAM"))
    assert exchange(machine, peer) == [H2ResponseHead(1, 200, []), H2StreamEnded(1, [])]


def test_many_distinct_header_names() -> None:
    machine, peer = connect()
    names = [b"X-Name-%d" % i for i in range(600)]  # more than the name cache keeps
    request(machine, headers=[(name, b"v") for name in names])
    exchange(machine, peer)
    assert [name for name, _ in peer.requests()[1][4:]] == [n.lower() for n in names]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 60_000), st.booleans(), st.floats(0, 1)),
        min_size=1,
        max_size=6,
    )
)
def test_flow_control_never_stalls(plan: list[tuple[int, bool, float]]) -> None:
    """Streams get random amounts of body; some are reset by us part-way through,
    with the rest of their data in flight, the others are consumed. Afterwards the
    server can still send a large body: no window was lost for good."""
    machine, peer = connect(
        initial_window_size=20_000,
        max_buffered_bytes_per_stream=30_000,
        connection_window_size=65_535,
    )
    for size, reset, cut in plan:
        stream_id = request(machine)
        exchange(machine, peer)
        peer.conn.send_headers(stream_id, [(b":status", b"200")])
        size = min(size, peer.conn.local_flow_control_window(stream_id))
        peer.send_body(stream_id, b"p" * size, end_stream=True)
        wire = peer.send()
        split = int(len(wire) * cut)
        events = feed(machine, wire[:split])  # then the user closes the response
        if reset:
            machine.reset_stream(stream_id)
        events += feed(machine, wire[split:])
        for event in events:
            if isinstance(event, H2Data):
                machine.consume(event.stream_id, event.flow_controlled_length)
        exchange(machine, peer, consume=True)
        assert machine.open_streams == 0
    stream_id = request(machine)
    exchange(machine, peer)
    events = download(machine, peer, stream_id, 500_000)
    assert body_of(events, stream_id) == b"d" * 500_000
