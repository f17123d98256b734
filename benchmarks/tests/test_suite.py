"""The suite's loop over repetitions and peers, with the runner replaced (no processes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from benchmarks import suite
from benchmarks.cpus import Pinning
from benchmarks.scenarios import SCENARIOS, Scenario
from benchmarks.server import ServerCounters


class FakeServer:
    """Counts one more connection and two more requests at each reading."""

    base_url = "http://127.0.0.1:1"

    def __init__(self) -> None:
        self.readings = 0

    def counters(self) -> ServerCounters:
        self.readings += 1
        return ServerCounters(accepted=self.readings * 11, requests=self.readings * 101)

    def url(self, path: str) -> str:
        return self.base_url + path


def _measure(
    monkeypatch: pytest.MonkeyPatch,
    scenario: Scenario,
    runner: Callable[..., dict[str, Any]],
    **options: Any,
) -> dict[str, Any]:
    """Measure ``scenario`` twice, unpinned, against a ``FakeServer``, with ``runner`` in."""
    monkeypatch.setattr(suite, "run_runner", runner)
    settings = suite.SuiteOptions(
        scenarios=[scenario],
        nginx="nginx",
        pinning=Pinning("off", None, None, "test"),
        repetitions=2,
        **options,
    )
    return suite._measure_scenario(scenario, FakeServer(), settings)  # type: ignore[arg-type]


def test_a_failed_run_is_recorded_and_the_others_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_runner(scenario: Any, client: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if client == "httpx":
            raise suite.SuiteError(
                "runner for httpx (async-c10) exited with 1:\n"
                "runner httpx/async-c10 failed: ReadError('closed')\nTraceback ..."
            )
        return {
            "client": client,
            "requests": 10,
            "req_per_s": 1.0,
            "cpu_us_per_req": 1.0,
            "latency_p50_us": 1.0,
        }

    data = _measure(
        monkeypatch,
        SCENARIOS["async-c10"],
        fake_runner,
        requests=10,
        warmup=0,
        clients=["darter-asyncio", "httpx"],
    )
    assert [run["repetition"] for run in data["clients"]["darter-asyncio"]["runs"]] == [1, 2]
    assert data["clients"]["httpx"]["runs"] == []
    assert [(f["client"], f["repetition"]) for f in data["failures"]] == [
        ("httpx", 1),
        ("httpx", 2),
    ]
    assert data["failures"][0]["error"] == "runner httpx/async-c10 failed: ReadError('closed')"
    # Between two readings the fake server saw 11 connections, less the reading's own.
    assert data["clients"]["darter-asyncio"]["runs"][0]["server_connections"] == 10
    assert suite.failed_runs({"scenarios": {"async-c10": data}}) == 2


def test_the_reference_runs_once_per_repetition_after_the_peers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[Any, ...]] = []
    figures = {"req_per_s": 3.0, "mb_per_s": 99.0, "cpu_us_per_req": 1.0, "latency_p50_us": 1.0}

    def fake_runner(scenario: Any, client: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(("runner", client))
        return {"client": client, "requests": 2, **figures}

    def fake_reference(reference: Any, binary: str, url: str, *args: Any) -> dict[str, Any]:
        calls.append(("reference", binary, url, *args))
        return dict(figures)

    monkeypatch.setattr(suite, "run_reference", fake_reference)
    scenario = SCENARIOS["upload-sync"]
    data = _measure(
        monkeypatch,
        scenario,
        fake_runner,
        quick=True,
        clients=["darter"],
        references={"curl": "curl"},
    )
    url = FakeServer.base_url + scenario.path
    transfer = ("reference", "curl", url, 1.0, scenario.size(quick=True), 2, 1)
    assert calls == [("runner", "darter"), transfer] * 2
    reference = data["reference"]
    assert reference["name"] == "curl"
    assert reference["label"] == "curl --data-binary @FILE -o /dev/null"
    assert reference["available"]
    assert reference["seconds"] is None
    assert reference["transfers"] == 2
    assert reference["install"] == "sudo apt-get install -y curl"
    assert len(reference["runs"]) == 2
