"""One HTTP/2 connection: many concurrent requests over one backend stream.

No background task reads the socket: a request that needs an event becomes the
reader if nobody is reading, reads once, and files every event it got under its
stream, waking the request waiting on that stream; the requests that needed an
event while someone was reading wait on an event of their own. When the reader is
done, the requests whose streams got events go on, and one of those still waiting
(if any) is woken to read next. So one chunk read from the network wakes every
request it answers at once, instead of handing a lock from one to the next. Writes
(and the ``HTTP2Machine`` calls that produce them, whose order matters for stream
ids and HPACK) hold the write lock. The same code runs on asyncio, trio, anyio and
threads (where a plain lock guards the reader's bookkeeping).
"""

from __future__ import annotations

# sync-only: import threading
from collections import deque
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager, nullcontext  # async-only
from typing import Any

from .._config import DEFAULT_RESPONSE_LIMITS, ResponseLimits
from .._exceptions import NetworkError, ReadTimeout, RemoteProtocolError, WriteTimeout
from .._models._headers import Headers
from .._models._request import Request
from .._models._response import Response
from .._protocol.deadline import phase_timeout
from .._protocol.http2 import (
    REFUSED_STREAM,
    H2ConnectionTerminated,
    H2Data,
    H2Event,
    H2ResponseHead,
    H2StreamEnded,
    H2StreamReset,
    HTTP2Machine,
)
from .._protocol.pool import RequestNotProcessed
from .._streams import AsyncByteStream, ByteStream
from ..backends.base import AsyncBackend, AsyncEvent, AsyncNetworkStream

__all__ = ["AsyncHTTP2Connection"]

#: Bytes asked of the network per read.
READ_SIZE = 64 * 1024

Timeouts = dict[str, float | None]
_NO_TIMEOUTS: Timeouts = {}

# Awaited in the async shell, called in the sync one.
ReleaseStream = Callable[["AsyncHTTP2Connection"], Any]


class AsyncHTTP2Connection:
    """An HTTP/2 connection to one origin, serving many requests at once."""

    #: Many requests at a time (see ``PooledConnection``).
    is_multiplexed = True

    def __init__(
        self,
        origin: Hashable,
        stream: AsyncNetworkStream,
        release: ReleaseStream,
        backend: AsyncBackend,
        limits: ResponseLimits = DEFAULT_RESPONSE_LIMITS,
    ) -> None:
        self.origin = origin
        self.idle_since = 0.0
        self.requests_served = 0
        self._stream = stream
        self._release = release
        self._machine = HTTP2Machine(
            max_header_list_size=limits.max_http2_header_list_size,
            max_informational_responses=limits.max_informational_responses,
        )
        self._events: dict[int, deque[H2Event]] = {}
        self._error: BaseException | None = None
        self._backend = backend
        self._write_lock = backend.create_lock()
        # Whether a request is reading, and who waits meanwhile: by stream, and
        # those waiting for any chunk (the server's SETTINGS, a free stream).
        self._reading = False
        # Whether the reader is blocked on the network (or about to be), and
        # whether request heads were queued since the last write.
        self._read_started = False
        self._unsent = False
        self._stream_waiters: dict[int, AsyncEvent] = {}
        self._chunk_waiters: list[AsyncEvent] = []
        # Guards the three above between threads; tasks need no guard.
        self._state_lock: AbstractContextManager[Any] = nullcontext()  # async-only
        # sync-only: self._state_lock = threading.Lock()

    @property
    def http_version(self) -> str:
        """The protocol this connection speaks."""
        return "HTTP/2"

    @property
    def can_take_streams(self) -> bool:
        """Whether new requests may start here (no GOAWAY, no failure)."""
        return self._error is None and self._machine.is_usable

    @property
    def max_concurrent_streams(self) -> int:
        """The server's limit on concurrent requests."""
        return self._machine.max_concurrent_streams

    response_started = False

    def is_dropped(self, thorough: bool) -> bool:
        """Whether the connection is known to be unusable."""
        return not self.can_take_streams

    async def start(self, timeout: float | None) -> None:
        """Send the connection preface and our SETTINGS, and read the server's.

        Waiting for the server's SETTINGS (one round trip, once per connection)
        means its limit on concurrent streams is known before any request counts
        on it.
        """
        timeouts = {"read": timeout, "write": timeout}
        async with self._write_lock:
            self._machine.initiate()
            await self._flush(timeouts)
        while not self._machine.remote_settings_received:
            await self._read_once(None, timeouts)

    async def _flush(self, timeouts: Timeouts) -> None:
        # Called with the write lock held.
        self._unsent = False
        data = self._machine.data_to_send()
        if data:
            await self._stream.write(data, phase_timeout(timeouts, "write"))

    async def _flush_unsent(self, timeouts: Timeouts) -> None:
        """Send the request heads queued without a write of their own, if any."""
        if self._unsent:
            async with self._write_lock:
                await self._flush(timeouts)

    async def handle_async_request(
        self,
        request: Request,
        target: bytes,
        timeouts: dict[str, float | None],
        extra_headers: list[tuple[bytes, bytes]],
    ) -> Response:
        """Send ``request`` on a new stream; return the response once its head arrived.

        Raises ``RequestNotProcessed`` when the server refused the stream or went
        away before processing it (safe to retry elsewhere), and the read, write and
        protocol errors of the exchange. The stream is released on every outcome.
        """
        self.requests_served += 1
        body = request.stream
        empty = type(body) is ByteStream and not body._stream
        try:
            # The pool admits requests by the server's limit; should the server lower
            # it since, wait for a stream to end rather than fail.
            stream_id = await self._open_stream(request, target, empty, timeouts)
        except BaseException:
            await self._release(self)
            raise
        try:
            if not empty:
                await self._send_body(stream_id, body, timeouts)
            head = await self._receive_head(stream_id, timeouts)
        except BaseException:
            await self._abandon(stream_id)
            raise
        trailers = Headers()
        return Response(
            head.status_code,
            headers=Headers._from_fields(head.headers),
            stream=AsyncHTTP2ResponseStream(self, stream_id, timeouts, trailers),
            extensions={
                "http_version": b"HTTP/2",
                "network_stream": self._stream,
                "stream_id": stream_id,
                "trailers": trailers,
            },
        )

    async def _open_stream(
        self, request: Request, target: bytes, empty: bool, timeouts: Timeouts
    ) -> int:
        """Start the request's stream; ``RequestNotProcessed`` if the connection went away.

        The pool admits requests by the server's limit; should the server lower it
        since, this waits for a stream to end rather than fail.
        """
        machine = self._machine
        url = request.url
        while True:
            while machine.available_streams <= 0:
                if not self.can_take_streams:
                    raise RequestNotProcessed("The connection went away before the request.")
                await self._read_once(None, timeouts, "pool")
            async with self._write_lock:
                # Checked again under the lock: a GOAWAY may have come meanwhile.
                if not self.can_take_streams:
                    raise RequestNotProcessed("The connection went away before the request.")
                if machine.available_streams <= 0:
                    continue
                stream_id = machine.start_request(
                    request.method.encode("ascii"),
                    url.raw_scheme,
                    url.netloc,
                    target,
                    request.headers.raw,
                    end_stream=empty,
                )
                self._events[stream_id] = deque()
                if empty:
                    # Sent by whoever reads next, with the heads of the other
                    # requests started meanwhile (see _read_and_dispatch).
                    self._unsent = True
                else:
                    await self._flush(timeouts)
                return stream_id

    async def _send_body(self, stream_id: int, body: Any, timeouts: Timeouts) -> None:
        if not isinstance(body, AsyncByteStream):
            raise RuntimeError("Attempted to send a sync request body with an AsyncClient.")
        machine = self._machine
        events = self._events[stream_id]
        chunks: Any = body.__aiter__()
        try:
            async for chunk in chunks:
                view = memoryview(chunk)
                while view:
                    if events:
                        # The server answered (or reset the stream) before the body was
                        # all sent (RFC 9113 §8.1): stop sending, read what it said.
                        return
                    async with self._write_lock:
                        taken = machine.send_data(stream_id, view)
                        await self._flush(timeouts)
                    view = view[taken:]
                    if view and machine.local_flow_control_window(stream_id) <= 0:
                        await self._wait_for_window(stream_id, timeouts)
        finally:
            await _close_iterator(chunks)
        async with self._write_lock:
            machine.end_stream(stream_id)
            await self._flush(timeouts)

    async def _wait_for_window(self, stream_id: int, timeouts: Timeouts) -> None:
        """Read until the server opens the send window, or says something on the stream."""
        machine = self._machine
        while machine.local_flow_control_window(stream_id) <= 0:
            if self._events[stream_id]:
                return
            try:
                await self._read_once(stream_id, timeouts, "write")
            except ReadTimeout:
                raise WriteTimeout(
                    "The server did not open its flow-control window within the write "
                    f"timeout ({timeouts.get('write')} s)."
                ) from None

    async def _receive_head(self, stream_id: int, timeouts: Timeouts) -> H2ResponseHead:
        event = await self._next_event(stream_id, timeouts)
        if isinstance(event, H2ResponseHead):
            return event
        raise self._stream_failure(event)

    async def _next_event(self, stream_id: int, timeouts: Timeouts) -> H2Event:
        events = self._events[stream_id]
        while not events:
            await self._read_once(stream_id, timeouts)
        return events.popleft()

    async def _read_once(
        self, stream_id: int | None, timeouts: Timeouts, phase: str = "read"
    ) -> None:
        """Read and dispatch one chunk; or, while another request reads, wait until
        it has filed an event for ``stream_id`` (any chunk when None), failed, or
        handed reading over."""
        waiter = self._claim_reading(stream_id)
        if waiter is not None:
            try:
                if self._read_started:
                    # The reader is past sending what was queued: send ours.
                    await self._flush_unsent(timeouts)
                await waiter.wait()
            except BaseException:
                self._forget_waiter(stream_id, waiter)
                raise
            return
        if stream_id is not None and self._events[stream_id]:
            self._release_reading()
            return
        try:
            await self._read_and_dispatch(stream_id, timeouts, phase)
        finally:
            self._release_reading()

    async def _read_and_dispatch(
        self, stream_id: int | None, timeouts: Timeouts, phase: str
    ) -> None:
        if self._error is not None:
            raise self._error
        if self._unsent:
            # Let the other requests that are ready to run queue their heads, so
            # that one write sends them all.
            await self._backend.sleep(0)
        self._read_started = True
        try:
            await self._flush_unsent(timeouts)
            data = await self._stream.read(READ_SIZE, phase_timeout(timeouts, phase))
        except NetworkError as exc:
            self._error = exc  # the connection is gone for every stream
            raise
        finally:
            self._read_started = False
        try:
            events = self._machine.receive_data(data)
        except RemoteProtocolError as exc:
            self._error = exc
            raise
        with self._state_lock:
            for event in events:
                self._dispatch(event)
        if not data and self._error is None:
            # Closed after a GOAWAY: streams it let finish can no longer do so.
            self._error = RemoteProtocolError(
                "The server closed the HTTP/2 connection before the response ended."
            )
        if data:
            async with self._write_lock:
                await self._flush(timeouts)
        failure = self._failure()
        if failure is not None and (stream_id is None or not self._events[stream_id]):
            raise failure

    def _claim_reading(self, stream_id: int | None) -> AsyncEvent | None:
        """Become the reader (None), or get the event to wait on while another reads."""
        with self._state_lock:
            if not self._reading:
                self._reading = True
                return None
            waiter = self._backend.create_event()
            if stream_id is None:
                self._chunk_waiters.append(waiter)
            elif self._events[stream_id]:
                waiter.set()  # filed since the caller looked
            else:
                self._stream_waiters[stream_id] = waiter
            return waiter

    def _release_reading(self) -> None:
        """Stop reading: wake those waiting for any chunk, and, if requests still
        wait for their streams, one of them to read next (all if the connection
        failed or flow-control windows opened: waits for a window are waits for a
        chunk)."""
        with self._state_lock:
            self._reading = False
            for waiter in self._chunk_waiters:
                waiter.set()
            self._chunk_waiters = []
            waiters = self._stream_waiters
            if not waiters:
                return
            if self._error is not None or self._machine.windows_opened:
                for waiter in waiters.values():
                    waiter.set()
                waiters.clear()
            else:
                self._wake_next_reader()

    def _wake_next_reader(self) -> None:
        """Wake the request that has waited longest for its stream: it reads next.
        Called with the state lock held, when nobody reads and someone waits."""
        waiters = self._stream_waiters
        waiters.pop(next(iter(waiters))).set()

    def _forget_waiter(self, stream_id: int | None, waiter: AsyncEvent) -> None:
        """A waiting request gave up (cancelled, say): if it had been chosen to read
        next, choose another."""
        with self._state_lock:
            if stream_id is None:
                if waiter in self._chunk_waiters:
                    self._chunk_waiters.remove(waiter)
                    return
            elif self._stream_waiters.get(stream_id) is waiter:
                del self._stream_waiters[stream_id]
                return
            if not self._reading and self._stream_waiters:
                self._wake_next_reader()

    def _failure(self) -> BaseException | None:
        """The error that broke the connection, if any."""
        return self._error

    def _dispatch(self, event: H2Event) -> None:
        if isinstance(event, H2ConnectionTerminated):
            last = event.last_stream_id
            for stream_id, events in self._events.items():
                if last is not None and stream_id > last:
                    events.append(H2StreamReset(stream_id, REFUSED_STREAM, True, "GOAWAY"))
                    waiter = self._stream_waiters.pop(stream_id, None)
                    if waiter is not None:
                        waiter.set()
            if last is None:
                self._error = RemoteProtocolError(
                    "The server closed the HTTP/2 connection"
                    + (f" (error code {event.error_code})." if event.error_code else ".")
                )
            return
        queue = self._events.get(event.stream_id)
        if queue is not None:
            queue.append(event)
            waiter = self._stream_waiters.pop(event.stream_id, None)
            if waiter is not None:
                waiter.set()
        elif isinstance(event, H2Data):
            # A stream we gave up on: give its window back.
            self._machine.consume(event.stream_id, event.flow_controlled_length)

    def _stream_failure(self, event: H2Event) -> BaseException:
        if isinstance(event, H2StreamReset):
            if event.error_code == REFUSED_STREAM:
                return RequestNotProcessed(
                    "The server refused the stream or went away before processing it."
                )
            if event.reason:
                return RemoteProtocolError(f"Malformed HTTP/2 response: {event.reason}")
            return RemoteProtocolError(
                f"The server reset the HTTP/2 stream (error code {event.error_code})."
            )
        return RemoteProtocolError(f"Unexpected HTTP/2 event {type(event).__name__}.")

    async def _abandon(self, stream_id: int) -> None:
        """Stop a stream early: reset it if still open, forget its events, release it."""
        try:
            if self._events.pop(stream_id, None) is not None and self._error is None:
                async with self._write_lock:
                    self._machine.reset_stream(stream_id)
                    await self._flush(_NO_TIMEOUTS)
        except Exception:  # the connection is failing anyway
            pass
        finally:
            await self._release(self)

    async def _finish(self, stream_id: int) -> None:
        self._events.pop(stream_id, None)
        await self._release(self)

    async def _consume(self, stream_id: int, size: int, timeouts: Timeouts) -> None:
        async with self._write_lock:
            if self._machine.consume(stream_id, size):
                await self._flush(timeouts)

    async def aclose(self) -> None:
        """Close the connection (with a GOAWAY when possible). Never raises."""
        try:
            self._machine.close()
            data = self._machine.data_to_send()
            if data and self._error is None:
                await self._stream.write(data, 0.1)
        except Exception:  # closing anyway
            pass
        await self._stream.aclose()


class AsyncHTTP2ResponseStream(AsyncByteStream):
    """The body of one HTTP/2 response; closing it early resets the stream."""

    def __init__(
        self,
        connection: AsyncHTTP2Connection,
        stream_id: int,
        timeouts: Timeouts,
        trailers: Headers,
    ) -> None:
        self._connection = connection
        self._stream_id = stream_id
        self._timeouts = timeouts
        self._trailers = trailers
        self._done = False

    async def __aiter__(self) -> Any:
        connection = self._connection
        while not self._done:
            event = await connection._next_event(self._stream_id, self._timeouts)
            if isinstance(event, H2Data):
                await connection._consume(
                    self._stream_id, event.flow_controlled_length, self._timeouts
                )
                if event.data:
                    yield event.data
            elif isinstance(event, H2StreamEnded):
                self._done = True
                self._trailers._list.extend(event.trailers)
                await connection._finish(self._stream_id)
            else:
                self._done = True
                await connection._finish(self._stream_id)
                raise connection._stream_failure(event)

    async def aclose(self) -> None:
        if not self._done:
            self._done = True
            await self._connection._abandon(self._stream_id)


async def _close_iterator(iterator: Any) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()
