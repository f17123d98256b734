"""A results file's envelope for the report tests: the machine, pinning and scenarios."""

from __future__ import annotations

from typing import Any

CREATED = "2025-01-02T03:04:05+00:00"
UNPINNED = {"mode": "off", "server_cpu": None, "client_cpu": None, "reason": "test"}


def results_file(
    scenarios: dict[str, Any],
    *,
    mode: str = "full",
    schema: int = 2,
    pinning: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A results file as the suite writes it, before summaries, from a made-up machine.

    ``pinning`` defaults to none; ``extra`` adds top-level keys (``command``, ``server``).
    """
    return {
        "schema": schema,
        "created": CREATED,
        "mode": mode,
        "machine": {
            "python": "3.11.0",
            "implementation": "CPython",
            "platform": "Linux",
            "cpu_model": "test CPU",
            "cpu_count": 2,
            "load_average_before": [0.1, 0.1, 0.1],
        },
        "pinning": dict(UNPINNED if pinning is None else pinning),
        **extra,
        "scenarios": scenarios,
    }
