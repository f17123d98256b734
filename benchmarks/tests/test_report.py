"""Summaries, ratios, the Markdown report, results files and their comparison."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from benchmarks import report
from benchmarks.tests.results_data import results_file


def _record(client: str, req_per_s: float, cpu_us: float) -> dict[str, Any]:
    return {
        "client": client,
        "api": f"{client}.Client",
        "version": "1.0",
        "requests": 100,
        "req_per_s": req_per_s,
        "cpu_us_per_req": cpu_us,
        "latency_p50_us": 1e6 / req_per_s,
        "latency_p99_us": 2e6 / req_per_s,
        "peak_rss_kb": 30 * 1024,
    }


def _results(darter_rates: list[float], wrk: bool = True) -> dict[str, Any]:
    return results_file(
        {
            "sync-sequential": {
                "description": "sequential GET",
                "workload": "sync-sequential",
                "path": "/small",
                "body_size": 100,
                "requests": 100,
                "warmup": 10,
                "repetitions": len(darter_rates),
                "peers": ["darter", "httpx"],
                "clients": {
                    "darter": {"runs": [_record("darter", r, 100.0) for r in darter_rates]},
                    "httpx": {"runs": [_record("httpx", 1000.0, 400.0) for _ in darter_rates]},
                },
                "reference": {
                    "name": "wrk",
                    "label": "wrk -t1 -c1",
                    "available": wrk,
                    "version": "wrk 4" if wrk else None,
                    "seconds": 5.0,
                    "runs": (
                        [
                            {
                                "req_per_s": 8000.0,
                                "cpu_us_per_req": 20.0,
                                "latency_p50_us": 100.0,
                                "latency_p99_us": 200.0,
                                "requests": 40000,
                            }
                        ]
                        if wrk
                        else []
                    ),
                },
            }
        },
        schema=1,
        pinning={"mode": "split", "server_cpu": 1, "client_cpu": 0, "reason": ""},
        command="python -m benchmarks run",
        server={"name": "nginx", "version": "1.22.1"},
    )


def test_summaries_and_ratios() -> None:
    results = report.add_summaries(_results([2000.0, 1900.0, 2100.0]))
    scenario = results["scenarios"]["sync-sequential"]
    summary = scenario["clients"]["darter"]["summary"]
    assert summary["req_per_s"] == {"median": 2000.0, "min": 1900.0, "max": 2100.0, "n": 3}
    assert summary["peak_rss_mb"]["median"] == pytest.approx(30.0)
    assert scenario["ratios"]["darter"]["httpx"] == {"req_per_s": 2.0, "cpu_per_req": 0.25}
    assert scenario["ratios"]["darter"]["wrk"]["req_per_s"] == pytest.approx(0.25)


def test_markdown_report() -> None:
    text = report.render_markdown(report.add_summaries(_results([2000.0, 1900.0, 2100.0])))
    assert "| darter 1.0 (`darter.Client`) | 2,000 [1,900-2,100] | 100 [100-100] |" in text
    assert "| darter vs httpx | 2.00x | 0.25x |" in text
    assert "| darter vs wrk -t1 -c1 (C ceiling) | 0.25x | 5.00x |" in text
    assert "CPU pinning: nginx on CPU 1, clients on CPU 0 (different cores)" in text


def test_missing_wrk_is_said() -> None:
    text = report.render_markdown(report.add_summaries(_results([2000.0], wrk=False)))
    assert "wrk is not installed" in text
    assert "apt-get install -y wrk" in text


def test_noisy_figures_are_flagged() -> None:
    text = report.render_markdown(report.add_summaries(_results([1000.0, 2000.0, 3000.0])))
    assert "Noisy" in text
    assert "darter req_per_s" in text


def test_save_load_and_compare(tmp_path: Path) -> None:
    a = report.add_summaries(_results([2000.0, 1900.0, 2100.0]))
    b_raw = copy.deepcopy(_results([2400.0, 2300.0, 2500.0]))
    b_raw["created"] = "2025-01-03T03:04:05+00:00"
    b = report.add_summaries(b_raw)
    json_a, md_a = report.save(a, tmp_path)
    json_b, _ = report.save(b, tmp_path)
    assert json_a.name == "20250102-030405-sync-sequential.json"
    assert md_a.read_text().startswith("# darter benchmarks")
    text = report.render_comparison(report.load(json_a), report.load(json_b))
    assert "2,000 → 2,400 +20.0% |" in text
    assert "1,000 → 1,000 +0.0% (within noise)" in text


def test_load_rejects_other_json(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(ValueError, match="not a benchmark results file"):
        report.load(path)


def test_source_commit_is_shown() -> None:
    results = _results([2000.0])
    results["source"] = {"commit": "0123456789abcdef", "modified": True}
    text = report.render_markdown(report.add_summaries(results))
    assert "- source: commit 0123456789ab with uncommitted changes" in text
    assert "commit 0123456789ab)" in report.render_comparison(results, results)


def test_busy_machine_is_reported() -> None:
    results = _results([2000.0])
    results["machine"]["busy_before"] = 0.4
    text = report.render_markdown(report.add_summaries(results))
    assert "40% busy" in text
    assert "Warning: the machine was busy before the run" in text


def _async_record(client: str, loop: str, req_per_s: float, **extra: Any) -> dict[str, Any]:
    record = _record(client, req_per_s, 1e6 / req_per_s)
    record.update(
        loop=loop,
        loop_version=f"{loop} 1.0",
        concurrency=10,
        requests=100,
        server_connections=10,
        server_requests=110,
    )
    record.update(extra)
    return record


def _async_scenario(concurrency: int, clients: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "description": "concurrent GET",
        "workload": "async-concurrent",
        "path": "/small",
        "body_size": 100,
        "concurrency": concurrency,
        "sweep": "async-concurrency",
        "requests": 100,
        "warmup": 10,
        "time_limit_s": 30.0,
        "repetitions": 1,
        "peers": list(clients),
        "left_out": [],
        "clients": {name: {"runs": runs} for name, runs in clients.items()},
        "reference": None,
    }


def _async_results() -> dict[str, Any]:
    results = _results([2000.0])
    results["selection"] = "async-concurrency"
    results["scenarios"] = {
        "async-c1": _async_scenario(
            1,
            {
                "darter-asyncio": [_async_record("darter-asyncio", "asyncio", 2000.0)],
                "darter-trio": [_async_record("darter-trio", "trio", 1500.0)],
                "aiohttp": [_async_record("aiohttp", "asyncio", 1000.0)],
                "httpx-trio": [_async_record("httpx-trio", "trio", 500.0)],
            },
        ),
        "async-c10": _async_scenario(
            10,
            {
                "darter-asyncio": [_async_record("darter-asyncio", "asyncio", 4000.0)],
                "darter-trio": [_async_record("darter-trio", "trio", 3000.0)],
                "aiohttp": [_async_record("aiohttp", "asyncio", 4000.0)],
                "httpx-trio": [
                    _async_record("httpx-trio", "trio", 250.0, requests=40, server_connections=12)
                ],
            },
        ),
    }
    results["scenarios"]["async-c10"]["left_out"] = ["httpx"]
    results["scenarios"]["async-c10"]["failures"] = [
        {"client": "httpx2", "repetition": 1, "sequence": 5, "error": "boom", "detail": ""}
    ]
    return results


def test_each_darter_variant_is_compared_on_its_own_loop() -> None:
    results = report.add_summaries(_async_results())
    ratios = results["scenarios"]["async-c1"]["ratios"]
    assert ratios == {
        "darter-asyncio": {"aiohttp": {"req_per_s": 2.0, "cpu_per_req": 0.5}},
        "darter-trio": {"httpx-trio": {"req_per_s": 3.0, "cpu_per_req": pytest.approx(1 / 3)}},
    }
    text = report.render_markdown(results)
    assert "| darter-asyncio vs aiohttp | 2.00x | 0.50x |" in text
    assert "| darter-trio vs httpx-trio | 3.00x | 0.33x |" in text
    assert "(`darter-trio.Client`, trio 1.0) |" in text


def test_sweep_series_for_a_plot() -> None:
    results = report.add_summaries(_async_results())
    sweep = results["sweeps"]["async-concurrency"]
    assert sweep["x"] == "concurrency"
    assert sweep["levels"] == [1, 10]
    assert sweep["scenarios"] == ["async-c1", "async-c10"]
    assert sweep["series"]["darter-asyncio"]["req_per_s"] == [2000.0, 4000.0]
    assert sweep["series"]["httpx-trio"]["req_per_s_min"] == [500.0, 250.0]
    text = report.render_markdown(results)
    assert "## async-concurrency: throughput as concurrency grows" in text
    assert "| darter-asyncio | 2,000 | 4,000 | 100% |" in text
    assert "| httpx-trio | 500 | 250 | 50% |" in text


def test_notes_on_short_runs_extra_connections_and_left_out_peers() -> None:
    text = report.render_markdown(report.add_summaries(_async_results()))
    assert "| 10 |" in text  # the connections column
    assert "Not measured in this run: httpx." in text
    assert "Failed runs, not counted: httpx2 (repetition 1): boom." in text
    assert "Cut short by the time limit" in text
    assert "httpx-trio (40)" in text
    assert "Opened more connections than the 10 connections the work needs" in text
    assert "httpx-trio (12)" in text
    assert "more connections than the 1 connection the work needs" in text


def test_stem_names_the_selection(tmp_path: Path) -> None:
    results = report.add_summaries(_async_results())
    json_path, _ = report.save(results, tmp_path)
    assert json_path.name == "20250102-030405-async-concurrency.json"
    assert report.load(json_path)["sweeps"]["async-concurrency"]["levels"] == [1, 10]


def test_a_missing_reference_names_its_package() -> None:
    results = _results([2000.0], wrk=False)
    results["scenarios"]["sync-sequential"]["reference"].update(
        name="h2load", label="h2load -c1 -m100", install="sudo apt-get install -y nghttp2-client"
    )
    text = report.render_markdown(report.add_summaries(results))
    assert "h2load is not installed" in text
    assert "(`sudo apt-get install -y nghttp2-client`)" in text


def test_tls_sessions_resumed_are_noted_when_clients_reconnect() -> None:
    results = _async_results()
    clients = results["scenarios"]["async-c1"]["clients"]
    for name, resumed in (("darter-asyncio", 99), ("aiohttp", 0)):
        clients[name]["runs"][0].update(server_tls_connections=110, server_tls_resumed=resumed)
    text = report.render_markdown(report.add_summaries(results))
    assert "resumed an earlier session" in text
    assert "darter-asyncio 99 of 110, aiohttp 0 of 110." in text
    # One TLS connection per run: nothing to resume, nothing said.
    for run in (clients["darter-asyncio"]["runs"][0], clients["aiohttp"]["runs"][0]):
        run.update(server_tls_connections=1, server_tls_resumed=0)
    assert "resumed an earlier session" not in report.render_markdown(
        report.add_summaries(results)
    )


def test_a_peak_rss_from_ru_maxrss_is_noted() -> None:
    results = _results([2000.0])
    text = report.render_markdown(report.add_summaries(results))
    assert "ru_maxrss" not in text  # the figure's source unknown (older) or VmHWM
    runs = results["scenarios"]["sync-sequential"]["clients"]["httpx"]["runs"]
    runs[0]["peak_rss_source"] = "ru_maxrss"
    text = report.render_markdown(report.add_summaries(results))
    assert "Peak RSS read from `ru_maxrss`" in text
    assert "suite that started the runner: httpx." in text


def test_an_upload_that_did_not_arrive_whole_is_noted() -> None:
    results = _results([2000.0])
    scenario = results["scenarios"]["sync-sequential"]
    scenario["body_size"] = 1000
    for name, received in (("darter", 10**9), ("httpx", 250)):
        for run in scenario["clients"][name]["runs"]:
            run["server_upload_bytes"] = received
    text = report.render_markdown(report.add_summaries(results))
    note = text.split("did not reach the server whole")[1].split("\n")[0]
    assert "httpx (" in note
    assert "darter (" not in note
