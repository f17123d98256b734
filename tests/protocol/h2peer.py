"""An in-memory HTTP/2 server (``h2``'s server side) to drive the client machine.

``Peer`` wraps a server-side ``H2Connection``; ``exchange`` moves bytes between
it and an ``HTTP2Machine`` until neither has anything to send, recording the
frames the client sent. For what ``h2`` refuses to send (malformed headers, floods,
PUSH_PROMISE...), ``Peer.raw`` writes hand-made frames into the same byte stream,
and ``Peer.block`` encodes header fields with the server's own HPACK encoder so
that both ends' compression contexts stay in step.
"""

from __future__ import annotations

from collections.abc import Sequence

from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import DataReceived, Event, RequestReceived
from h2.settings import SettingCodes
from hyperframe.frame import (
    ContinuationFrame,
    DataFrame,
    Frame,
    GoAwayFrame,
    HeadersFrame,
)

from darter._protocol.http2 import H2Data, H2Event, HTTP2Machine

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

Fields = Sequence[tuple[bytes, bytes]]


class Peer:
    """The server end: an ``h2`` server connection plus raw frame injection."""

    def __init__(self, settings: dict[int, int] | None = None) -> None:
        # Inbound normalisation off: the fields are seen exactly as the client sent them.
        config = H2Configuration(client_side=False, normalize_inbound_headers=False)
        self.conn = H2Connection(config)
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings({SettingCodes(k): v for k, v in settings.items()})
        self.events: list[Event] = []
        #: Frames the client sent (the preface removed), in order.
        self.frames: list[Frame] = []
        self._pending = b""
        self._preface = True
        self._injected = b""
        self._acknowledged = 0

    # --------------------------------------------------------------- the byte pipe

    def receive(self, data: bytes) -> None:
        """Bytes from the client: recorded as frames, then given to h2."""
        self._record(data)
        self.events += self.conn.receive_data(data)

    def send(self) -> bytes:
        """Bytes for the client: injected raw frames come after h2's own output."""
        data = self.conn.data_to_send() + self._injected
        self._injected = b""
        return data

    def raw(self, *frames: Frame | bytes) -> None:
        """Queue hand-made frames (or bytes) for the client."""
        for frame in frames:
            self._injected += frame if isinstance(frame, bytes) else frame.serialize()

    def _record(self, data: bytes) -> None:
        data = self._pending + data
        if self._preface:
            assert data.startswith(PREFACE[: len(data)])
            if len(data) < len(PREFACE):
                self._pending = data
                return
            data = data[len(PREFACE) :]
            self._preface = False
        while len(data) >= 9:
            frame, length = Frame.parse_frame_header(memoryview(data[:9]))
            if len(data) < 9 + length:
                break
            frame.parse_body(memoryview(data[9 : 9 + length]))
            self.frames.append(frame)
            data = data[9 + length :]
        self._pending = data

    # ----------------------------------------------------------------- conveniences

    def requests(self) -> dict[int, list[tuple[bytes, bytes]]]:
        """Request headers received, by stream id."""
        return {
            e.stream_id: list(e.headers) for e in self.events if isinstance(e, RequestReceived)
        }

    def body(self, stream_id: int) -> bytes:
        """Request body bytes received on a stream."""
        return b"".join(
            e.data for e in self.events if isinstance(e, DataReceived) and e.stream_id == stream_id
        )

    def acknowledge(self) -> None:
        """The server application reads every body byte received so far (h2 then
        gives window back as it sees fit)."""
        for event in self.events[self._acknowledged :]:
            if isinstance(event, DataReceived):
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        self._acknowledged = len(self.events)

    def of_type(self, kind: type[Event]) -> list[Event]:
        """Events of one type the server received."""
        return [e for e in self.events if isinstance(e, kind)]

    def sent(self, kind: type[Frame]) -> list[Frame]:
        """Frames of one type the client sent."""
        return [f for f in self.frames if isinstance(f, kind)]

    def respond(
        self,
        stream_id: int,
        body: bytes = b"",
        *,
        status: bytes = b"200",
        headers: Fields = (),
        trailers: Fields = (),
    ) -> None:
        """A complete response through h2 (the body must fit the windows)."""
        end_on_headers = not body and not trailers
        self.conn.send_headers(
            stream_id, [(b":status", status), *headers], end_stream=end_on_headers
        )
        if body:
            self.send_body(stream_id, body, end_stream=not trailers)
        if trailers:
            self.conn.send_headers(stream_id, list(trailers), end_stream=True)

    def send_body(self, stream_id: int, body: bytes, *, end_stream: bool = False) -> None:
        """Body bytes through h2, in frames of the largest size allowed."""
        size = self.conn.max_outbound_frame_size
        for start in range(0, len(body), size):
            end = start + size >= len(body)
            self.conn.send_data(
                stream_id, body[start : start + size], end_stream=end_stream and end
            )

    def block(self, fields: Fields) -> bytes:
        """``fields`` HPACK-encoded with the server's encoder, unchecked."""
        return self.conn.encoder.encode(list(fields))

    def headers_frame(self, stream_id: int, fields: Fields, *flags: str) -> HeadersFrame:
        """A raw HEADERS frame (END_HEADERS unless ``flags`` are given)."""
        return HeadersFrame(stream_id, data=self.block(fields), flags=flags or ("END_HEADERS",))


def connect(settings: dict[int, int] | None = None, **limits: int) -> tuple[HTTP2Machine, Peer]:
    """A machine and a peer that have exchanged prefaces and SETTINGS."""
    machine = HTTP2Machine(**limits)
    machine.initiate()
    peer = Peer(settings)
    assert exchange(machine, peer) == []
    return machine, peer


def exchange(machine: HTTP2Machine, peer: Peer, *, consume: bool = False) -> list[H2Event]:
    """Move bytes both ways until neither side has more; return the client's events.

    With ``consume``, every H2Data is consumed as soon as it is received.
    """
    events: list[H2Event] = []
    while True:
        to_server = machine.data_to_send()
        if to_server:
            peer.receive(to_server)
        to_client = peer.send()
        if to_client:
            new = machine.receive_data(to_client)
            if consume:
                for event in new:
                    if isinstance(event, H2Data):
                        machine.consume(event.stream_id, event.flow_controlled_length)
            events += new
        if not to_server and not to_client:
            return events


def request(
    machine: HTTP2Machine,
    path: bytes = b"/",
    *,
    method: bytes = b"GET",
    headers: Fields = (),
    end_stream: bool = True,
) -> int:
    return machine.start_request(method, b"https", b"example.org", path, headers, end_stream)


def queued_frames(machine: HTTP2Machine) -> list[Frame]:
    """The frames the machine has queued, parsed (when no exchange can follow)."""
    peer = Peer()
    peer._preface = False
    peer._record(machine.data_to_send())
    return peer.frames


def goaway(last_stream_id: int, error_code: int = 0, data: bytes = b"") -> GoAwayFrame:
    return GoAwayFrame(
        0, last_stream_id=last_stream_id, error_code=error_code, additional_data=data
    )


def data_frame(stream_id: int, data: bytes, *flags: str, pad_length: int = 0) -> DataFrame:
    return DataFrame(stream_id, data=data, flags=flags, pad_length=pad_length)


def continuation(stream_id: int, data: bytes, *flags: str) -> ContinuationFrame:
    return ContinuationFrame(stream_id, data=data, flags=flags)
