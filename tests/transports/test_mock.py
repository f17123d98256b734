"""``MockTransport``: requests answered by a function, through both clients."""

from __future__ import annotations

import gc
import json
from collections.abc import AsyncIterator, Iterator

import pytest

import darter


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """The async tests here run on both event loops."""
    return str(request.param)


def echo(request: darter.Request) -> darter.Response:
    """Describe the request back, as JSON."""
    return darter.Response(
        200,
        json={
            "method": request.method,
            "url": str(request.url),
            "headers": {"x-token": request.headers.get("x-token")},
            "body": request.content.decode(),
        },
    )


async def async_echo(request: darter.Request) -> darter.Response:
    return echo(request)


# Sync client


def test_sync_handler_with_client() -> None:
    transport = darter.MockTransport(echo)
    with darter.Client(transport=transport) as client:
        response = client.post(
            "https://example.org/items?page=2", content=b"hello", headers={"X-Token": "t"}
        )
    assert response.status_code == 200
    assert response.json() == {
        "method": "POST",
        "url": "https://example.org/items?page=2",
        "headers": {"x-token": "t"},
        "body": "hello",
    }
    assert response.request.url == "https://example.org/items?page=2"
    assert transport.handler is echo


def test_streaming_request_body_is_read_before_the_handler() -> None:
    def body() -> Iterator[bytes]:
        yield b"chunk-1,"
        yield b"chunk-2"

    with darter.Client(transport=darter.MockTransport(echo)) as client:
        response = client.put("http://example.org/upload", content=body())
    assert response.json()["body"] == "chunk-1,chunk-2"


def test_handler_may_return_a_streaming_response() -> None:
    def handler(request: darter.Request) -> darter.Response:
        return darter.Response(200, content=iter([b"one ", b"two ", b"three"]))

    with (
        darter.Client(transport=darter.MockTransport(handler)) as client,
        client.stream("GET", "http://example.org/") as response,
    ):
        assert list(response.iter_bytes()) == [b"one ", b"two ", b"three"]


def test_handler_exceptions_propagate() -> None:
    def handler(request: darter.Request) -> darter.Response:
        raise darter.ConnectError("no route to host", request=request)

    with (
        darter.Client(transport=darter.MockTransport(handler)) as client,
        pytest.raises(darter.ConnectError, match="no route to host") as info,
    ):
        client.get("http://example.org/")
    assert info.value.request.url == "http://example.org/"


def test_handler_must_return_a_response_with_client() -> None:
    def handler(request: darter.Request) -> object:
        return {"status": 200}

    transport = darter.MockTransport(handler)  # type: ignore[arg-type]
    with (
        darter.Client(transport=transport) as client,
        pytest.raises(TypeError, match=r"must return a Response .* not dict"),
    ):
        client.get("http://example.org/")


def test_async_handler_with_client_is_an_error_without_warnings() -> None:
    with (
        darter.Client(transport=darter.MockTransport(async_echo)) as client,
        pytest.raises(TypeError, match="coroutine function: use it with an AsyncClient"),
    ):
        client.get("http://example.org/")
    # The coroutine was closed: nothing complains that it was never awaited.
    gc.collect()


def test_transport_used_directly_and_as_context_manager() -> None:
    with darter.MockTransport(echo) as transport:
        response = transport.handle_request(darter.Request("GET", "http://example.org/x"))
    assert response.json()["url"] == "http://example.org/x"


def test_handler_sees_client_configuration() -> None:
    seen: list[darter.Request] = []

    def handler(request: darter.Request) -> darter.Response:
        seen.append(request)
        return darter.Response(204)

    with darter.Client(
        transport=darter.MockTransport(handler),
        base_url="https://api.example.org/v1",
        params={"key": "k"},
        headers={"X-Token": "secret"},
    ) as client:
        client.get("users", params={"page": "3"})
    [request] = seen
    assert str(request.url) == "https://api.example.org/v1/users?key=k&page=3"
    assert request.headers["x-token"] == "secret"


# Async client


@pytest.mark.anyio
async def test_async_handler_with_async_client() -> None:
    async with darter.AsyncClient(transport=darter.MockTransport(async_echo)) as client:
        response = await client.post("http://example.org/form", data={"a": "1"})
    assert response.json()["body"] == "a=1"
    assert response.json()["method"] == "POST"


@pytest.mark.anyio
async def test_sync_handler_with_async_client() -> None:
    async with darter.AsyncClient(transport=darter.MockTransport(echo)) as client:
        response = await client.get("http://example.org/", headers={"X-Token": "abc"})
    assert response.json()["headers"] == {"x-token": "abc"}


@pytest.mark.anyio
async def test_async_streaming_request_body_is_read_before_the_handler() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"streamed": '
        yield b"true}"

    async with darter.AsyncClient(transport=darter.MockTransport(async_echo)) as client:
        response = await client.post("http://example.org/", content=body())
    assert json.loads(response.json()["body"]) == {"streamed": True}


@pytest.mark.anyio
async def test_async_handler_must_return_a_response() -> None:
    async def handler(request: darter.Request) -> object:
        return "OK"

    transport = darter.MockTransport(handler)  # type: ignore[arg-type]
    async with darter.AsyncClient(transport=transport) as client:
        with pytest.raises(TypeError, match="must return a Response, not 'OK'"):
            await client.get("http://example.org/")


@pytest.mark.anyio
async def test_async_handler_exceptions_propagate() -> None:
    async def handler(request: darter.Request) -> darter.Response:
        raise darter.ReadTimeout("too slow", request=request)

    async with darter.AsyncClient(transport=darter.MockTransport(handler)) as client:
        with pytest.raises(darter.ReadTimeout, match="too slow"):
            await client.get("http://example.org/")


@pytest.mark.anyio
async def test_async_transport_used_directly_and_as_context_manager() -> None:
    async with darter.MockTransport(async_echo) as transport:
        response = await transport.handle_async_request(
            darter.Request("DELETE", "http://example.org/item/1")
        )
    assert response.json()["method"] == "DELETE"


@pytest.mark.anyio
async def test_async_handler_may_stream_the_response() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for number in range(3):
            yield f"line {number}\n".encode()

    async def handler(request: darter.Request) -> darter.Response:
        return darter.Response(200, content=chunks())

    async with (
        darter.AsyncClient(transport=darter.MockTransport(handler)) as client,
        client.stream("GET", "http://example.org/") as response,
    ):
        lines = [line async for line in response.aiter_lines()]
    assert lines == ["line 0", "line 1", "line 2"]
