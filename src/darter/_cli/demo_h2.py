"""The HTTP/2 side of the demo server: h2's state machine over asyncio streams.

One coroutine reads the connection and feeds h2; each request, once complete, is
answered by a task of its own, so streams are answered concurrently. Response
bodies are sent within the client's flow control windows: a task with no window
left waits until a ``WINDOW_UPDATE`` (or new settings) arrives.
"""

from __future__ import annotations

import asyncio
import contextlib

import h2.config
import h2.connection
import h2.events
import h2.exceptions

from .demo_server import Routes

__all__ = ["serve_h2"]


async def _send_data(
    connection: h2.connection.H2Connection,
    writer: asyncio.StreamWriter,
    stream_id: int,
    data: bytes,
    window_opened: asyncio.Event,
) -> None:
    view = memoryview(data)
    while view:
        size = min(
            connection.local_flow_control_window(stream_id),
            connection.max_outbound_frame_size,
            len(view),
        )
        if size <= 0:
            window_opened.clear()
            await window_opened.wait()
            continue
        connection.send_data(stream_id, view[:size].tobytes())
        writer.write(connection.data_to_send())
        view = view[size:]


async def _respond(
    routes: Routes,
    connection: h2.connection.H2Connection,
    writer: asyncio.StreamWriter,
    stream_id: int,
    headers: dict[str, str],
    body: bytes,
    window_opened: asyncio.Event,
) -> None:
    method = headers.get(":method", "GET")
    fields = {name: value for name, value in headers.items() if not name.startswith(":")}
    reply = routes.handle(method, headers.get(":path", "/"), fields, body, "HTTP/2")
    response_headers = [
        (":status", str(reply.status)),
        *reply.headers,
        ("content-length", str(reply.content_length)),
        ("server", "darter-demo"),
    ]
    has_body = method != "HEAD" and reply.content_length > 0
    with contextlib.suppress(h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
        connection.send_headers(stream_id, response_headers, end_stream=not has_body)
        writer.write(connection.data_to_send())
        if not has_body:
            return
        await _send_data(connection, writer, stream_id, reply.body, window_opened)
        if reply.chunks is not None:
            async for chunk in reply.chunks:
                await _send_data(connection, writer, stream_id, chunk, window_opened)
        connection.end_stream(stream_id)
        writer.write(connection.data_to_send())


async def serve_h2(
    routes: Routes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Serve one HTTP/2 connection until the client closes it or sends GOAWAY."""
    config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
    connection = h2.connection.H2Connection(config=config)
    connection.initiate_connection()
    writer.write(connection.data_to_send())
    pending: dict[int, tuple[dict[str, str], bytearray]] = {}
    tasks: set[asyncio.Task[None]] = set()
    window_opened = asyncio.Event()
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                return
            try:
                events = connection.receive_data(data)
            except h2.exceptions.ProtocolError:
                writer.write(connection.data_to_send())  # the GOAWAY h2 prepared
                return
            for event in events:
                if isinstance(event, h2.events.RequestReceived):
                    headers = {str(name): str(value) for name, value in event.headers or ()}
                    pending[event.stream_id] = (headers, bytearray())
                elif isinstance(event, h2.events.DataReceived):
                    if event.stream_id in pending:
                        pending[event.stream_id][1].extend(event.data or b"")
                    connection.acknowledge_received_data(
                        event.flow_controlled_length or 0, event.stream_id
                    )
                elif isinstance(event, h2.events.StreamEnded) and event.stream_id in pending:
                    headers, body = pending.pop(event.stream_id)
                    task = asyncio.ensure_future(
                        _respond(
                            routes,
                            connection,
                            writer,
                            event.stream_id,
                            headers,
                            bytes(body),
                            window_opened,
                        )
                    )
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                elif isinstance(event, (h2.events.WindowUpdated, h2.events.RemoteSettingsChanged)):
                    window_opened.set()
                elif isinstance(event, h2.events.StreamReset):
                    pending.pop(event.stream_id, None)
                    window_opened.set()  # a task sending on that stream wakes up and stops
                elif isinstance(event, h2.events.ConnectionTerminated):
                    return
            writer.write(connection.data_to_send())
            await writer.drain()
    finally:
        for task in tasks:
            task.cancel()
