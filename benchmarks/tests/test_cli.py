"""The command line's failure modes and the end-to-end run against a real nginx."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.cli import EXIT_MISSING, main
from benchmarks.scenarios import ASYNC_PEERS, SYNC_PEERS


def _load_only_results(folder: Path) -> dict[str, Any]:
    (json_path,) = folder.glob("*.json")
    results: dict[str, Any] = json.loads(json_path.read_text())
    return results


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
    out = capsys.readouterr().out
    assert ", ".join(SYNC_PEERS) in out
    assert ", ".join(ASYNC_PEERS) in out
    assert "async-concurrency (sweep): async-c1, async-c10, async-c100, async-c1000" in out


def test_clients_matching_no_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--scenario", "async-c100", "--clients", "requests"]) == 1
    assert "no scenario" in capsys.readouterr().err


@pytest.mark.network
@pytest.mark.usefixtures("nginx_binary")
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
    assert status == 0, capsys.readouterr().err
    assert "| darter" in capsys.readouterr().out
    results = _load_only_results(tmp_path)
    clients = results["scenarios"]["sync-sequential"]["clients"]
    assert list(clients) == list(SYNC_PEERS)
    for data in clients.values():
        assert len(data["runs"]) == 2
        for run in data["runs"]:
            assert run["requests"] == 20
            assert run["cpu_s"] >= 0
            assert run["latency_p50_us"] <= run["latency_p99_us"]
            assert run["server_connections"] == 1
            assert run["server_requests"] == 22
            assert run["peak_rss_source"] == "VmHWM"
            assert run["rss_before_client_kb"] <= run["peak_rss_kb"]
    # Each run in a process of its own, interleaved: every client's first repetition
    # ran before any client's second.
    runs = [run for data in clients.values() for run in data["runs"]]
    assert len({run["pid"] for run in runs}) == 2 * len(SYNC_PEERS)
    first = [run["sequence"] for run in runs if run["repetition"] == 1]
    second = [run["sequence"] for run in runs if run["repetition"] == 2]
    assert max(first) < min(second)


@pytest.mark.network
@pytest.mark.usefixtures("nginx_binary")
def test_every_async_peer_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One tiny run of each async adapter at concurrency 10, on its event loop."""
    status = main(
        [
            "run",
            "--scenario",
            "async-c10",
            "--requests",
            "40",
            "--warmup",
            "0",
            "--repetitions",
            "1",
            "--no-wrk",
            "--output-dir",
            str(tmp_path),
        ]
    )
    assert status == 0, capsys.readouterr().err
    results = _load_only_results(tmp_path)
    assert results["schema"] == 2
    scenario = results["scenarios"]["async-c10"]
    assert list(scenario["clients"]) == list(ASYNC_PEERS)
    for name, data in scenario["clients"].items():
        (run,) = data["runs"]
        assert run["client"] == name
        assert run["concurrency"] == 10
        assert run["requests"] == 40
        assert run["warmup"] == 10  # at least one warm-up request per task
        # The pool holds 10 connections, opened during the warm-up and kept alive.
        # pyreqwest's pool (hyper) races a new connection against a connection
        # freed meanwhile and keeps whichever it gets: its count varies run to run
        # (5 to 11 seen here).
        if name == "pyreqwest":
            assert run["server_connections"] >= 1, name
        else:
            assert run["server_connections"] == 10, name
        assert run["server_requests"] == 50
    loops = {name: data["loop"] for name, data in scenario["clients"].items()}
    assert loops["darter-uvloop"] == "uvloop"
    assert loops["darter-trio"] == loops["httpx-trio"] == "trio"
    assert set(scenario["ratios"]["darter-asyncio"]) == {
        "aiohttp",
        "httpx",
        "httpx2",
        "niquests",
        "pyreqwest",
        "curl_cffi",
    }
    assert set(scenario["ratios"]["darter-trio"]) == {"httpx-trio"}


@pytest.mark.network
@pytest.mark.usefixtures("nginx_binary")
def test_tiny_sweep_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The whole sweep, up to 1,000 connections, with one client per kind of loop."""
    status = main(
        [
            "run",
            "--scenario",
            "async-concurrency",
            "--clients",
            "darter-asyncio,darter-trio,aiohttp-uvloop",
            "--requests",
            "30",
            "--warmup",
            "0",
            "--repetitions",
            "1",
            "--no-wrk",
            "--output-dir",
            str(tmp_path),
        ]
    )
    assert status == 0, capsys.readouterr().err
    assert "## async-concurrency: throughput as concurrency grows" in capsys.readouterr().out
    (json_path,) = tmp_path.glob("*.json")
    assert json_path.name.endswith("-async-concurrency.json")
    # The plot of the sweep, beside the results file.
    png = json_path.with_name(f"{json_path.stem}-async-concurrency.png")
    assert png.read_bytes().startswith(b"\x89PNG")
    results = json.loads(json_path.read_text())
    assert list(results["scenarios"]) == ["async-c1", "async-c10", "async-c100", "async-c1000"]
    c1000 = results["scenarios"]["async-c1000"]["clients"]["darter-asyncio"]["runs"][0]
    assert c1000["server_connections"] == 1000
    sweep = results["sweeps"]["async-concurrency"]
    assert sweep["levels"] == [1, 10, 100, 1000]
    assert set(sweep["series"]) == {"darter-asyncio", "darter-trio", "aiohttp-uvloop"}
    for series in sweep["series"].values():
        assert len(series["req_per_s"]) == 4
        assert all(value > 0 for value in series["req_per_s"])
