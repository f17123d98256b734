"""A scripted HTTP/2 server (h2c, prior knowledge) for the edge cases real servers
do not produce on demand: GOAWAY mid-flight, RST_STREAM, tiny concurrency limits,
closed flow-control windows, trailers, CONTINUATION floods.

Each connection runs in its own thread with an ``h2`` server connection. Requests
are answered with ``hello <path>`` unless a behaviour says otherwise.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field

import h2.config
import h2.connection
import h2.events
import h2.settings
from hyperframe.frame import ContinuationFrame, HeadersFrame

from tests.servers.scripted import ScriptedServer


@dataclass
class H2Behaviour:
    """What the server does; the defaults make a well-behaved server."""

    max_concurrent_streams: int = 100
    #: Answer this many requests, then send GOAWAY naming the last one answered
    #: (later streams are left unprocessed).
    goaway_after: int | None = None
    #: Reset every stream with this error code instead of answering.
    reset_with: int | None = None
    #: Send these trailers after the body.
    trailers: list[tuple[str, str]] = field(default_factory=list)
    #: Announce a zero initial window: request bodies can never be sent.
    closed_window: bool = False
    #: Answer with a HEADERS frame followed by endless CONTINUATION frames.
    continuation_flood: bool = False
    #: Seconds to wait before answering each request (to build up concurrency).
    delay: float = 0.0
    #: Extra response headers, sent raw (may be invalid on purpose).
    extra_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    #: Streams seen, and the most seen open at once.
    streams_seen: int = 0
    max_open_seen: int = 0


class H2Handler:
    """The per-connection logic of the scripted server."""

    def __init__(self, behaviour: H2Behaviour) -> None:
        self.behaviour = behaviour
        self.lock = threading.Lock()

    def __call__(self, sock: socket.socket) -> None:
        behaviour = self.behaviour
        config = h2.config.H2Configuration(
            client_side=False, validate_outbound_headers=False, normalize_outbound_headers=False
        )
        conn = h2.connection.H2Connection(config=config)
        conn.local_settings = h2.settings.Settings(
            client=False,
            initial_values={
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: behaviour.max_concurrent_streams,
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0
                if behaviour.closed_window
                else 65535,
            },
        )
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        paths: dict[int, bytes] = {}
        open_streams: set[int] = set()
        answered = 0
        last_answered = 0
        while data := sock.recv(65536):
            ready: list[int] = []
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    with self.lock:
                        behaviour.streams_seen += 1
                        open_streams.add(event.stream_id)
                        behaviour.max_open_seen = max(behaviour.max_open_seen, len(open_streams))
                    paths[event.stream_id] = dict(event.headers).get(b":path", b"/")
                elif isinstance(event, h2.events.StreamEnded):
                    ready.append(event.stream_id)
                elif isinstance(event, h2.events.StreamReset):
                    # Cancelled by the client: nothing to answer.
                    with self.lock:
                        open_streams.discard(event.stream_id)
                    if event.stream_id in ready:
                        ready.remove(event.stream_id)
            if behaviour.delay and ready:
                time.sleep(behaviour.delay)
            for stream_id in ready:
                if conn.streams.get(stream_id) is None or conn.streams[stream_id].closed:
                    continue  # reset by the client while we waited
                if behaviour.goaway_after is not None and answered >= behaviour.goaway_after:
                    conn.close_connection(last_stream_id=last_answered)
                    sock.sendall(conn.data_to_send())
                    time.sleep(0.2)
                    return
                self._answer(conn, sock, stream_id, paths.get(stream_id, b"/"))
                with self.lock:
                    open_streams.discard(stream_id)
                answered += 1
                last_answered = stream_id
            sock.sendall(conn.data_to_send())

    def _answer(
        self, conn: h2.connection.H2Connection, sock: socket.socket, stream_id: int, path: bytes
    ) -> None:
        behaviour = self.behaviour
        if behaviour.reset_with is not None:
            conn.reset_stream(stream_id, behaviour.reset_with)
            return
        if behaviour.continuation_flood:
            sock.sendall(conn.data_to_send())
            # :status 200 in a HEADERS frame without END_HEADERS, then empty
            # CONTINUATION frames that never end the block.
            sock.sendall(HeadersFrame(stream_id, data=b"\x88").serialize())
            payload = ContinuationFrame(stream_id, data=b"").serialize() * 1000
            with contextlib.suppress(OSError):
                for _ in range(1000):
                    sock.sendall(payload)
            return
        body = b"hello " + path
        headers = [(b":status", b"200"), (b"content-length", str(len(body)).encode())]
        headers += behaviour.extra_headers
        conn.send_headers(stream_id, headers)
        if behaviour.trailers:
            conn.send_data(stream_id, body)
            conn.send_headers(stream_id, behaviour.trailers, end_stream=True)
        else:
            conn.send_data(stream_id, body, end_stream=True)


def start_h2_server(behaviour: H2Behaviour) -> ScriptedServer:
    """A running scripted server (stop it with ``.stop()``); its URL is ``http://...``."""
    server = ScriptedServer(H2Handler(behaviour))
    server.start()
    return server
