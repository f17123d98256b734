"""A scripted h2c server (prior knowledge) whose connections follow scripts step by step.

A script is a function ``script(peer, index, log)`` run for the ``index``-th
connection: ``peer.requests()`` yields complete requests as they arrive, and the
script answers them well or badly: partial bodies, GOAWAY in the middle of a
response, RST_STREAM, endless CONTINUATION frames, invalid fields (outbound header
validation is off on purpose), raw frames of any kind.

Every connection runs in a thread of a ``ScriptedServer``; protocol errors the
client causes are recorded in ``H2Log.notes`` rather than raised, so that a test can
assert there were none.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
from hyperframe.frame import ContinuationFrame, GoAwayFrame, HeadersFrame

from tests.hostile.support import linger
from tests.servers.scripted import Handler

Field = tuple[bytes, bytes]


@dataclass
class H2Request:
    stream_id: int
    headers: dict[bytes, bytes]
    body: bytes = b""
    connection: int = 0

    @property
    def path(self) -> bytes:
        return self.headers.get(b":path", b"/")


@dataclass
class H2Log:
    """What the server saw, over all connections."""

    requests: list[H2Request] = field(default_factory=list)
    #: Requests the server answered completely, by path.
    answered: list[bytes] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    open_now: int = 0
    max_open: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, text: str) -> None:
        with self.lock:
            self.notes.append(text)


class H2Peer:
    """The server side of one connection."""

    def __init__(
        self,
        sock: socket.socket,
        index: int,
        log: H2Log,
        *,
        max_concurrent_streams: int = 100,
        initial_window: int = 65_535,
    ) -> None:
        self.sock = sock
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.index = index
        self.log = log
        config = h2.config.H2Configuration(
            client_side=False,
            header_encoding=None,
            validate_outbound_headers=False,
            normalize_outbound_headers=False,
        )
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.local_settings = h2.settings.Settings(
            client=False,
            initial_values={
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: max_concurrent_streams,
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: initial_window,
            },
        )
        self.conn.initiate_connection()
        self._open: set[int] = set()
        self.closed = not self.flush()

    # ----------------------------------------------------------------- receiving

    def requests(self) -> Iterator[H2Request]:
        """Complete requests (headers and body) in the order they end; stops at EOF."""
        partial: dict[int, H2Request] = {}
        while not self.closed:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            try:
                events = self.conn.receive_data(data)
            except h2.exceptions.H2Error as exc:
                self.log.note(f"connection {self.index}: the client broke the protocol: {exc!r}")
                return
            ready: list[H2Request] = []
            for event in events:
                if isinstance(event, h2.events.RequestReceived):
                    request = H2Request(
                        event.stream_id, dict(event.headers or []), connection=self.index
                    )
                    partial[event.stream_id] = request
                    self._opened(event.stream_id, request)
                elif isinstance(event, h2.events.DataReceived):
                    if event.stream_id in partial:
                        partial[event.stream_id].body += event.data or b""
                    with contextlib.suppress(h2.exceptions.H2Error):
                        self.conn.acknowledge_received_data(
                            event.flow_controlled_length or 0, event.stream_id or 0
                        )
                elif isinstance(event, h2.events.StreamEnded):
                    request = partial.pop(event.stream_id or 0, None)
                    if request is not None:
                        ready.append(request)
                elif isinstance(event, h2.events.StreamReset):
                    partial.pop(event.stream_id or 0, None)
                    self._closed(event.stream_id or 0)
            if not self.flush():
                return
            yield from ready

    def _opened(self, stream_id: int, request: H2Request) -> None:
        log = self.log
        with log.lock:
            log.requests.append(request)
            self._open.add(stream_id)
            log.open_now += 1
            log.max_open = max(log.max_open, log.open_now)

    def _closed(self, stream_id: int) -> None:
        log = self.log
        with log.lock:
            if stream_id in self._open:
                self._open.discard(stream_id)
                log.open_now -= 1

    # ------------------------------------------------------------------- sending

    def flush(self) -> bool:
        """Send what the h2 machine produced; False when the client is gone."""
        data = self.conn.data_to_send()
        if not data:
            return True
        return self.raw(data)

    def raw(self, data: bytes) -> bool:
        """Send bytes as they are (after anything the h2 machine had pending)."""
        pending = self.conn.data_to_send()
        try:
            self.sock.sendall(pending + data)
        except OSError:
            self.closed = True
            return False
        return True

    def send_headers(self, stream_id: int, headers: Iterable[Field], end: bool = False) -> bool:
        self.conn.send_headers(stream_id, list(headers), end_stream=end)
        if end:
            self._closed(stream_id)
        return self.flush()

    def send_data(self, stream_id: int, data: bytes, end: bool = False) -> bool:
        self.conn.send_data(stream_id, data, end_stream=end)
        if end:
            self._closed(stream_id)
        return self.flush()

    def respond(
        self,
        request: H2Request,
        body: bytes,
        *,
        extra: Iterable[Field] = (),
        content_length: bool = True,
    ) -> bool:
        headers: list[Field] = [(b":status", b"200")]
        if content_length:
            headers.append((b"content-length", str(len(body)).encode()))
        headers += list(extra)
        if not self.send_headers(request.stream_id, headers):
            return False
        if not self.send_data(request.stream_id, body, end=True):
            return False
        with self.log.lock:
            self.log.answered.append(request.path)
        return True

    def reset(self, stream_id: int, error_code: int) -> bool:
        self.conn.reset_stream(stream_id, error_code)
        self._closed(stream_id)
        return self.flush()

    def goaway(self, last_stream_id: int, error_code: int = 0) -> bool:
        """A raw GOAWAY: the h2 machine is not told, so the script may go on sending."""
        frame = GoAwayFrame(0, last_stream_id=last_stream_id, error_code=error_code)
        return self.raw(frame.serialize())

    def headers_without_end(self, stream_id: int, block: bytes) -> bool:
        """A HEADERS frame that does not end its header block."""
        return self.raw(HeadersFrame(stream_id, data=block).serialize())

    def continuation(self, stream_id: int, block: bytes, count: int) -> int:
        """Send ``count`` CONTINUATION frames carrying ``block``, never ending the
        header block. Returns how many were sent before the client went away."""
        frame = ContinuationFrame(stream_id, data=block).serialize()
        batch = max(1, 65536 // len(frame))
        sent = 0
        while sent < count:
            step = min(batch, count - sent)
            if not self.raw(frame * step):
                break
            sent += step
        return sent

    def linger(self, seconds: float = 5.0) -> None:
        """Wait (bounded) for the client to close, ignoring what it sends."""
        linger(self.sock, seconds)


H2ScriptFunction = Callable[[H2Peer, int, H2Log], None]


class H2Script:
    """The server's configuration: settings, one script per connection, one log."""

    def __init__(
        self,
        *scripts: H2ScriptFunction,
        max_concurrent_streams: int = 100,
        initial_window: int = 65_535,
    ) -> None:
        self.scripts = scripts
        self.max_concurrent_streams = max_concurrent_streams
        self.initial_window = initial_window
        self.log = H2Log()
        self.connections = 0
        self._lock = threading.Lock()

    def next_index(self) -> int:
        with self._lock:
            index = self.connections
            self.connections += 1
        return index


def h2_handler(script: H2Script) -> Handler:
    """A ``ScriptedServer`` handler running ``script``."""

    def handle(sock: socket.socket) -> None:
        index = script.next_index()
        peer = H2Peer(
            sock,
            index,
            script.log,
            max_concurrent_streams=script.max_concurrent_streams,
            initial_window=script.initial_window,
        )
        if not peer.closed:
            script.scripts[min(index, len(script.scripts) - 1)](peer, index, script.log)

    return handle


def serve_h2(peer: H2Peer, index: int, log: H2Log) -> None:
    """Well-behaved: ``ok`` to every request."""
    for request in peer.requests():
        if not peer.respond(request, b"ok"):
            return


def echo_h2(peer: H2Peer, index: int, log: H2Log) -> None:
    """Well-behaved: ``hello <path>`` to every request."""
    for request in peer.requests():
        if not peer.respond(request, b"hello " + request.path):
            return
