"""Fixtures shared by the benchmark suite's tests."""

from __future__ import annotations

import pytest

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
