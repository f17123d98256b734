"""Uploads that only async clients can make: async iterators and async files."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

import darter
from tests.clients import DARTER_BACKENDS, client_factory

pytestmark = pytest.mark.anyio


@pytest.fixture(params=list(DARTER_BACKENDS))
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_multipart_with_an_async_file(mode: str, server: str, tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(b"async contents " * 10_000)
    async with await anyio.open_file(path, "rb") as upload, client_factory(mode)() as client:
        response = await client.post(
            server + "/echo", files={"upload": ("data.bin", upload)}, data={"a": "1"}
        )
    echoed = response.json()
    headers = dict(echoed["headers"])
    assert headers["transfer-encoding"] == "chunked"  # an async file's size is not asked
    assert echoed["body"].count("async contents ") == 10_000
    assert 'name="a"' in echoed["body"]


async def test_async_file_with_a_sync_client_is_refused(server: str, tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(b"data")
    async with await anyio.open_file(path, "rb") as upload:
        with darter.Client() as client, pytest.raises(TypeError, match="AsyncClient"):
            client.post(server + "/echo", files={"upload": upload})


@pytest.mark.parametrize("mode", ["asyncio", "uvloop"])
async def test_a_large_body_reaches_the_transport_in_slices(
    mode: str, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given whole to asyncio's transport, a large body would be copied into its
    # buffer and shifted at every send; darter hands it over a slice at a time.
    from darter.backends import asyncio as asyncio_backend

    sizes: list[int] = []
    write_once = asyncio_backend.AsyncioStream._write_once

    async def recording(
        self: asyncio_backend.AsyncioStream, data: bytes, timeout: float | None
    ) -> None:
        sizes.append(len(data))
        await write_once(self, data, timeout)

    monkeypatch.setattr(asyncio_backend.AsyncioStream, "_write_once", recording)
    body = bytes(range(256)) * (3 * 1024 * 1024 // 256 + 7)  # 3 MiB and a bit
    async with client_factory(mode)() as client:
        response = await client.post(server + "/echo", content=body)
    echoed = response.json()
    assert echoed["body"].encode("latin-1") == body
    assert max(sizes) == asyncio_backend.WRITE_SLICE_SIZE
    assert sum(sizes) > len(body)  # the head went first, in a write of its own
