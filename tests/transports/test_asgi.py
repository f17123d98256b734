"""``ASGITransport``: the scope it builds and how it runs applications, on asyncio and trio."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import pytest

import darter

pytestmark = pytest.mark.anyio

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every test runs on both event loops."""
    return str(request.param)


def client_for(app: Any, **options: Any) -> darter.AsyncClient:
    return darter.AsyncClient(transport=darter.ASGITransport(app, **options))


async def respond(
    send: Send,
    body: bytes = b"",
    status: int = 200,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers or []})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages = []
    while True:
        message = await receive()
        messages.append(message)
        if not message.get("more_body", False):
            break
    return b"".join(message.get("body", b"") for message in messages), messages


class ScopeRecorder:
    """An app that keeps every scope it is called with and answers with its body."""

    def __init__(self) -> None:
        self.scopes: list[Scope] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(scope)
        body, _ = await read_body(receive)
        await respond(send, body)


# The scope


async def test_scope() -> None:
    app = ScopeRecorder()
    async with client_for(app) as client:
        await client.get(
            "http://example.org:8000/items/1?page=2&q=a%20b", headers={"X-Request-ID": "abc"}
        )
    [scope] = app.scopes
    headers = scope.pop("headers")
    assert scope == {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/items/1",
        "raw_path": b"/items/1",
        "query_string": b"page=2&q=a%20b",
        "server": ("example.org", 8000),
        "client": ("127.0.0.1", 123),
        "root_path": "",
    }
    assert (b"host", b"example.org:8000") in headers
    assert (b"x-request-id", b"abc") in headers
    assert all(key == key.lower() for key, _ in headers)
    assert all(isinstance(key, bytes) and isinstance(value, bytes) for key, value in headers)


@pytest.mark.parametrize(
    ("url", "path", "raw_path"),
    [
        ("http://t/a%20b", "/a b", b"/a%20b"),
        ("http://t/a%2520b", "/a%20b", b"/a%2520b"),
        ("http://t/caf%C3%A9", "/caf\u00e9", b"/caf%C3%A9"),
        ("http://t/café?x=1", "/caf\u00e9", b"/caf%C3%A9"),
        ("http://t/a%2Fb", "/a/b", b"/a%2Fb"),
    ],
)
async def test_path_is_decoded_once_and_raw_path_kept(
    url: str, path: str, raw_path: bytes
) -> None:
    app = ScopeRecorder()
    async with client_for(app) as client:
        await client.get(url)
    assert (app.scopes[0]["path"], app.scopes[0]["raw_path"]) == (path, raw_path)


@pytest.mark.parametrize(
    ("url", "scheme", "server"),
    [
        ("http://example.org/", "http", ("example.org", 80)),
        ("https://example.org/", "https", ("example.org", 443)),
        ("https://example.org:8443/", "https", ("example.org", 8443)),
        ("http://[::1]:8080/", "http", ("::1", 8080)),
        ("http://中国.com/", "http", ("xn--fiqs8s.com", 80)),
    ],
)
async def test_scheme_and_server(url: str, scheme: str, server: tuple[str, int]) -> None:
    app = ScopeRecorder()
    async with client_for(app) as client:
        await client.get(url)
    assert (app.scopes[0]["scheme"], app.scopes[0]["server"]) == (scheme, server)


async def test_root_path_and_client() -> None:
    app = ScopeRecorder()
    async with client_for(app, root_path="/api", client=("192.0.2.7", 4567)) as client:
        await client.get("http://example.org/api/users")
    [scope] = app.scopes
    assert scope["root_path"] == "/api"
    assert scope["path"] == "/api/users"
    assert scope["client"] == ("192.0.2.7", 4567)


# The request body


async def test_request_body_is_received() -> None:
    messages: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        body, received = await read_body(receive)
        messages.extend(received)
        await respond(send, body.upper())

    async with client_for(app) as client:
        response = await client.post("http://example.org/", json={"name": "ann"})
    assert response.json() == {"NAME": "ANN"}
    assert messages[-1] == {"type": "http.request", "body": b"", "more_body": False}
    assert all(message["type"] == "http.request" for message in messages)


async def test_request_body_streams_through_receive() -> None:
    sent: list[str] = []

    async def upload() -> AsyncIterator[bytes]:
        for part in (b"one", b"two", b"three"):
            sent.append(part.decode())
            yield part

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        # Each receive() pulls one more chunk of the client's body, no sooner.
        first = await receive()
        assert (first["body"], first["more_body"]) == (b"one", True)
        assert sent == ["one"]
        rest, messages = await read_body(receive)
        assert [message["more_body"] for message in messages] == [True, True, False]
        await respond(send, first["body"] + b"," + rest)

    async with client_for(app) as client:
        response = await client.post("http://example.org/", content=upload())
    assert response.text == "one,twothree"


async def test_unread_request_body_is_closed() -> None:
    events: list[str] = []

    class Upload(darter.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            try:
                yield b"first"
                yield b"second"
            finally:
                events.append("closed")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # reads one chunk, then answers without the rest
        await respond(send, b"enough")

    request = darter.Request("POST", "http://example.org/", stream=Upload())
    async with client_for(app) as client:
        response = await client.send(request)
    assert response.text == "enough"
    assert events == ["closed"]


async def test_request_stream_without_aclose() -> None:
    class Parts:
        """A plain async iterator: nothing to close."""

        def __init__(self) -> None:
            self.parts = [b"x", b"y"]

        async def __anext__(self) -> bytes:
            if not self.parts:
                raise StopAsyncIteration
            return self.parts.pop(0)

    class Upload(darter.AsyncByteStream):
        def __aiter__(self) -> Any:
            return Parts()

    async with client_for(ScopeRecorder()) as client:
        response = await client.send(darter.Request("POST", "http://t/", stream=Upload()))
    assert response.text == "xy"


async def test_disconnect_after_the_response() -> None:
    after: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await read_body(receive)
        await respond(send, b"done")
        after.append(await receive())

    async with client_for(app) as client:
        response = await client.get("http://example.org/")
    assert response.text == "done"
    assert after == [{"type": "http.disconnect"}]


async def test_disconnect_waits_until_the_response_is_complete() -> None:
    log: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await read_body(receive)

        async def watch_for_disconnect() -> None:
            message = await receive()
            log.append(message["type"])

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(watch_for_disconnect)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            for part in (b"a", b"b"):
                await anyio.sleep(0.01)
                log.append(f"body {part.decode()}")
                await send({"type": "http.response.body", "body": part, "more_body": True})
            await anyio.sleep(0.01)
            log.append("body end")
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async with client_for(app) as client:
        response = await client.get("http://example.org/")
    assert response.text == "ab"
    assert log == ["body a", "body b", "body end", "http.disconnect"]


# The response


async def test_status_headers_and_body_parts() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 201,
                "headers": [
                    [b"content-type", b"text/plain"],
                    (b"set-cookie", b"a=1"),
                    (b"set-cookie", b"b=2"),
                ],
            }
        )
        for part in (b"made ", b"", b"it"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body"})

    async with client_for(app) as client:
        response = await client.post("http://example.org/")
    assert response.status_code == 201
    assert response.headers["content-type"] == "text/plain"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.text == "made it"


async def test_response_without_headers_or_body() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body"})

    async with client_for(app) as client:
        response = await client.delete("http://example.org/thing")
    assert (response.status_code, response.content) == (204, b"")


async def test_head_drops_the_body() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["method"] == "HEAD"
        await respond(send, b"not sent", headers=[(b"content-length", b"8")])

    async with client_for(app) as client:
        response = await client.head("http://example.org/")
    assert response.headers["content-length"] == "8"
    assert response.content == b""


async def test_streaming_the_response() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for number in range(3):
            line = f"line {number}\n".encode()
            await send({"type": "http.response.body", "body": line, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async with (
        client_for(app) as client,
        client.stream("GET", "http://example.org/") as response,
    ):
        lines = [line async for line in response.aiter_lines()]
    assert lines == ["line 0", "line 1", "line 2"]


async def test_other_messages_are_ignored() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.trailers", "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async with client_for(app) as client:
        assert (await client.get("http://example.org/")).text == "ok"


# Errors


async def crash_before_response(scope: Scope, receive: Receive, send: Send) -> None:
    raise ValueError("crashed before responding")


async def crash_mid_response(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]})
    await send({"type": "http.response.body", "body": b"partial", "more_body": True})
    raise ValueError("crashed while responding")


async def crash_after_response(scope: Scope, receive: Receive, send: Send) -> None:
    await respond(send, b"complete", status=202)
    raise ValueError("crashed after responding")


@pytest.mark.parametrize("app", [crash_before_response, crash_mid_response, crash_after_response])
async def test_app_exceptions_propagate(app: Any) -> None:
    async with client_for(app) as client:
        with pytest.raises(ValueError, match="crashed"):
            await client.get("http://example.org/")


async def test_app_exception_before_the_response_gives_500() -> None:
    async with client_for(crash_before_response, raise_app_exceptions=False) as client:
        response = await client.get("http://example.org/")
    assert (response.status_code, response.headers, response.content) == (
        500,
        darter.Headers(),
        b"",
    )


async def test_app_exception_mid_response_keeps_what_was_sent() -> None:
    async with client_for(crash_mid_response, raise_app_exceptions=False) as client:
        response = await client.get("http://example.org/")
    assert (response.status_code, response.headers["x-a"], response.text) == (200, "1", "partial")


async def test_app_exception_after_the_response_keeps_it() -> None:
    async with client_for(crash_after_response, raise_app_exceptions=False) as client:
        response = await client.get("http://example.org/")
    assert (response.status_code, response.text) == (202, "complete")


async def test_app_that_never_responds() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await read_body(receive)

    async with client_for(app) as client:
        with pytest.raises(RuntimeError, match="returned without starting a response"):
            await client.get("http://example.org/")
    async with client_for(app, raise_app_exceptions=False) as client:
        assert (await client.get("http://example.org/")).status_code == 500


async def test_app_that_starts_twice() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.start", "status": 500, "headers": []})

    async with client_for(app) as client:
        with pytest.raises(RuntimeError, match="started its response twice"):
            await client.get("http://example.org/")


async def test_app_that_sends_a_body_first() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.body", "body": b"too soon"})

    async with client_for(app) as client:
        with pytest.raises(RuntimeError, match="body before starting"):
            await client.get("http://example.org/")
    async with client_for(app, raise_app_exceptions=False) as client:
        assert (await client.get("http://example.org/")).status_code == 500


# The transport itself


async def test_transport_used_directly() -> None:
    app = ScopeRecorder()
    async with darter.ASGITransport(app) as transport:
        response = await transport.handle_async_request(
            darter.Request("PUT", "http://example.org/x", content=b"payload")
        )
        assert await response.aread() == b"payload"
    assert transport.app is app
    assert app.scopes[0]["method"] == "PUT"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_without_trio_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only an asyncio run can go without trio: the transport must not need it there.
    monkeypatch.delitem(sys.modules, "trio")
    async with client_for(ScopeRecorder()) as client:
        response = await client.post("http://example.org/", content=b"no trio here")
    assert response.text == "no trio here"
    assert "trio" not in sys.modules


async def test_concurrent_requests() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await anyio.sleep(0.01)
        await respond(send, json.dumps({"path": scope["path"]}).encode())

    results: dict[int, str] = {}
    async with client_for(app) as client:

        async def fetch(number: int) -> None:
            response = await client.get(f"http://example.org/item/{number}")
            results[number] = response.json()["path"]

        async with anyio.create_task_group() as tasks:
            for number in range(5):
                tasks.start_soon(fetch, number)
    assert results == {number: f"/item/{number}" for number in range(5)}
