"""Options and fixtures of the command line tests.

``pytest tests/cli --update-snapshots`` rewrites the snapshot files under
``tests/cli/snapshots/`` from the current output (so does
``python -m tests.cli.update_snapshots``); review the change with ``git diff``.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="Rewrite the darter CLI output snapshots instead of comparing with them.",
    )


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    """True when the snapshots are to be rewritten rather than compared."""
    return bool(request.config.getoption("--update-snapshots", default=False))
