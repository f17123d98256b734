"""Requests and responses through a real server: methods, bodies, headers, params."""

from __future__ import annotations

import io
import json

import pytest

import darter

pytestmark = pytest.mark.anyio


async def test_get_text(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.get(server + "/")
    assert response.status_code == 200
    assert response.text == "Hello, world!"
    assert response.content == b"Hello, world!"
    assert response.http_version == "HTTP/1.1"
    assert response.reason_phrase == "OK"
    assert response.headers["content-type"] == "text/plain"
    assert response.url == server + "/"
    assert response.request.method == "GET"
    assert response.is_success and not response.is_error
    assert response.elapsed.total_seconds() > 0
    assert response.num_bytes_downloaded == 13


async def test_json(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.get(server + "/json")
    assert response.json() == {"name": "darter", "fast": True, "numbers": [1, 2, 3]}


async def test_default_request_headers(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.get(server + "/echo")
    headers = response.json()["headers"]
    host = server.removeprefix("http://")
    assert headers[:5] == [
        ["host", host],
        ["accept", "*/*"],
        ["accept-encoding", darter.Client().headers["accept-encoding"]],
        ["connection", "keep-alive"],
        ["user-agent", f"python-darter/{darter.__version__}"],
    ]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_methods(make_client, server: str, method: str) -> None:
    async with make_client() as client:
        response = await client.request(method, server + "/echo")
    assert response.json()["method"] == method


async def test_head_has_no_body(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.head(server + "/bytes/100")
        assert response.headers["content-length"] == "100"
        assert response.content == b""
        # The connection stays usable.
        again = await client.get(server + "/")
    assert again.text == "Hello, world!"


async def test_no_content(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.get(server + "/status/204")
    assert response.status_code == 204
    assert response.content == b""


async def test_post_bytes(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.post(server + "/echo", content=b"raw bytes")
    echoed = response.json()
    assert echoed["body"] == "raw bytes"
    assert ["content-length", "9"] in echoed["headers"]


async def test_post_text(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.post(server + "/echo", content="caf\u00e9")
    assert response.json()["body"].encode("latin-1").decode("utf-8") == "caf\u00e9"


async def test_post_generator_is_chunked(make_client, mode: str, server: str) -> None:
    if mode == "sync":

        def body():  # type: ignore[no-untyped-def]
            yield b"one "
            yield b"two"
    else:

        async def body():  # type: ignore[no-untyped-def]
            yield b"one "
            yield b"two"

    async with make_client() as client:
        response = await client.post(server + "/echo", content=body())
    echoed = response.json()
    assert echoed["body"] == "one two"
    assert ["transfer-encoding", "chunked"] in echoed["headers"]


async def test_post_form(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.post(server + "/echo", data={"a": "1", "b": ["x", "y"]})
    echoed = response.json()
    assert echoed["body"] == "a=1&b=x&b=y"
    assert ["content-type", "application/x-www-form-urlencoded"] in echoed["headers"]


async def test_post_json(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.post(server + "/echo", json={"k": [1, 2]})
    echoed = response.json()
    assert json.loads(echoed["body"]) == {"k": [1, 2]}
    assert ["content-type", "application/json"] in echoed["headers"]


async def test_post_multipart(make_client, server: str) -> None:
    upload = io.BytesIO(b"file contents")
    async with make_client() as client:
        response = await client.post(
            server + "/echo",
            data={"field": "value"},
            files={"upload": ("hello.txt", upload, "text/plain")},
        )
    echoed = response.json()
    content_type = dict(echoed["headers"])["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    body = echoed["body"]
    assert 'name="field"' in body and "value" in body
    assert 'filename="hello.txt"' in body and "file contents" in body
    assert int(dict(echoed["headers"])["content-length"]) == len(body.encode("latin-1"))


async def test_params_are_merged(make_client, server: str) -> None:
    async with make_client(params={"a": "1"}) as client:
        response = await client.get(server + "/echo?b=2", params={"c": "3"})
    assert response.json()["query"] == "b=2&a=1&c=3"


async def test_base_url(make_client, server: str) -> None:
    async with make_client(base_url=server + "/echo") as client:
        response = await client.get("sub/path")
        root = await client.get("")
    assert response.json()["path"] == "/echo/sub/path"
    assert root.json()["path"] == "/echo/"


async def test_headers_are_merged(make_client, server: str) -> None:
    async with make_client(headers={"X-Client": "c", "User-Agent": "mine"}) as client:
        response = await client.get(server + "/echo", headers={"X-Request": "r"})
    headers = dict(response.json()["headers"])
    assert headers["x-client"] == "c"
    assert headers["x-request"] == "r"
    assert headers["user-agent"] == "mine"


async def test_event_hooks(make_client, mode: str, server: str) -> None:
    seen: list[str] = []

    def on_request(request: darter.Request) -> None:
        seen.append(f"request {request.url.path}")

    def on_response(response: darter.Response) -> None:
        seen.append(f"response {response.status_code}")

    if mode != "sync":
        sync_request, sync_response = on_request, on_response

        async def on_request(request: darter.Request) -> None:  # type: ignore[misc]
            sync_request(request)

        async def on_response(response: darter.Response) -> None:  # type: ignore[misc]
            sync_response(response)

    hooks = {"request": [on_request], "response": [on_response]}
    async with make_client(event_hooks=hooks) as client:
        await client.get(server + "/redirect/302", follow_redirects=True)
    assert seen == ["request /redirect/302", "response 302", "request /echo", "response 200"]


async def test_raise_for_status(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.get(server + "/status/404")
    with pytest.raises(darter.HTTPStatusError) as info:
        response.raise_for_status()
    assert info.value.response.status_code == 404
    assert "404 Not Found" in str(info.value)


async def test_client_is_closed(make_client, server: str) -> None:
    client = make_client()
    async with client:
        await client.get(server + "/")
    assert client.is_closed
    with pytest.raises(RuntimeError):
        await client.get(server + "/")
