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
