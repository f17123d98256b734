"""Sweeps: how each client's figures change along a group of scenarios.

A sweep (``scenarios.SWEEPS``) groups scenarios that differ only in their
concurrency. Once the scenarios of a run are summarized, ``add_sweeps`` adds to the
results, under ``sweeps``, one series per client aligned with the levels measured,
ready for a plot (requests/s per client per concurrency)::

    "sweeps": {"async-concurrency": {
        "x": "concurrency", "levels": [1, 10, 100, 1000],
        "scenarios": ["async-c1", "async-c10", "async-c100", "async-c1000"],
        "series": {"darter-asyncio": {"req_per_s": [...], "req_per_s_min": [...],
                                      "req_per_s_max": [...], "cpu_us_per_req": [...],
                                      "latency_p99_us": [...]}, ...},
        "reference": {"label": "wrk -t1 -cN", "req_per_s": [...]}}}

A client not measured at a level has ``null`` there. ``render_sweeps`` turns each
sweep into Markdown tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_SERIES_FIGURES = ("req_per_s", "cpu_us_per_req", "latency_p99_us")


def _median(summary: Mapping[str, Any] | None, figure: str) -> float | None:
    if not summary or figure not in summary:
        return None
    return float(summary[figure]["median"])


def _bound(summary: Mapping[str, Any] | None, figure: str, bound: str) -> float | None:
    if not summary or figure not in summary:
        return None
    return float(summary[figure][bound])


def build_sweep(scenarios: list[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The series of one sweep from its summarized scenarios, (name, data) pairs."""
    ordered = sorted(scenarios, key=lambda item: int(item[1].get("concurrency", 1)))
    levels = [int(data.get("concurrency", 1)) for _, data in ordered]
    clients: list[str] = []
    for _, data in ordered:
        clients += [name for name in data["clients"] if name not in clients]
    series: dict[str, dict[str, list[float | None]]] = {}
    for client in clients:
        summaries = [data["clients"].get(client, {}).get("summary") for _, data in ordered]
        entry: dict[str, list[float | None]] = {
            figure: [_median(summary, figure) for summary in summaries]
            for figure in _SERIES_FIGURES
        }
        entry["req_per_s_min"] = [_bound(s, "req_per_s", "min") for s in summaries]
        entry["req_per_s_max"] = [_bound(s, "req_per_s", "max") for s in summaries]
        series[client] = entry
    references = [(data.get("reference") or {}) for _, data in ordered]
    return {
        "x": "concurrency",
        "levels": levels,
        "scenarios": [name for name, _ in ordered],
        "series": series,
        "reference": {
            "label": "wrk -t1 -cN",
            "req_per_s": [_median(ref.get("summary"), "req_per_s") for ref in references],
        },
    }


def add_sweeps(results: dict[str, Any]) -> dict[str, Any]:
    """Add ``results["sweeps"]``: a sweep for each group with two levels or more."""
    groups: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for name, data in results["scenarios"].items():
        if data.get("sweep"):
            groups.setdefault(data["sweep"], []).append((name, data))
    results["sweeps"] = {
        sweep: build_sweep(members) for sweep, members in groups.items() if len(members) > 1
    }
    return results


def _fmt(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _retained(values: list[float | None]) -> str:
    """The last level's value as a share of the best level's."""
    measured = [value for value in values if value is not None]
    if len(measured) < 2 or values[-1] is None or max(measured) == 0:
        return "—"
    return f"{values[-1] / max(measured):.0%}"


def render_sweeps(results: Mapping[str, Any]) -> list[str]:
    """Markdown: for each sweep, req/s and CPU per request by client and level."""
    lines: list[str] = []
    for name, sweep in (results.get("sweeps") or {}).items():
        levels = [f"c={level:,}" for level in sweep["levels"]]
        last = levels[-1]
        lines += [
            f"## {name}: throughput as concurrency grows",
            "",
            "Requests/s, median over the repetitions, of each client at each "
            f"concurrency ({', '.join(sweep['scenarios'])}); the last column is the "
            f"throughput at {last} as a share of the client's best. The results file "
            f'holds these series under `"sweeps"` for a plot.',
            "",
            f"| client | {' | '.join(levels)} | {last} vs best |",
            "|---|" + "---:|" * (len(levels) + 1),
        ]
        for client, entry in sweep["series"].items():
            rates = entry["req_per_s"]
            cells = " | ".join(_fmt(value) for value in rates)
            lines.append(f"| {client} | {cells} | {_retained(rates)} |")
        wrk = sweep["reference"]["req_per_s"]
        if any(value is not None for value in wrk):
            cells = " | ".join(_fmt(value) for value in wrk)
            lines.append(f"| *reference (C): {sweep['reference']['label']}* | {cells} | — |")
        lines += [
            "",
            "CPU µs per request, median, by concurrency:",
            "",
            f"| client | {' | '.join(levels)} |",
            "|---|" + "---:|" * len(levels),
        ]
        for client, entry in sweep["series"].items():
            cells = " | ".join(_fmt(value, 1) for value in entry["cpu_us_per_req"])
            lines.append(f"| {client} | {cells} |")
        lines.append("")
    return lines
