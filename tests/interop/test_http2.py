"""HTTP/2 against real servers (nginx, hypercorn) and a scripted one for the edge cases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

import darter
from darter.backends.anyio import AnyioStream
from darter.backends.asyncio import AsyncioStream
from darter.backends.trio import TrioStream
from tests.servers.app import app
from tests.servers.h2_server import H2Behaviour, start_h2_server
from tests.servers.peers import hypercorn

pytestmark = pytest.mark.anyio

ASYNC_MODES = ["asyncio", "uvloop", "trio", "anyio"]
STREAM_CLASSES: dict[str, Any] = {
    "asyncio": AsyncioStream,
    "uvloop": AsyncioStream,
    "trio": TrioStream,
    "anyio": AnyioStream,
}


@pytest.fixture(scope="module")
def hypercorn_url(cert_files: dict[str, str]) -> Iterator[str]:
    with hypercorn(app, cert_files) as url:
        yield url


async def test_nginx_over_tls_negotiates_http2(
    make_client, nginx_urls, client_ssl_context
) -> None:  # type: ignore[no-untyped-def]
    async with make_client(http2=True, verify=client_ssl_context) as client:
        response = await client.get(nginx_urls["https"] + "/request?x=1")
        assert response.http_version == "HTTP/2"
        assert response.text.startswith("GET /request?x=1 HTTP/2.0\n")
        upload = await client.post(nginx_urls["https"] + "/upload", content=b"u" * 300_000)
        assert upload.text == "uploaded 300000\n"
        download = await client.get(nginx_urls["https"] + "/files/big.bin")
        assert len(download.content) == 8 * 1024 * 1024
        assert client._transport.pool.state.open == 1


async def test_http1_when_http2_is_not_enabled(
    make_client, nginx_urls, client_ssl_context
) -> None:  # type: ignore[no-untyped-def]
    async with make_client(verify=client_ssl_context) as client:
        response = await client.get(nginx_urls["https"] + "/request")
    assert response.http_version == "HTTP/1.1"


async def test_fallback_to_http1_without_alpn_h2(
    make_client, https_server, client_ssl_context
) -> None:  # type: ignore[no-untyped-def]
    # uvicorn speaks HTTP/1.1 only: ALPN settles on it.
    async with make_client(http2=True, verify=client_ssl_context) as client:
        response = await client.get(https_server + "/echo")
    assert response.http_version == "HTTP/1.1"


async def test_h2c_with_prior_knowledge(make_client, nginx_urls) -> None:  # type: ignore[no-untyped-def]
    async with make_client(http1=False, http2=True) as client:
        response = await client.get(nginx_urls["h2c"] + "/request")
    assert response.http_version == "HTTP/2"
    assert response.text.startswith("GET /request HTTP/2.0")


async def test_hypercorn_asgi_app_over_http2(
    make_client, hypercorn_url, client_ssl_context
) -> None:  # type: ignore[no-untyped-def]
    async with make_client(http2=True, verify=client_ssl_context, follow_redirects=True) as client:
        echoed = await client.post(
            hypercorn_url + "/echo?q=1", json={"a": 1}, headers={"X-Test": "yes"}
        )
        redirected = await client.get(hypercorn_url + "/redirect/302")
        gz = await client.get(hypercorn_url + "/gzip")
    body = echoed.json()
    assert echoed.http_version == "HTTP/2" and body["http_version"] == "2"
    headers = dict(body["headers"])
    assert headers["x-test"] == "yes"
    assert "connection" not in headers  # connection-specific: never sent over HTTP/2
    assert body["body"] == '{"a":1}'
    assert redirected.url.path == "/echo" and redirected.history[0].status_code == 302
    assert gz.text.startswith("The quick brown fox")


async def test_concurrent_requests_share_one_connection(mode: str, make_client) -> None:  # type: ignore[no-untyped-def]
    behaviour = H2Behaviour(delay=0.01)
    server = start_h2_server(behaviour)
    try:
        async with make_client(http1=False, http2=True) as client:
            results: list[str] = []

            async def fetch(number: int) -> None:
                response = await client.get(f"{server.url}/n{number}")
                results.append(response.text)

            if mode == "sync":
                for number in range(20):
                    await fetch(number)
            else:
                async with anyio.create_task_group() as group:
                    for number in range(100):
                        group.start_soon(fetch, number)
            assert client._transport.pool.state.open == 1
    finally:
        server.stop()
    expected = 20 if mode == "sync" else 100
    assert sorted(results) == sorted(f"hello /n{n}" for n in range(expected))
    assert server.connections == 1


async def test_max_concurrent_streams_is_respected(mode: str, make_client) -> None:  # type: ignore[no-untyped-def]
    behaviour = H2Behaviour(max_concurrent_streams=1, delay=0.005)
    server = start_h2_server(behaviour)
    try:
        client = make_client(http1=False, http2=True, timeout=30)
        async with client, anyio.create_task_group() as group:
            for number in range(100 if mode != "sync" else 5):
                group.start_soon(client.get, f"{server.url}/{number}")
    finally:
        server.stop()
    assert behaviour.max_open_seen == 1
    assert behaviour.streams_seen == (100 if mode != "sync" else 5)


async def test_trailers_are_exposed(make_client) -> None:  # type: ignore[no-untyped-def]
    server = start_h2_server(H2Behaviour(trailers=[("x-checksum", "abc123")]))
    try:
        async with make_client(http1=False, http2=True) as client:
            response = await client.get(server.url + "/")
    finally:
        server.stop()
    assert response.text == "hello /"
    assert response.extensions["trailers"]["x-checksum"] == "abc123"


async def test_stream_reset_by_the_server(make_client) -> None:  # type: ignore[no-untyped-def]
    server = start_h2_server(H2Behaviour(reset_with=0x2))  # INTERNAL_ERROR
    try:
        async with make_client(http1=False, http2=True) as client:
            with pytest.raises(darter.RemoteProtocolError, match="reset"):
                await client.get(server.url + "/")
    finally:
        server.stop()


async def test_refused_stream_is_retried_then_reported(make_client) -> None:  # type: ignore[no-untyped-def]
    behaviour = H2Behaviour(reset_with=0x7)  # REFUSED_STREAM: not processed, safe to retry
    server = start_h2_server(behaviour)
    try:
        async with make_client(http1=False, http2=True) as client:
            with pytest.raises(darter.RemoteProtocolError, match="did not process"):
                await client.post(server.url + "/", content=b"not idempotent, still safe")
    finally:
        server.stop()
    assert behaviour.streams_seen == 4  # sent, then retried three times


async def test_goaway_retries_unprocessed_streams(mode: str, make_client) -> None:  # type: ignore[no-untyped-def]
    behaviour = H2Behaviour(goaway_after=3, delay=0.01)
    server = start_h2_server(behaviour)
    count = 10 if mode != "sync" else 5
    try:
        async with make_client(http1=False, http2=True) as client:
            results: list[str] = []

            async def fetch(number: int) -> None:
                results.append((await client.get(f"{server.url}/{number}")).text)

            async with anyio.create_task_group() as group:
                for number in range(count):
                    group.start_soon(fetch, number)
    finally:
        server.stop()
    assert sorted(results) == sorted(f"hello /{n}" for n in range(count))
    assert server.connections >= 2


async def test_closed_flow_control_window_times_out(make_client) -> None:  # type: ignore[no-untyped-def]
    server = start_h2_server(H2Behaviour(closed_window=True))
    try:
        async with make_client(
            http1=False, http2=True, timeout=darter.Timeout(5, write=0.3)
        ) as client:
            with pytest.raises(darter.WriteTimeout):
                await client.post(server.url + "/", content=b"x" * 1000)
    finally:
        server.stop()


async def test_continuation_flood_is_refused(make_client) -> None:  # type: ignore[no-untyped-def]
    server = start_h2_server(H2Behaviour(continuation_flood=True))
    try:
        async with make_client(http1=False, http2=True) as client:
            with pytest.raises(darter.RemoteProtocolError):
                await client.get(server.url + "/")
    finally:
        server.stop()


@pytest.mark.parametrize(
    "header",
    [(b"X-Upper", b"1"), (b"x-bad", b"a\r\nb"), (b"connection", b"close"), (b"x-nul", b"a\x00")],
)
async def test_malformed_response_headers_are_refused(make_client, header) -> None:  # type: ignore[no-untyped-def]
    server = start_h2_server(H2Behaviour(extra_headers=[header]))
    try:
        async with make_client(http1=False, http2=True) as client:
            with pytest.raises(darter.RemoteProtocolError, match="Malformed"):
                await client.get(server.url + "/")
    finally:
        server.stop()


def test_threads_share_one_connection() -> None:
    # The sync client: threads take turns reading the shared connection.
    behaviour = H2Behaviour(delay=0.005)
    server = start_h2_server(behaviour)
    results: list[str] = []
    try:
        with darter.Client(http1=False, http2=True, timeout=30) as client:

            def fetch(thread: int) -> None:
                for number in range(10):
                    results.append(client.get(f"{server.url}/t{thread}-{number}").text)

            threads = [threading.Thread(target=fetch, args=(n,)) for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
            assert not any(thread.is_alive() for thread in threads)
            assert client._transport.pool.state.open == 1
    finally:
        server.stop()
    assert sorted(results) == sorted(f"hello /t{t}-{n}" for t in range(8) for n in range(10))
    assert server.connections == 1
    assert behaviour.max_open_seen > 1


@pytest.mark.parametrize("mode", ASYNC_MODES)
async def test_cancelled_requests_do_not_stall_the_others(mode: str, make_client) -> None:  # type: ignore[no-untyped-def]
    # Requests waiting for their responses while another one reads are cancelled
    # half-way; the ones left must still get theirs (someone must go on reading).
    server = start_h2_server(H2Behaviour(delay=0.02))
    results: list[str] = []
    try:
        async with make_client(http1=False, http2=True, timeout=30) as client:

            async def fetch(number: int) -> None:
                with anyio.move_on_after(0.01 if number % 2 else 30):
                    results.append((await client.get(f"{server.url}/n{number}")).text)

            with anyio.fail_after(20):
                async with anyio.create_task_group() as group:
                    for number in range(40):
                        group.start_soon(fetch, number)
                # And the connection still serves new requests.
                assert (await client.get(f"{server.url}/after")).text == "hello /after"
    finally:
        server.stop()
    assert sorted(results) == sorted(f"hello /n{n}" for n in range(0, 40, 2))


@pytest.mark.parametrize("mode", ASYNC_MODES)
async def test_heads_of_requests_started_together_share_a_write(
    mode: str, make_client, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    stream_class = STREAM_CLASSES[mode]
    writes: list[bytes] = []
    write = stream_class.write

    async def counting_write(self: Any, data: bytes, timeout: float | None = None) -> None:
        writes.append(bytes(data))
        await write(self, data, timeout)

    monkeypatch.setattr(stream_class, "write", counting_write)
    server = start_h2_server(H2Behaviour(delay=0.05))
    try:
        async with make_client(http1=False, http2=True) as client:
            await client.get(f"{server.url}/first")  # the connection is up
            writes.clear()
            async with anyio.create_task_group() as group:
                for number in range(20):
                    group.start_soon(client.get, f"{server.url}/n{number}")
    finally:
        server.stop()
    carrying_heads = [data for data in writes if _headers_frames(data)]
    assert sum(_headers_frames(data) for data in carrying_heads) == 20
    assert len(carrying_heads) <= 2


def _headers_frames(data: bytes) -> int:
    """How many HEADERS frames a run of whole HTTP/2 frames holds."""
    count = pos = 0
    while pos + 9 <= len(data):
        length = int.from_bytes(data[pos : pos + 3], "big")
        count += data[pos + 3] == 0x1
        pos += 9 + length
    return count
