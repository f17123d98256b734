"""One HTTP/1.1 connection: moves bytes between a backend stream and the HTTP/1.1 machine.

All HTTP decisions (framing, validation, keep-alive) are the machine's; this shell
only writes what the machine produced, reads when it needs data, and tells the pool
when the connection is free again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from .._config import DEFAULT_RESPONSE_LIMITS, ResponseLimits
from .._exceptions import WriteError
from .._models._headers import Headers
from .._models._request import Request
from .._models._response import Response
from .._protocol.deadline import phase_timeout
from .._protocol.http11 import NEED_DATA, RESPONSE_END, HTTP11Machine, ResponseHead
from .._streams import AsyncByteStream, BufferedBody, ByteStream
from ..backends.base import AsyncNetworkStream

__all__ = ["AsyncHTTP11Connection"]

#: Bytes asked of the network per read.
READ_SIZE = 64 * 1024
#: Request bodies up to this size go out in the same write as the head (one copy).
JOIN_LIMIT = 64 * 1024

# Awaited in the async shell, called in the sync one.
Timeouts = dict[str, float | None]

Release = Callable[["AsyncHTTP11Connection", bool], Any]


class AsyncHTTP11Connection:
    """An HTTP/1.1 connection to one origin, serving one request at a time."""

    __slots__ = ("_machine", "_release", "_stream", "idle_since", "origin", "requests_served")

    def __init__(
        self,
        origin: Hashable,
        stream: AsyncNetworkStream,
        release: Release,
        limits: ResponseLimits = DEFAULT_RESPONSE_LIMITS,
    ) -> None:
        self.origin = origin
        self.idle_since = 0.0
        self.requests_served = 0
        self._stream = stream
        self._release = release
        self._machine = HTTP11Machine(**limits.http11_options())

    #: One request at a time (see ``PooledConnection``).
    is_multiplexed = False
    can_take_streams = False
    max_concurrent_streams = 1

    @property
    def http_version(self) -> str:
        """The protocol this connection speaks."""
        return "HTTP/1.1"

    @property
    def response_started(self) -> bool:
        """Whether any byte of the current response has arrived."""
        return self._machine.response_started

    def is_dropped(self, thorough: bool) -> bool:
        """Is this idle connection unusable: closed by the server, or holding bytes
        nobody asked for (never to be read as the next response, RFC 9112 §6.3)?

        Free where the backend learns of data and EOF by callback (asyncio); one
        zero-timeout ``poll()`` elsewhere, and wherever ``thorough`` asks for
        certainty (before a request that could not be retried).
        """
        stream = self._stream
        if stream.reports_readiness and not thorough:
            return stream.peer_closed
        return stream.is_readable()

    async def handle_async_request(
        self,
        request: Request,
        target: bytes,
        timeouts: dict[str, float | None],
        extra_headers: list[tuple[bytes, bytes]],
    ) -> Response:
        """Send ``request`` and return the response once its head has arrived.

        ``extra_headers`` are sent after the request's own (a forwarding proxy's).
        The body is read as the response is consumed; when it ends the connection is
        handed back to the pool. Raises the transport errors of the backend and the
        protocol errors of the machine; the caller closes the connection on error.
        """
        self.requests_served += 1
        try:
            await self._send_request(request, target, extra_headers, timeouts)
        except WriteError:
            # The server may have answered early (e.g. 413) and closed: prefer its
            # response to the write error when there is one.
            if not self._machine.response_started:
                await self._receive_some(timeouts, raise_on_error=False)
            if not self._machine.response_started:
                raise
        return await self._receive_response(timeouts)

    async def _send_request(
        self,
        request: Request,
        target: bytes,
        extra_headers: list[tuple[bytes, bytes]],
        timeouts: Timeouts,
    ) -> None:
        machine = self._machine
        headers = request.headers.raw
        if extra_headers:
            headers += extra_headers
        head = machine.send_request(request.method.encode("ascii"), target, headers)
        body = request.stream
        if type(body) is ByteStream:
            content = body._stream
            framed = machine.send_body(content) if content else b""
            tail = machine.end_request()
            if len(framed) <= JOIN_LIMIT:
                # Head and body in one write: one system call, one TCP segment when small.
                payload = head + framed + tail
                await self._stream.write(payload, phase_timeout(timeouts, "write"))
                return
            # A large body is written as it is: joining it to the head would copy it.
            await self._stream.write(head, phase_timeout(timeouts, "write"))
            await self._stream.write(framed, phase_timeout(timeouts, "write"))
            if tail:
                await self._stream.write(tail, phase_timeout(timeouts, "write"))
            return
        await self._stream.write(head, phase_timeout(timeouts, "write"))
        if not isinstance(body, AsyncByteStream):
            raise RuntimeError("Attempted to send a sync request body with an AsyncClient.")
        chunks: Any = body.__aiter__()
        try:
            async for chunk in chunks:
                if chunk:
                    framed = machine.send_body(chunk)
                    await self._stream.write(framed, phase_timeout(timeouts, "write"))
        finally:
            # A generator left half-way (the write failed) is closed now, not whenever.
            await _close_iterator(chunks)
        tail = machine.end_request()
        if tail:
            await self._stream.write(tail, phase_timeout(timeouts, "write"))

    async def _receive_some(self, timeouts: Timeouts, raise_on_error: bool = True) -> None:
        try:
            data = await self._stream.read(READ_SIZE, phase_timeout(timeouts, "read"))
        except Exception:
            if raise_on_error:
                raise
            return
        self._machine.receive_data(data)

    async def _receive_response(self, timeouts: Timeouts) -> Response:
        machine = self._machine
        event = machine.next_event()
        while event is NEED_DATA:
            await self._receive_some(timeouts)
            event = machine.next_event()
        assert isinstance(event, ResponseHead)
        head = event

        # Whatever of the body already arrived with the head is taken now; if that is
        # all of it, the connection goes back to the pool before the caller even reads.
        chunks: list[bytes] = []
        event = machine.next_event()
        while isinstance(event, bytes):
            chunks.append(event)
            event = machine.next_event()
        if event is RESPONSE_END:
            await self._release(self, machine.is_reusable)
            stream: AsyncByteStream = BufferedBody(chunks)
        else:
            stream = AsyncResponseStream(self, chunks, timeouts)

        return Response(
            head.status_code,
            headers=Headers._from_fields(head.headers),
            stream=stream,
            extensions={
                "http_version": head.http_version,
                "reason_phrase": head.reason,
                "network_stream": self._stream,
            },
        )

    async def _next_body_event(self, timeouts: Timeouts) -> bytes | None:
        """The next piece of body, or ``None`` at its end (the connection is then released)."""
        machine = self._machine
        event = machine.next_event()
        while event is NEED_DATA:
            await self._receive_some(timeouts)
            event = machine.next_event()
        if event is RESPONSE_END:
            await self._release(self, machine.is_reusable)
            return None
        assert isinstance(event, bytes)
        return event

    def prepare_for_reuse(self) -> bool:
        """Reset the machine for the next request; False if the connection cannot be reused."""
        if not self._machine.is_reusable:
            return False
        self._machine.start_next_cycle()
        return True

    async def aclose(self) -> None:
        """Close the connection. Never raises."""
        await self._stream.aclose()


class AsyncResponseStream(AsyncByteStream):
    """A response body still arriving on its connection.

    Reading it to the end hands the connection back to the pool; closing it earlier
    closes the connection, since the rest of the body would still be in the way.
    """

    __slots__ = ("_chunks", "_connection", "_done", "_timeouts")

    def __init__(
        self, connection: AsyncHTTP11Connection, chunks: list[bytes], timeouts: Timeouts
    ) -> None:
        self._connection = connection
        self._chunks = chunks
        self._timeouts = timeouts
        self._done = False

    async def __aiter__(self) -> Any:
        for chunk in self._chunks:
            yield chunk
        self._chunks = []
        connection = self._connection
        while not self._done:
            piece = await connection._next_body_event(self._timeouts)
            if piece is None:
                self._done = True
                return
            yield piece

    async def aclose(self) -> None:
        if not self._done:
            self._done = True
            await self._connection._release(self._connection, False)


async def _close_iterator(iterator: Any) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()
