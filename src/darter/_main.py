"""The entry point of the ``darter`` command.

The command line client needs the ``cli`` extra (click, rich, pygments); without
it, ``darter`` prints how to install it and exits with status 1.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Run the ``darter`` command line client."""
    try:
        from ._cli.main import main as cli_main
    except ImportError:
        print(
            "The darter command line client needs its extra dependencies: "
            "pip install 'darter[cli]'",
            file=sys.stderr,
        )
        sys.exit(1)
    cli_main()
