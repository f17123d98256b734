"""``python -m benchmarks``: the command line of the benchmark suite."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
