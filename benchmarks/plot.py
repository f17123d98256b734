"""The sweep plot: each client's throughput against concurrency, as a PNG.

For every sweep of a results file (``results["sweeps"]``, built by ``sweeps``), one
chart: requests/s (median over the repetitions) against the concurrency on a log
axis, one line per client, the min-max range of its repetitions as a light band,
darter's variants solid and the other peers dashed, and wrk, the C reference, as a
dotted black line when it ran (its figures in the legend instead when they would
dwarf the clients'). A client not measured at a level has a gap there.

The PNG goes next to the results file, named after it and the sweep
(``<results stem>-async-concurrency.png``). ``python -m benchmarks run`` draws it
when it saves a run with a sweep, ``python -m benchmarks plot RESULTS.json`` draws it
again from a saved file.

matplotlib (pinned in ``requirements-bench.txt``) is imported only to draw, and the
figure is drawn without pyplot, so no display or GUI backend is involved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .report import is_subject
from .suite import MissingDependency

INSTALL_HINT = "python -m pip install -r requirements-bench.txt    (for matplotlib)"


class PlotError(RuntimeError):
    """There is nothing to plot: the results hold no sweep."""


def plot_path(results_path: Path, sweep: str) -> Path:
    """Where the plot of ``sweep`` goes: beside the results file, after its name."""
    return results_path.with_name(f"{results_path.stem}-{sweep}.png")


def _values(series: Sequence[float | None]) -> list[float]:
    """A series for matplotlib: missing values as NaN, which leave a gap."""
    return [math.nan if value is None else float(value) for value in series]


def _subtitle(results: Mapping[str, Any]) -> str:
    """When and where: the run's date, mode, server, Python and CPU."""
    machine = results.get("machine", {})
    server = results.get("server", {})
    parts = [
        f"{str(results.get('created', ''))[:16].replace('T', ' ')} UTC, "
        f"{results.get('mode', '?')} mode",
        f"nginx {server.get('version', '?')}",
        f"Python {machine.get('python', '?')}",
        f"{machine.get('cpu_model', '?')}, {machine.get('cpu_count', '?')} cores",
    ]
    return " · ".join(parts)


def _draw_reference(
    axes: Any, levels: list[int], reference: Mapping[str, Any], top: float
) -> None:
    """wrk's line; when it would tower over the clients, its figures in the legend only.

    The clients' lines would be squeezed at the bottom of a chart scaled to wrk's.
    """
    rates = _values(reference.get("req_per_s", []))
    if not any(math.isfinite(rate) for rate in rates):
        return
    label = f"{reference.get('label', 'wrk')} (C reference)"
    if max(rate for rate in rates if math.isfinite(rate)) <= top:
        axes.plot(levels, rates, color="black", linestyle=":", marker="s", label=label)
        return
    figures = " / ".join("—" if math.isnan(rate) else f"{rate:,.0f}" for rate in rates)
    at = " / ".join(f"{level:,}" for level in levels)
    axes.plot(
        [],
        [],
        color="black",
        linestyle=":",
        label=f"{label}, off the chart\n(c={at}):\n{figures} req/s",
    )


def draw_sweep(name: str, sweep: Mapping[str, Any], subtitle: str, path: Path) -> Path:
    """Write the PNG of one sweep to ``path`` and return it.

    Raises ``MissingDependency`` with the install command when matplotlib is missing.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependency(
            f"matplotlib is needed to plot; install it:\n  {INSTALL_HINT}"
        ) from None

    levels = [int(level) for level in sweep["levels"]]
    figure = Figure(figsize=(10, 6), layout="constrained")
    axes = figure.subplots()
    colours = [f"C{index % 10}" for index in range(len(sweep["series"]))]
    for colour, (client, series) in zip(colours, sweep["series"].items(), strict=True):
        subject = is_subject(client)
        axes.plot(
            levels,
            _values(series["req_per_s"]),
            color=colour,
            linestyle="-" if subject else "--",
            linewidth=2.2 if subject else 1.5,
            marker="o",
            label=client,
        )
        if "req_per_s_min" in series and "req_per_s_max" in series:
            axes.fill_between(
                levels,
                _values(series["req_per_s_min"]),
                _values(series["req_per_s_max"]),
                color=colour,
                alpha=0.12,
                linewidth=0,
            )
    top = 1.15 * max(
        (v for series in sweep["series"].values() for v in _values(series["req_per_s"])),
        default=1.0,
    )
    _draw_reference(axes, levels, sweep.get("reference") or {}, top)
    axes.set_xscale("log")
    axes.set_xticks(levels, [f"{level:,}" for level in levels])
    axes.minorticks_off()
    axes.set_ylim(bottom=0, top=top if math.isfinite(top) and top > 0 else None)
    axes.grid(True, which="major", alpha=0.3)
    axes.set_xlabel("concurrency: requests in flight on one client (log scale)")
    axes.set_ylabel("requests/s (median over repetitions; band: min-max)")
    axes.set_title(f"{name}: throughput by concurrency\n{subtitle}", fontsize=11)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, title="client")
    axes.yaxis.set_major_formatter("{x:,.0f}")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    return path


def plot_results(results: Mapping[str, Any], results_path: Path) -> list[Path]:
    """Draw every sweep of ``results`` beside ``results_path``; return the PNGs' paths.

    Raises ``PlotError`` when the results hold no sweep, ``MissingDependency`` when
    matplotlib is missing.
    """
    sweeps: Mapping[str, Any] = results.get("sweeps") or {}
    if not sweeps:
        raise PlotError(f"{results_path} holds no sweep to plot (run async-concurrency)")
    subtitle = _subtitle(results)
    return [
        draw_sweep(name, sweep, subtitle, plot_path(results_path, name))
        for name, sweep in sweeps.items()
    ]
