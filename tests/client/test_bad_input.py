"""User mistakes are refused with a clear darter exception before anything is sent."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest

import darter
from tests.servers.scripted import ScriptedServer

pytestmark = pytest.mark.anyio


class Recorder:
    """A handler that records what each connection sent, then closes it."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.lock = threading.Lock()

    def __call__(self, conn: socket.socket) -> None:
        data = b""
        try:
            while chunk := conn.recv(65536):
                data += chunk
                if b"\r\n\r\n" in data:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                    break
        except OSError:
            pass
        with self.lock:
            self.received.append(data)


@pytest.fixture
def recorder(scripted) -> tuple[Recorder, ScriptedServer]:  # type: ignore[no-untyped-def]
    handler = Recorder()
    return handler, scripted(handler)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Bad": "value\r\nInjected: yes"},
        {"X-Bad": "value\nInjected: yes"},
        {"X-Bad": "value\x00"},
        {"X-Bad\r\nInjected": "yes"},
        {"X Bad": "yes"},
        {"": "empty name"},
    ],
)
async def test_bad_header_refused_before_sending(make_client, recorder, headers) -> None:  # type: ignore[no-untyped-def]
    handler, server = recorder
    async with make_client() as client:
        with pytest.raises(darter.LocalProtocolError):
            await client.get(server.url, headers=headers)
    assert b"Injected" not in b"".join(handler.received)
    assert all(data == b"" for data in handler.received)


async def test_non_ascii_header_name_is_refused(make_client, recorder) -> None:  # type: ignore[no-untyped-def]
    _, server = recorder
    async with make_client() as client:
        with pytest.raises(darter.LocalProtocolError) as info:
            await client.get(server.url, headers={"X-Caf\u00e9": "1"})
    assert isinstance(info.value, UnicodeEncodeError)
    assert server.connections == 0


@pytest.mark.parametrize("method", ["GET X", "GE\rT", "G\nET", "G\u00c9T", ""])
async def test_bad_method_refused(make_client, recorder, method: str) -> None:  # type: ignore[no-untyped-def]
    handler, server = recorder
    async with make_client() as client:
        with pytest.raises(darter.LocalProtocolError):
            await client.request(method, server.url)
    assert all(data == b"" for data in handler.received)


@pytest.mark.parametrize("path", ["/a b", "/a\r\nInjected: yes", "/a\nb", "/a\x00b"])
async def test_control_characters_in_url_never_reach_the_wire(
    make_client, recorder, path: str
) -> None:  # type: ignore[no-untyped-def]
    handler, server = recorder
    async with make_client() as client:
        with contextlib.suppress(darter.InvalidURL, darter.LocalProtocolError):
            await client.get(server.url + path)
    for data in handler.received:
        request_line = data.split(b"\r\n", 1)[0]
        assert b" " not in request_line.split(b" ", 1)[1].rsplit(b" ", 1)[0]
        assert b"Injected" not in data


async def test_unsupported_scheme(make_client) -> None:  # type: ignore[no-untyped-def]
    async with make_client() as client:
        with pytest.raises(darter.UnsupportedProtocol):
            await client.get("ftp://127.0.0.1/file")


async def test_relative_url_without_base(make_client) -> None:  # type: ignore[no-untyped-def]
    async with make_client() as client:
        with pytest.raises(darter.UnsupportedProtocol):
            await client.get("/just/a/path")


async def test_invalid_url(make_client) -> None:  # type: ignore[no-untyped-def]
    async with make_client() as client:
        with pytest.raises(darter.InvalidURL):
            await client.get("http://[::1/")


async def test_credentials_with_line_breaks_are_refused(make_client, recorder) -> None:  # type: ignore[no-untyped-def]
    _, server = recorder
    with pytest.raises(darter.LocalProtocolError):
        make_client(auth=("user\r\nX-Injected: 1", "pw"))
    assert server.connections == 0


async def test_body_longer_than_content_length(make_client, recorder) -> None:  # type: ignore[no-untyped-def]
    _, server = recorder
    async with make_client() as client:
        with pytest.raises(darter.LocalProtocolError):
            await client.post(server.url, content=b"too long", headers={"Content-Length": "3"})
