"""What ``import darter`` loads, and what it leaves for first use."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

import darter

pytestmark = pytest.mark.anyio

#: Modules that `import darter` must not load: slow to import and not needed
#: until a feature that uses them is.
LEFT_FOR_LATER = [
    "logging",
    "inspect",
    "dataclasses",
    "hashlib",
    "datetime",
    "idna",
    "h2",
    "darter._async.client",
    "darter._digest",
    "darter._mounts",
]


def test_import_darter_leaves_optional_modules_for_first_use() -> None:
    code = (
        "import json, sys; import darter; "
        f"print(json.dumps([m for m in {LEFT_FOR_LATER!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


def test_lazy_names_are_the_real_ones() -> None:
    from darter._async.client import AsyncClient
    from darter._digest import DigestAuth

    assert darter.AsyncClient is AsyncClient
    assert darter.DigestAuth is DigestAuth
    assert AsyncClient.__module__ == "darter"
    assert {"AsyncClient", "AsyncHTTPTransport", "DigestAuth"} <= set(dir(darter))
    with pytest.raises(AttributeError):
        darter.NoSuchName  # type: ignore[attr-defined]  # noqa: B018


async def test_request_lines_are_logged_when_logging_shows_info(
    make_client, server: str, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    async with make_client() as client:
        with caplog.at_level(logging.INFO, logger="darter"):
            await client.get(server + "/echo")
        await client.get(server + "/echo")  # INFO no longer shown: nothing logged
    assert [record.getMessage() for record in caplog.records if record.name == "darter"] == [
        f'HTTP Request: GET {server}/echo "HTTP/1.1 200 OK"'
    ]
