"""The command line's failure modes and the end-to-end run against a real nginx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.cli import EXIT_MISSING, main
from benchmarks.server import find_nginx


def test_missing_nginx_exits_non_zero_with_the_install_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["run", "--scenario", "sync-sequential", "--nginx", str(tmp_path / "x")])
    assert status == EXIT_MISSING
    assert "apt-get install -y nginx" in capsys.readouterr().err


def test_unknown_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--scenario", "nope"]) == 1
    assert "unknown scenario" in capsys.readouterr().err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    assert "darter, httpx, requests, urllib3" in capsys.readouterr().out


@pytest.mark.network
@pytest.mark.skipif(find_nginx() is None, reason="nginx is not installed")
def test_tiny_run_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "run",
            "--scenario",
            "sync-sequential",
            "--requests",
            "20",
            "--warmup",
            "2",
            "--repetitions",
            "2",
            "--no-wrk",
            "--output-dir",
            str(tmp_path),
        ]
    )
    assert status == 0
    assert "| darter" in capsys.readouterr().out
    (json_path,) = tmp_path.glob("*.json")
    results = json.loads(json_path.read_text())
    clients = results["scenarios"]["sync-sequential"]["clients"]
    assert set(clients) == {"darter", "httpx", "requests", "urllib3"}
    for data in clients.values():
        assert len(data["runs"]) == 2
        for run in data["runs"]:
            assert run["requests"] == 20
            assert run["cpu_s"] >= 0
            assert run["latency_p50_us"] <= run["latency_p99_us"]
    # Each run in a process of its own, interleaved: every client's first repetition
    # ran before any client's second.
    runs = [run for data in clients.values() for run in data["runs"]]
    assert len({run["pid"] for run in runs}) == 8
    first = [run["sequence"] for run in runs if run["repetition"] == 1]
    second = [run["sequence"] for run in runs if run["repetition"] == 2]
    assert max(first) < min(second)
