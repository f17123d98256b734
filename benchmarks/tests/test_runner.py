"""The runner's own helpers: the open-file limit, the record of a loop, the loop's name."""

from __future__ import annotations

import resource
from array import array

import pytest

from benchmarks.clients import ASYNC_CLIENTS, SYNC_CLIENTS
from benchmarks.measure import LoopFigures
from benchmarks.runner import ensure_open_files, figures_to_record, loop_version


def test_open_file_limit_already_high_enough_is_kept() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert ensure_open_files(16) == soft


def test_open_file_limit_is_raised_up_to_the_hard_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(resource, "getrlimit", lambda _which: (100, 200))
    monkeypatch.setattr(resource, "setrlimit", lambda _which, limits: calls.append(limits))
    assert ensure_open_files(150) == 150
    assert calls == [(150, 200)]
    with pytest.raises(OSError, match="hard limit is 200"):
        ensure_open_files(300)


def test_figures_to_record() -> None:
    figures = LoopFigures(
        requests=4,
        wall_s=2.0,
        cpu_user_s=0.5,
        cpu_sys_s=0.5,
        latencies_s=array("d", [0.1, 0.2, 0.3, 0.4]),
        warmup=3,
    )
    record = figures_to_record(figures)
    assert record["req_per_s"] == 2.0
    assert record["cpu_us_per_req"] == 250_000.0
    assert record["latency_max_us"] == pytest.approx(400_000.0)


def test_loop_version_names_the_loop() -> None:
    assert loop_version(SYNC_CLIENTS["darter"]) == "sync"
    assert loop_version(ASYNC_CLIENTS["darter-asyncio"]).startswith("asyncio (Python 3.")
    assert loop_version(ASYNC_CLIENTS["darter-trio"]).startswith("trio ")
