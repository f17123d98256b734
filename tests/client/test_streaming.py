"""Streaming responses, content decoding and text handling."""

from __future__ import annotations

import pytest

import darter

pytestmark = pytest.mark.anyio


async def test_stream_bytes_in_chunks(make_client, server: str) -> None:
    async with make_client() as client, client.stream("GET", server + "/bytes/1000") as response:
        assert not response.is_stream_consumed
        chunks = [chunk async for chunk in response.aiter_bytes(chunk_size=300)]
    assert [len(chunk) for chunk in chunks] == [300, 300, 300, 100]
    assert response.is_closed


async def test_stream_lines(make_client, server: str) -> None:
    async with make_client() as client, client.stream("GET", server + "/stream/4") as response:
        lines = [line async for line in response.aiter_lines()]
    assert lines == ["chunk"] * 4


async def test_stream_text(make_client, server: str) -> None:
    async with (
        make_client() as client,
        client.stream("GET", server + "/charset/latin-1") as response,
    ):
        text = "".join([part async for part in response.aiter_text()])
    assert text == "caf\u00e9"


async def test_stream_raw_is_not_decoded(make_client, server: str) -> None:
    async with make_client() as client, client.stream("GET", server + "/gzip") as response:
        raw = b"".join([part async for part in response.aiter_raw()])
    assert raw[:2] == b"\x1f\x8b"
    assert response.num_bytes_downloaded == len(raw)


async def test_streamed_content_needs_read(make_client, server: str) -> None:
    async with make_client() as client, client.stream("GET", server + "/") as response:
        with pytest.raises(darter.ResponseNotRead):
            _ = response.content
        assert await response.aread() == b"Hello, world!"
        assert response.content == b"Hello, world!"


async def test_stream_consumed_twice(make_client, server: str) -> None:
    async with make_client() as client, client.stream("GET", server + "/stream/2") as response:
        async for _ in response.aiter_raw():
            pass
        with pytest.raises(darter.StreamConsumed):
            async for _ in response.aiter_raw():
                pass


async def test_stream_closed_before_reading(make_client, server: str) -> None:
    async with make_client() as client:
        async with client.stream("GET", server + "/stream/2") as response:
            await response.aclose()
            with pytest.raises(darter.StreamClosed):
                await response.aread()
        # Closing early discarded that connection; the client still works.
        again = await client.get(server + "/")
    assert again.status_code == 200


@pytest.mark.parametrize("path", ["/gzip", "/deflate"])
async def test_content_decoding(make_client, server: str, path: str) -> None:
    async with make_client() as client:
        response = await client.get(server + path)
    assert response.text.startswith("The quick brown fox")
    assert len(response.content) == 900


@pytest.mark.parametrize("charset", ["utf-8", "latin-1", "utf-16"])
async def test_charset_from_content_type(make_client, server: str, charset: str) -> None:
    async with make_client() as client:
        response = await client.get(server + f"/charset/{charset}")
    assert response.encoding == charset
    assert response.text == "caf\u00e9"


async def test_default_encoding(make_client, server: str) -> None:
    async with make_client(default_encoding="latin-1") as client:
        response = await client.get(server + "/bytes/3")
    assert response.encoding == "latin-1"


async def test_default_encoding_callable(make_client, server: str) -> None:
    seen: list[bytes] = []

    def guess(content: bytes) -> str:
        seen.append(content)
        return "ascii"

    async with make_client(default_encoding=guess) as client:
        response = await client.get(server + "/bytes/3")
    assert response.encoding == "ascii"
    assert seen == [b"xxx"]


async def test_large_body_is_complete(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.get(server + "/bytes/3000000")
    assert len(response.content) == 3_000_000
    assert response.num_bytes_downloaded == 3_000_000
