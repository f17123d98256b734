"""Fixtures shared by the benchmark suite's tests."""

from __future__ import annotations

import pytest

from benchmarks.references import TOOLS
from benchmarks.server import INSTALL_HINT, find_nginx


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    """nginx's binary for the end-to-end tests; fails (never skips) when it is missing."""
    binary = find_nginx()
    if binary is None:
        pytest.fail(
            f"nginx is required by this test and was not found; install it:\n{INSTALL_HINT}"
        )
    return binary


def _tool_binary(name: str) -> str:
    """A C reference's binary; fails (never skips) with its install command when missing."""
    tool = TOOLS[name]
    binary = tool.find()
    if binary is None:
        pytest.fail(
            f"{name} is required by this test and was not found; install it:\n{tool.install_hint}"
        )
    return binary


@pytest.fixture(scope="session")
def h2load_binary() -> str:
    """h2load's binary (Debian's nghttp2-client); fails when it is missing."""
    return _tool_binary("h2load")


@pytest.fixture(scope="session")
def curl_binary() -> str:
    """The curl command line's binary; fails when it is missing."""
    return _tool_binary("curl")
