"""The sweep plot: a PNG per sweep, from a run or from a saved results file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.cli import EXIT_FAILED, main
from benchmarks.plot import PlotError, plot_path, plot_results

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LEVELS = [1, 10, 100, 1000]


def _series(rates: list[float | None]) -> dict[str, list[float | None]]:
    return {
        "req_per_s": rates,
        "req_per_s_min": [None if r is None else r * 0.9 for r in rates],
        "req_per_s_max": [None if r is None else r * 1.1 for r in rates],
        "cpu_us_per_req": [None if r is None else 1e6 / r for r in rates],
        "latency_p99_us": [None for _ in rates],
    }


def _results() -> dict[str, Any]:
    """A small results file with one sweep: three clients, one missing a level."""
    return {
        "schema": 2,
        "created": "2025-01-02T03:04:05+00:00",
        "mode": "quick",
        "machine": {"python": "3.11.0", "cpu_model": "test CPU", "cpu_count": 2},
        "server": {"version": "1.22.1"},
        "scenarios": {},
        "sweeps": {
            "async-concurrency": {
                "x": "concurrency",
                "levels": LEVELS,
                "scenarios": [f"async-c{level}" for level in LEVELS],
                "series": {
                    "darter-asyncio": _series([3000.0, 9000.0, 10000.0, 8000.0]),
                    "aiohttp": _series([2500.0, 7000.0, 7500.0, 6000.0]),
                    "httpx": _series([1500.0, 2000.0, 900.0, None]),
                },
                "reference": {
                    "label": "wrk -t1 -cN",
                    "req_per_s": [20000.0, 60000.0, 70000.0, 65000.0],
                },
            }
        },
    }


def _write(folder: Path, results: dict[str, Any]) -> Path:
    path = folder / "20250102-030405-async-concurrency-quick.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    return path


def _assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000  # lines, labels and a legend, not an empty canvas


def test_plot_beside_the_results_file(tmp_path: Path) -> None:
    json_path = _write(tmp_path, _results())
    (png,) = plot_results(_results(), json_path)
    assert png == tmp_path / "20250102-030405-async-concurrency-quick-async-concurrency.png"
    assert png == plot_path(json_path, "async-concurrency")
    _assert_png(png)


def test_plot_command_redraws_from_a_saved_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    json_path = _write(tmp_path, _results())
    out_dir = tmp_path / "plots"
    assert main(["plot", str(json_path), "--output-dir", str(out_dir)]) == 0
    (png,) = out_dir.glob("*.png")
    assert str(png) in capsys.readouterr().out
    _assert_png(png)


def test_nothing_to_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = _results()
    results["sweeps"] = {}
    json_path = _write(tmp_path, results)
    with pytest.raises(PlotError, match="no sweep"):
        plot_results(results, json_path)
    assert main(["plot", str(json_path)]) == EXIT_FAILED
    assert "no sweep" in capsys.readouterr().err
    assert main(["plot", str(tmp_path / "missing.json")]) == EXIT_FAILED
    assert not list(tmp_path.glob("*.png"))
