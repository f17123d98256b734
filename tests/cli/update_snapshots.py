"""Rewrite the CLI output snapshots: ``python -m tests.cli.update_snapshots``.

Run it from the repository's root after a deliberate change to the output, then
review the change with ``git diff tests/cli/snapshots`` (``cat`` shows the terminal
snapshots in colour).
"""

from __future__ import annotations

from tests.cli.snapshot_cases import write_all


def main() -> None:
    for path in write_all():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
