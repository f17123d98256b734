"""A client-only, sans-I/O HTTP/2 machine (RFC 9113) over the ``h2`` library.

The machine never touches a socket. The connection code around it hands it the
bytes read from the network (``receive_data``, which returns events) and writes
what ``data_to_send`` returns after every call that may have produced bytes. One
machine serves one connection and any number of concurrent streams; ``h2`` does
the framing, HPACK and the per-stream state machines, and this module adds what a
client needs on top: header translation and validation, limits against abusive
servers, flow-control policy, and GOAWAY handling that lets running streams finish.

Connection
----------
::

    new --initiate--> OPEN --GOAWAY received--> DRAINING (streams <= last_stream_id
                                                          may still complete)
    OPEN, DRAINING --close()--> CLOSED         (our GOAWAY; bytes received later are
                                                ignored)
    OPEN, DRAINING --receive_data(b"")--> EOF  (H2ConnectionTerminated)
    any --connection error--> ERROR            (RemoteProtocolError raised; GOAWAY queued)

``is_usable`` (new streams may be opened) holds only in OPEN while stream ids
remain. In ERROR every later ``receive_data`` raises again; the caller writes what
``data_to_send`` returns (the GOAWAY) and closes the socket.

Streams
-------
``start_request`` opens a stream (odd ids, in order); the request body follows
with ``send_data`` (never more than the flow-control windows and the frame size
allow *now*: the number of bytes accepted is returned) and ``end_stream``. The
response arrives as events, in order, per stream::

    H2ResponseHead, H2Data*, H2StreamEnded(trailers)     a complete response
    ... H2StreamReset                                     reset (by the server, or by
                                                          us for a malformed response)

1xx heads are skipped (at most ``max_informational_responses`` per stream). A
stream counts against the server's MAX_CONCURRENT_STREAMS until both sides ended
it or it was reset. A server may send RST_STREAM(NO_ERROR) after a complete
response to stop an upload (RFC 9113 §8.1): that is an H2StreamReset after the
H2StreamEnded.

Decisions
---------
* Malformed responses are *stream* errors (RFC 9113 §8.1.1): the stream is reset
  with PROTOCOL_ERROR and reported as ``H2StreamReset(by_peer=False)`` whose
  ``reason`` says what was wrong (the caller raises ``RemoteProtocolError`` with
  it); nothing of that response is delivered and the other streams go on. The
  checks, in ``_http2_headers``, cover names, values, pseudo-header fields and
  connection-specific fields, in heads (1xx included) and trailers. ``h2``'s own
  header checks are turned off: ours run once, on the whole block at a time.
* What ``h2`` finds is a *connection* error: flow control, framing, HPACK, an
  invalid Content-Length or a body that does not match it, DATA before a final
  head, END_STREAM on a 1xx. ``RemoteProtocolError`` is raised and ``h2`` queues
  the GOAWAY. So are the errors found by the frame scanner (``_http2_frames``),
  which reads every frame header before ``h2`` sees the bytes and bounds what
  ``h2`` would buffer: frames longer than SETTINGS_MAX_FRAME_SIZE, header blocks
  of more than ``max_continuation_frames`` CONTINUATION frames or more encoded
  bytes than ``max_header_list_size`` (a valid encoding is never larger than the
  list it encodes: every field counts 32 bytes in the list size), PUSH_PROMISE
  (push is disabled by SETTINGS_ENABLE_PUSH=0) and server-initiated streams.
  The decoded list is bounded by HPACK with ``max_header_list_size``, which is
  also announced, and enforced from the first frame whether or not the server
  acknowledged it; going beyond it breaks the compression context, hence a
  connection error.
* Flow control, receiving. A stream starts with ``initial_window_size``
  (SETTINGS_INITIAL_WINDOW_SIZE); the connection window is raised to
  ``connection_window_size`` right after the preface. Windows are reopened only
  as the caller consumes body bytes (``consume``), and only so far that the
  unconsumed bytes plus the open window stay within ``max_buffered_bytes_per_stream`` (per
  stream) and ``connection_window_size`` (all streams): a server cannot make us
  hold more, since sending beyond a window is a flow-control error. A
  WINDOW_UPDATE is sent once at least half of such a bound can be given back, so
  a stream's window grows from ``initial_window_size`` to
  ``max_buffered_bytes_per_stream`` with its first update, and a download costs
  one update per half bound, never one per frame. The unconsumed bytes of a reset
  stream go back to the connection at once; DATA that arrives after we reset a
  stream is given back by ``h2`` itself (batched too); padding-only frames are
  given back without an event. A stream whose response ended is forgotten once
  all its data is consumed (or it is reset).
* Flow control, sending. ``send_data`` queues what fits now and returns that
  number; at 0 the caller waits until a ``receive_data`` call reports
  ``windows_opened`` and asks ``local_flow_control_window`` again.
* GOAWAY frames are taken out by the scanner and never given to ``h2``, which
  would refuse every later frame, also for the streams the server still answers.
  ``H2ConnectionTerminated.last_stream_id`` tells the caller which streams were
  not processed (above it: safe to retry elsewhere); the others may complete. No
  stream is opened after it.
* Until the server's SETTINGS arrive, its MAX_CONCURRENT_STREAMS is taken to be
  100 (the lowest value RFC 9113 §6.5.2 recommends servers to allow).

Cost
----
Per received chunk: one ``struct`` call per frame in the scanner, one
``receive_data`` into ``h2`` (two around a GOAWAY), and per ``h2`` event a type
check, a dictionary lookup and a tuple; a response head is checked with a few
C-level passes over all its names and values. Window updates cost one ``h2``
call per half window, ``send_data`` one per frame (the server's
SETTINGS_MAX_FRAME_SIZE, 16 KiB by default). Almost all the time is ``h2``'s:
HPACK, its state machines, and, for every frame received, the ``repr`` it builds
for its trace log even when nothing logs (for a 16 KiB DATA frame that means
copying and hex-encoding the whole payload: about half of the cost of receiving
it).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Final, NamedTuple, TypeAlias

from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import (
    DataReceived,
    Event,
    InformationalResponseReceived,
    RemoteSettingsChanged,
    ResponseReceived,
    StreamEnded,
    StreamReset,
    TrailersReceived,
    WindowUpdated,
)
from h2.exceptions import H2Error, StreamClosedError
from h2.settings import SettingCodes, Settings

from darter._exceptions import LocalProtocolError, RemoteProtocolError

from ._hpack import HeaderBlockDecoder, HeaderBlockEncoder
from ._http2_frames import FrameError, FrameScanner, GoAway
from ._http2_headers import request_headers, response_head, response_trailers
from ._http11_parse import HeaderField

__all__ = [
    "CANCEL",
    "H2ConnectionTerminated",
    "H2Data",
    "H2Event",
    "H2ResponseHead",
    "H2StreamEnded",
    "H2StreamReset",
    "HTTP2Machine",
    "NO_ERROR",
    "PROTOCOL_ERROR",
    "REFUSED_STREAM",
]

# Error codes (RFC 9113 §7) used here.
NO_ERROR: Final = 0x0
PROTOCOL_ERROR: Final = 0x1
#: The server did not process the stream: it is safe to retry elsewhere (§8.7).
REFUSED_STREAM: Final = 0x7
CANCEL: Final = 0x8


class H2ResponseHead(NamedTuple):
    """The final (non-1xx) head of a response.

    ``headers`` holds ``(name, name, value)`` in the order received, without the
    ``:status`` pseudo-header field (HTTP/2 names are lower case, so the name as
    received and the lower-cased name are the same object).
    """

    stream_id: int
    status_code: int
    headers: list[HeaderField]


class H2Data(NamedTuple):
    """Response body bytes. Pass ``flow_controlled_length`` (which counts padding)
    to ``HTTP2Machine.consume`` once the bytes were handed to the user."""

    stream_id: int
    data: bytes
    flow_controlled_length: int


class H2StreamEnded(NamedTuple):
    """The response is complete; ``trailers`` as ``(name, name, value)``, ``[]`` if none."""

    stream_id: int
    trailers: list[HeaderField]


class H2StreamReset(NamedTuple):
    """The stream was reset: by the server (``by_peer``), or by us because its
    response was malformed, in which case ``reason`` says how (and ``error_code``
    is PROTOCOL_ERROR). ``error_code`` REFUSED_STREAM means the server did not
    process the request."""

    stream_id: int
    error_code: int
    by_peer: bool
    reason: str = ""


class H2ConnectionTerminated(NamedTuple):
    """The server sent GOAWAY, or closed the connection (``receive_data(b"")``).

    ``last_stream_id`` is the highest stream the server may have processed: streams
    above it were not, and may be retried on another connection. It is ``None``
    when the connection closed without a GOAWAY (nothing is known).
    """

    error_code: int
    last_stream_id: int | None
    additional_data: bytes


#: What ``HTTP2Machine.receive_data`` returns a list of.
H2Event: TypeAlias = (
    H2ResponseHead | H2Data | H2StreamEnded | H2StreamReset | H2ConnectionTerminated
)

_MAX_STREAM_ID: Final = 2**31 - 1
_MAX_WINDOW: Final = 2**31 - 1
_DEFAULT_WINDOW: Final = 65_535
#: MAX_CONCURRENT_STREAMS assumed until the server's SETTINGS arrive.
_ASSUMED_MAX_STREAMS: Final = 100

_new_tuple: Final = tuple.__new__  # builds a NamedTuple without its Python __new__


class _Stream:
    """What the machine tracks of one stream it opened."""

    __slots__ = ("informational", "recv_end", "sent_end", "trailers", "unconsumed", "window")

    def __init__(self, window: int, sent_end: bool) -> None:
        #: Our receive window as the server sees it.
        self.window = window
        #: Body bytes reported but not yet consumed by the caller.
        self.unconsumed = 0
        self.sent_end = sent_end
        self.recv_end = False
        self.informational = 0
        self.trailers: list[HeaderField] | None = None


class HTTP2Machine:
    """The client side of one HTTP/2 connection, without I/O.

    ``max_header_list_size`` bounds a received header block (decoded, as HPACK
    counts it, and encoded), ``max_continuation_frames`` the CONTINUATION frames
    after one HEADERS frame, ``max_informational_responses`` the 1xx heads per
    stream. ``initial_window_size`` is the receive window a stream starts with,
    ``max_buffered_bytes_per_stream`` bounds the received bytes of a stream that the
    caller has not consumed (its window grows up to it), and
    ``connection_window_size`` bounds them for all streams together.

    Raises ``ValueError`` if a limit is out of range: sizes must be positive,
    windows at most 2**31 - 1, ``initial_window_size`` at most
    ``max_buffered_bytes_per_stream``, ``connection_window_size`` at least 65535.
    """

    __slots__ = (
        "_closed",
        "_conn",
        "_conn_target",
        "_conn_threshold",
        "_conn_unconsumed",
        "_conn_window",
        "_eof",
        "_error",
        "_goaway",
        "_goaway_code",
        "_initial_window",
        "_initiated",
        "_max_informational",
        "_max_streams",
        "_next_id",
        "_open",
        "_scanner",
        "_settings_received",
        "_stream_target",
        "_stream_threshold",
        "_streams",
        "_windows_opened",
    )

    def __init__(
        self,
        *,
        max_header_list_size: int = 64 * 1024,
        max_continuation_frames: int = 16,
        max_buffered_bytes_per_stream: int = 4 * 1024 * 1024,
        initial_window_size: int = 1024 * 1024,
        connection_window_size: int = 16 * 1024 * 1024,
        max_informational_responses: int = 100,
    ) -> None:
        if (
            max_header_list_size < 1
            or max_continuation_frames < 0
            or max_informational_responses < 0
            or not 1 <= initial_window_size <= max_buffered_bytes_per_stream <= _MAX_WINDOW
            or not _DEFAULT_WINDOW <= connection_window_size <= _MAX_WINDOW
        ):
            raise ValueError("HTTP2Machine limits out of range (see its documentation)")
        self._max_informational = max_informational_responses
        self._initial_window = initial_window_size
        self._stream_target = max_buffered_bytes_per_stream
        self._stream_threshold = max(1, max_buffered_bytes_per_stream // 2)
        self._conn_target = connection_window_size
        self._conn_threshold = connection_window_size // 2
        conn = H2Connection(
            H2Configuration(
                client_side=True,
                header_encoding=None,
                # Headers are built and checked in _http2_headers, once.
                validate_outbound_headers=False,
                normalize_outbound_headers=False,
                validate_inbound_headers=False,
                normalize_inbound_headers=False,
            )
        )
        conn.local_settings = Settings(
            client=True,
            initial_values={
                SettingCodes.ENABLE_PUSH: 0,
                SettingCodes.INITIAL_WINDOW_SIZE: initial_window_size,
                SettingCodes.MAX_HEADER_LIST_SIZE: max_header_list_size,
            },
        )
        # Enforced from the first frame, whether or not the server acknowledged it.
        # Ours have the interface h2 uses of hpack's coders (see _hpack), not their types.
        conn.encoder = HeaderBlockEncoder()  # type: ignore[assignment]
        conn.decoder = HeaderBlockDecoder(max_header_list_size)  # type: ignore[assignment]
        self._conn = conn
        self._streams: dict[int, _Stream] = {}
        self._open = 0  # streams counted against MAX_CONCURRENT_STREAMS
        self._next_id = 1
        self._max_streams = _ASSUMED_MAX_STREAMS
        self._settings_received = False
        self._conn_window = _DEFAULT_WINDOW
        self._conn_unconsumed = 0
        self._initiated = False
        self._closed = False
        self._eof = False
        self._error = ""
        self._goaway: int | None = None  # last_stream_id of the latest GOAWAY
        self._goaway_code = NO_ERROR
        self._windows_opened = False
        self._scanner = FrameScanner(max_header_list_size, max_continuation_frames)

    # ------------------------------------------------------------------ properties

    @property
    def is_usable(self) -> bool:
        """Whether new streams may be opened: no GOAWAY received or sent, the
        connection neither closed nor broken, and stream ids left."""
        return (
            self._goaway is None
            and not self._closed
            and not self._eof
            and not self._error
            and self._next_id <= _MAX_STREAM_ID
        )

    @property
    def remote_settings_received(self) -> bool:
        """Whether the server's first SETTINGS frame arrived (its limits are known)."""
        return self._settings_received

    @property
    def max_concurrent_streams(self) -> int:
        """The server's SETTINGS_MAX_CONCURRENT_STREAMS (100 until its SETTINGS arrive)."""
        return self._max_streams

    @property
    def available_streams(self) -> int:
        """How many more streams may be opened now: the server's limit minus the
        streams open; 0 when the connection is not usable."""
        if not self.is_usable:
            return 0
        ids_left = (_MAX_STREAM_ID - self._next_id) // 2 + 1
        return max(0, min(self._max_streams - self._open, ids_left))

    @property
    def open_streams(self) -> int:
        """Streams counted against MAX_CONCURRENT_STREAMS: not yet ended by both
        sides, nor reset."""
        return self._open

    @property
    def windows_opened(self) -> bool:
        """Whether the last ``receive_data`` call opened send windows (a
        WINDOW_UPDATE, or a larger SETTINGS_INITIAL_WINDOW_SIZE): senders waiting
        for window should look at ``local_flow_control_window`` again."""
        return self._windows_opened

    def local_flow_control_window(self, stream_id: int) -> int:
        """How many body bytes ``send_data`` could accept on the stream now (the
        smaller of the stream's and the connection's send window); 0 if the
        stream cannot carry body bytes (unknown, ended by us, reset) or the
        connection is closed."""
        stream = self._streams.get(stream_id)
        if stream is None or stream.sent_end or not self._alive():
            return 0
        return max(0, self._conn.local_flow_control_window(stream_id))

    def _alive(self) -> bool:
        return not (self._closed or self._eof or self._error)

    # --------------------------------------------------------------------- sending

    def initiate(self) -> None:
        """Queue the client preface and our SETTINGS (ENABLE_PUSH=0,
        INITIAL_WINDOW_SIZE, MAX_HEADER_LIST_SIZE), and raise the connection
        window to ``connection_window_size``.

        Raises ``LocalProtocolError`` if called twice.
        """
        if self._initiated:
            raise LocalProtocolError("initiate() was already called.")
        self._initiated = True
        conn = self._conn
        conn.initiate_connection()
        increment = self._conn_target - _DEFAULT_WINDOW
        if increment:
            conn.increment_flow_control_window(increment)
            self._conn_window = self._conn_target

    def data_to_send(self) -> bytes:
        """Everything queued for the server, ``b""`` if nothing."""
        return self._conn.data_to_send()

    def start_request(
        self,
        method: bytes,
        scheme: bytes,
        authority: bytes,
        path: bytes,
        headers: Sequence[tuple[bytes, bytes]],
        end_stream: bool,
    ) -> int:
        """Open a stream with the request head; return its id.

        ``headers`` are HTTP/1-style fields, translated as ``request_headers`` in
        ``_http2_headers`` describes (pseudo-header fields first, lower-case names,
        Host as ``:authority``, connection-specific fields dropped). With
        ``end_stream`` the request has no body.

        Raises ``LocalProtocolError``, with nothing queued, if a field cannot be
        sent, if ``initiate`` was not called, or if no stream may be opened now
        (see ``available_streams``).
        """
        if not self._initiated:
            raise LocalProtocolError("start_request() called before initiate().")
        if self.available_streams <= 0:
            raise LocalProtocolError(
                "Cannot open a stream on this connection now: " + self._why_no_stream()
            )
        fields = request_headers(method, scheme, authority, path, headers)
        stream_id = self._next_id
        try:
            self._conn.send_headers(stream_id, fields, end_stream=end_stream)
        except H2Error as exc:  # pragma: no cover - the checks above prevent it
            raise LocalProtocolError(f"Cannot open a stream: {exc}") from exc
        self._next_id = stream_id + 2
        self._streams[stream_id] = _Stream(self._initial_window, end_stream)
        self._open += 1
        return stream_id

    def _why_no_stream(self) -> str:
        if self._error:
            return f"it failed ({self._error})."
        if self._eof:
            return "the server closed it."
        if self._closed:
            return "it was closed."
        if self._goaway is not None:
            return "the server sent GOAWAY."
        if self._next_id > _MAX_STREAM_ID:
            return "its stream ids are exhausted."
        return (
            f"{self._open} streams are open and the server allows "
            f"{self._max_streams} (wait until available_streams > 0)."
        )

    def send_data(self, stream_id: int, data: bytes | memoryview, end_stream: bool = False) -> int:
        """Queue as much of ``data`` as flow control and the frame size allow now;
        return how many bytes were taken (0 when the window is closed: wait for
        ``windows_opened``). With ``end_stream``, the stream is also ended if all
        of ``data`` was taken.

        Raises ``LocalProtocolError`` if the stream is unknown, reset, already
        ended by us, or the connection is closed.
        """
        stream = self._sending_stream(stream_id, "send data on")
        size = len(data)
        conn = self._conn
        taken = min(size, conn.local_flow_control_window(stream_id)) if size else 0
        if taken < 0:  # a server lowering SETTINGS_INITIAL_WINDOW_SIZE can make it so
            taken = 0
        end = end_stream and taken == size
        frame = conn.max_outbound_frame_size
        if taken <= frame:
            if taken or end:
                conn.send_data(stream_id, data if taken == size else data[:taken], end_stream=end)
        else:
            view = memoryview(data)
            for start in range(0, taken, frame):
                stop = min(start + frame, taken)
                conn.send_data(stream_id, view[start:stop], end_stream=end and stop == taken)
        if end:
            self._ended_sending(stream_id, stream)
        return taken

    def end_stream(self, stream_id: int) -> None:
        """End the request body (an empty DATA frame with END_STREAM).

        Raises ``LocalProtocolError`` if the stream is unknown, reset, already
        ended by us, or the connection is closed.
        """
        stream = self._sending_stream(stream_id, "end")
        self._conn.end_stream(stream_id)
        self._ended_sending(stream_id, stream)

    def _sending_stream(self, stream_id: int, what: str) -> _Stream:
        stream = self._streams.get(stream_id)
        if stream is None or stream.sent_end or not self._alive():
            reason = (
                "the connection is closed"
                if not self._alive()
                else "it is not open"
                if stream is None
                else "the request was already ended"
            )
            raise LocalProtocolError(f"Cannot {what} stream {stream_id}: {reason}.")
        return stream

    def _ended_sending(self, stream_id: int, stream: _Stream) -> None:
        stream.sent_end = True
        if stream.recv_end:
            self._open -= 1
            if not stream.unconsumed:
                del self._streams[stream_id]

    def reset_stream(self, stream_id: int, error_code: int = CANCEL) -> None:
        """Reset a stream (RST_STREAM, CANCEL by default), for example because the
        user closed the response early. Its unconsumed bytes are given back to the
        connection window, and later ``consume`` calls for it are ignored.

        Does nothing if the stream is unknown or already reset, and sends nothing if
        both sides had ended it or the connection is closed.
        """
        stream = self._streams.get(stream_id)
        if stream is None:
            return
        if not (stream.sent_end and stream.recv_end) and self._alive():
            self._conn.reset_stream(stream_id, error_code)
        self._drop(stream_id, stream)

    def close(self, error_code: int = NO_ERROR) -> None:
        """Queue a GOAWAY: the machine is done, bytes received afterwards are
        ignored. Does nothing if the connection is already closed or broken."""
        if self._alive() and self._initiated:
            self._conn.close_connection(error_code)
        self._closed = True

    # ------------------------------------------------------------------- receiving

    def receive_data(self, data: bytes) -> list[H2Event]:
        """Give the machine bytes read from the connection; return the events.

        ``b""`` means the server closed the connection: the result is one
        ``H2ConnectionTerminated`` (with the last GOAWAY's ``last_stream_id`` if
        there was one, else ``None``); later calls with ``b""`` return ``[]``.
        Bytes received after ``close()`` are ignored. Write ``data_to_send()``
        afterwards: receiving may queue acknowledgements and window updates.

        Raises ``RemoteProtocolError`` when the server broke the protocol in a way
        that ends the connection (a GOAWAY is queued; events of this call are lost;
        every later call raises again), and ``LocalProtocolError`` if called before
        ``initiate`` or with bytes after the EOF.
        """
        if self._error:
            raise RemoteProtocolError(f"The connection is unusable after an error ({self._error})")
        if not data:
            return self._receive_eof()
        if self._eof:
            raise LocalProtocolError("receive_data() was given bytes after the EOF.")
        if self._closed:
            return []
        if not self._initiated:
            raise LocalProtocolError("receive_data() called before initiate().")
        self._windows_opened = False
        out: list[H2Event] = []
        try:
            self._receive(data, out)
        except H2Error as exc:
            self._error = f"The server broke the HTTP/2 protocol: {exc}"
            raise RemoteProtocolError(self._error) from exc
        return out

    def _receive_eof(self) -> list[H2Event]:
        if self._eof or self._closed:
            self._eof = True
            return []
        self._eof = True
        return [_new_tuple(H2ConnectionTerminated, (self._goaway_code, self._goaway, b""))]

    def _receive(self, data: bytes, out: list[H2Event]) -> None:
        conn = self._conn
        translate = self._translate
        try:
            parts = self._scanner.scan(data)
        except FrameError as exc:
            self._error = str(exc)
            conn.close_connection(exc.error_code)
            raise
        for part in parts:
            if isinstance(part, GoAway):
                last = part.last_stream_id
                if self._goaway is not None and self._goaway < last:
                    last = self._goaway  # it may only decrease
                self._goaway = last
                self._goaway_code = part.error_code
                out.append(
                    _new_tuple(
                        H2ConnectionTerminated, (part.error_code, last, part.additional_data)
                    )
                )
            else:
                translate(conn.receive_data(part), out)

    # ---------------------------------------------------------------- h2's events

    def _translate(self, events: Sequence[Event], out: list[H2Event]) -> None:
        """Turn h2's events into ours, checking headers and keeping the books."""
        streams = self._streams
        for event in events:
            if isinstance(event, DataReceived):
                self._on_data(event, out)
            elif isinstance(event, ResponseReceived):
                self._on_head(event.stream_id, event.headers, out)
            elif isinstance(event, StreamEnded):
                stream_id = event.stream_id
                stream = streams.get(stream_id)
                if stream is None:
                    continue
                stream.recv_end = True
                if stream.sent_end:
                    self._open -= 1
                    if not stream.unconsumed:
                        del streams[stream_id]
                trailers = stream.trailers
                out.append(
                    _new_tuple(H2StreamEnded, (stream_id, [] if trailers is None else trailers))
                )
            elif isinstance(event, WindowUpdated):
                self._windows_opened = True
            elif isinstance(event, TrailersReceived):
                self._on_trailers(event, out)
            elif isinstance(event, InformationalResponseReceived):
                self._on_head(event.stream_id, event.headers, out)
            elif isinstance(event, StreamReset):
                stream_id = event.stream_id
                stream = streams.get(stream_id)
                if stream is not None:
                    self._drop(stream_id, stream)
                    code = int(event.error_code)
                    out.append(
                        _new_tuple(H2StreamReset, (stream_id, code, event.remote_reset, ""))
                    )
            elif isinstance(event, RemoteSettingsChanged):
                self._on_settings(event)
            # Other events need nothing: h2 answers PINGs and SETTINGS itself, and
            # priority, ALTSVC and unknown frames are ignored.

    def _on_data(self, event: DataReceived, out: list[H2Event]) -> None:
        stream_id = event.stream_id
        size = event.flow_controlled_length
        self._conn_window -= size
        stream = self._streams.get(stream_id)
        if stream is None:
            # Reset by us earlier in this same batch: nobody will consume it.
            self._give_back(stream_id, None)
            return
        stream.window -= size
        data = event.data
        if data:
            stream.unconsumed += size
            self._conn_unconsumed += size
            out.append(_new_tuple(H2Data, (stream_id, data, size)))
        elif size:
            # Padding only: nothing for the caller to consume. The connection gets
            # it back now; the stream with its next consume() (a later frame of this
            # batch may have closed the stream in h2 already).
            self._give_back(stream_id, None)

    def _on_head(
        self,
        stream_id: int,
        fields: Sequence[tuple[bytes, bytes]],
        out: list[H2Event],
    ) -> None:
        """A response head, final or 1xx."""
        stream = self._streams.get(stream_id)
        if stream is None:
            return
        try:
            code, headers = response_head(fields)
        except RemoteProtocolError as exc:
            self._reject(stream_id, stream, str(exc), out)
            return
        if code >= 200:
            out.append(_new_tuple(H2ResponseHead, (stream_id, code, headers)))
            return
        stream.informational += 1
        if stream.informational > self._max_informational:
            self._reject(
                stream_id,
                stream,
                f"The server sent more than {self._max_informational} informational (1xx) "
                f"responses; pass a larger max_informational_responses to accept them.",
                out,
            )

    def _on_trailers(self, event: TrailersReceived, out: list[H2Event]) -> None:
        stream_id = event.stream_id
        stream = self._streams.get(stream_id)
        if stream is None:
            return
        try:
            stream.trailers = response_trailers(event.headers)
        except RemoteProtocolError as exc:
            self._reject(stream_id, stream, str(exc), out)

    def _on_settings(self, event: RemoteSettingsChanged) -> None:
        self._settings_received = True
        changed = event.changed_settings
        setting = changed.get(SettingCodes.MAX_CONCURRENT_STREAMS)
        if setting is not None:
            self._max_streams = setting.new_value
        setting = changed.get(SettingCodes.INITIAL_WINDOW_SIZE)
        if setting is not None and setting.new_value > (setting.original_value or 0):
            self._windows_opened = True

    def _reject(self, stream_id: int, stream: _Stream, reason: str, out: list[H2Event]) -> None:
        """Reset a stream whose response is malformed (a stream error, RFC 9113
        §8.1.1) and report it."""
        with suppress(StreamClosedError):  # a later frame of this batch ended it
            self._conn.reset_stream(stream_id, PROTOCOL_ERROR)
        self._drop(stream_id, stream)
        out.append(_new_tuple(H2StreamReset, (stream_id, PROTOCOL_ERROR, False, reason)))

    # ----------------------------------------------------------------- flow control

    def consume(self, stream_id: int, flow_controlled_length: int) -> bool:
        """The caller handed this much body (an ``H2Data.flow_controlled_length``,
        or several added up) to the user: give it back to the server as window,
        in batches (see the module docs). Ignored for a stream that was reset.

        Return whether a WINDOW_UPDATE was queued (``data_to_send`` has it).

        Raises ``LocalProtocolError`` if more is consumed than was received.
        """
        stream = self._streams.get(stream_id)
        if stream is None:
            return False
        if not 0 <= flow_controlled_length <= stream.unconsumed:
            raise LocalProtocolError(
                f"Cannot consume {flow_controlled_length} bytes of stream {stream_id}: "
                f"{stream.unconsumed} were received and not consumed."
            )
        stream.unconsumed -= flow_controlled_length
        self._conn_unconsumed -= flow_controlled_length
        if stream.recv_end and stream.sent_end and not stream.unconsumed:
            del self._streams[stream_id]
        return self._give_back(stream_id, stream)

    def _give_back(self, stream_id: int, stream: _Stream | None) -> bool:
        """Queue the WINDOW_UPDATEs that are due: once at least half of a bound can
        be given back (bound = unconsumed bytes + open window). Return whether
        one was queued."""
        if not self._alive():
            return False
        queued = False
        conn = self._conn
        due = self._conn_target - self._conn_unconsumed - self._conn_window
        if due >= self._conn_threshold:
            conn.increment_flow_control_window(due)
            self._conn_window += due
            queued = True
        if stream is not None and not stream.recv_end:
            due = self._stream_target - stream.unconsumed - stream.window
            if due >= self._stream_threshold:
                conn.increment_flow_control_window(due, stream_id)
                stream.window += due
                queued = True
        return queued

    def _drop(self, stream_id: int, stream: _Stream) -> None:
        """Forget a reset stream; give its unconsumed bytes back to the connection."""
        del self._streams[stream_id]
        if not (stream.sent_end and stream.recv_end):
            self._open -= 1
        if stream.unconsumed:
            self._conn_unconsumed -= stream.unconsumed
            stream.unconsumed = 0
            self._give_back(stream_id, None)
