"""The ASGI application the behaviour tests talk to (served by uvicorn on loopback).

Routes (all take any method unless noted):

- ``/``                       "Hello, world!" as text/plain
- ``/json``                   a small JSON document
- ``/echo``                   JSON: method, path, query, headers (list of pairs), body (latin-1)
- ``/status/{code}``          an empty response with that status
- ``/redirect/{code}?to=URL`` a redirect with that status to ``to`` (default ``/echo``)
- ``/redirect-loop``          redirects to itself
- ``/redirect-chain/{n}``     ``n`` redirects, then ``/echo``
- ``/set-cookie?name=value``  sets the cookies given in the query
- ``/bytes/{n}``              ``n`` bytes of b"x", with Content-Length
- ``/stream/{n}``             ``n`` chunks of b"chunk\\n", chunked
- ``/gzip``                   gzip-encoded text
- ``/deflate``                deflate-encoded text
- ``/charset/{name}``         "café" encoded in charset ``name``, declared in Content-Type
- ``/slow/{seconds}``         waits, then answers
- ``/slow-body/{seconds}``    sends the head, waits, then the body
- ``/basic-auth/{user}/{password}``  200 with the user when the credentials match, else 401
- ``/digest-auth/{qop}/{user}/{password}/{algorithm}``  RFC 7616 challenge/response
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import os
import zlib
from base64 import b64decode
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def read_body(receive: Receive) -> bytes:
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def respond(
    send: Send,
    status: int,
    body: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    content_type: bytes | None = b"text/plain",
) -> None:
    all_headers = list(headers or [])
    if content_type is not None:
        all_headers.append((b"content-type", content_type))
    all_headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": body})


def header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    path: str = scope["path"]
    parts = path.strip("/").split("/")
    route = parts[0]
    handler = ROUTES.get(route)
    if handler is None:
        await respond(send, 404, b"Not found")
        return
    await handler(scope, receive, send, parts[1:])


async def hello(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await respond(send, 200, b"Hello, world!")


async def json_doc(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    body = json.dumps({"name": "darter", "fast": True, "numbers": [1, 2, 3]}).encode()
    await respond(send, 200, body, content_type=b"application/json")


async def echo(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    body = await read_body(receive)
    document = {
        "method": scope["method"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode("latin-1"),
        "query": scope["query_string"].decode("latin-1"),
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        "body": body.decode("latin-1"),
        "http_version": scope["http_version"],
    }
    await respond(send, 200, json.dumps(document).encode(), content_type=b"application/json")


async def status(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await respond(send, int(args[0]), content_type=None)


async def redirect(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await read_body(receive)
    query = dict(parse_qsl(scope["query_string"].decode()))
    location = query.get("to", "/echo").encode()
    await respond(send, int(args[0]), b"redirecting", headers=[(b"location", location)])


async def redirect_loop(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await respond(send, 302, headers=[(b"location", b"/redirect-loop")])


async def redirect_chain(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    count = int(args[0])
    target = f"/redirect-chain/{count - 1}" if count > 1 else "/echo"
    await respond(send, 302, headers=[(b"location", target.encode())])


async def set_cookie(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    cookies = parse_qsl(scope["query_string"].decode())
    headers = [(b"set-cookie", f"{name}={value}; Path=/".encode()) for name, value in cookies]
    await respond(send, 200, b"cookies set", headers=headers)


async def some_bytes(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await respond(send, 200, b"x" * int(args[0]), content_type=b"application/octet-stream")


async def stream(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    count = int(args[0])
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for _ in range(count):
        await send({"type": "http.response.body", "body": b"chunk\n", "more_body": True})
    await send({"type": "http.response.body", "body": b""})


TEXT = ("The quick brown fox jumps over the lazy dog. " * 20).encode()


async def gzipped(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await respond(send, 200, gzip.compress(TEXT), headers=[(b"content-encoding", b"gzip")])


async def deflated(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await respond(send, 200, zlib.compress(TEXT), headers=[(b"content-encoding", b"deflate")])


async def charset(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    name = args[0]
    await respond(
        send, 200, "café".encode(name), content_type=f"text/plain; charset={name}".encode()
    )


async def slow(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await asyncio.sleep(float(args[0]))
    await respond(send, 200, b"slow")


async def slow_body(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4")]}
    )
    await send({"type": "http.response.body", "body": b"sl", "more_body": True})
    await asyncio.sleep(float(args[0]))
    await send({"type": "http.response.body", "body": b"ow"})


async def basic_auth(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    user, password = args[0], args[1]
    given = header(scope, b"authorization") or b""
    if given.startswith(b"Basic "):
        name, _, secret = b64decode(given[6:]).decode().partition(":")
        if (name, secret) == (user, password):
            await respond(
                send, 200, json.dumps({"user": user}).encode(), content_type=b"application/json"
            )
            return
    await respond(send, 401, headers=[(b"www-authenticate", b'Basic realm="test"')])


_DIGEST_HASHES = {
    "MD5": hashlib.md5,
    "SHA-256": hashlib.sha256,
    "SHA-512-256": lambda data=b"": hashlib.new("sha512_256", data),
}


async def digest_auth(scope: Scope, receive: Receive, send: Send, args: list[str]) -> None:
    qop, user, password, algorithm = args
    await read_body(receive)
    given = (header(scope, b"authorization") or b"").decode()
    realm = "darter-tests"
    if given.startswith("Digest "):
        fields = dict(_parse_digest_fields(given[7:]))
        hash_function = _DIGEST_HASHES[algorithm.removesuffix("-sess")]

        def digest(text: str) -> str:
            return hash_function(text.encode()).hexdigest()

        ha1 = digest(f"{user}:{realm}:{password}")
        if algorithm.endswith("-sess"):
            ha1 = digest(f"{ha1}:{fields['nonce']}:{fields['cnonce']}")
        ha2 = digest(f"{scope['method']}:{fields['uri']}")
        expected = digest(f"{ha1}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:auth:{ha2}")
        if fields.get("response") == expected and fields.get("username") == user:
            await respond(
                send, 200, json.dumps({"user": user}).encode(), content_type=b"application/json"
            )
            return
    nonce = os.urandom(16).hex()
    challenge = (
        f'Digest realm="{realm}", qop="{qop}", nonce="{nonce}", '
        f'opaque="{os.urandom(8).hex()}", algorithm={algorithm}'
    )
    await respond(send, 401, headers=[(b"www-authenticate", challenge.encode())])


def _parse_digest_fields(text: str) -> list[tuple[str, str]]:
    fields = []
    for part in text.split(","):
        key, _, value = part.strip().partition("=")
        fields.append((key.strip(), value.strip().strip('"')))
    return fields


ROUTES: dict[str, Callable[[Scope, Receive, Send, list[str]], Awaitable[None]]] = {
    "": hello,
    "json": json_doc,
    "echo": echo,
    "status": status,
    "redirect": redirect,
    "redirect-loop": redirect_loop,
    "redirect-chain": redirect_chain,
    "set-cookie": set_cookie,
    "bytes": some_bytes,
    "stream": stream,
    "gzip": gzipped,
    "deflate": deflated,
    "charset": charset,
    "slow": slow,
    "slow-body": slow_body,
    "basic-auth": basic_auth,
    "digest-auth": digest_auth,
}
