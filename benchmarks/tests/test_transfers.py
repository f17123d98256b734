"""The transfer scenarios: every peer downloads and uploads a small body from nginx."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.clients import CLIENTS
from benchmarks.measure import MeasureParams
from benchmarks.report import add_summaries, render_markdown
from benchmarks.resources import LARGE_PATH, UPLOAD_PATH
from benchmarks.runner import figures_to_record
from benchmarks.scenarios import SCENARIOS, select
from benchmarks.server import running_nginx
from benchmarks.sessions import BadResponse
from benchmarks.tests.results_data import results_file
from benchmarks.transfer_clients import upload_body
from benchmarks.workloads import WORKLOADS, run_sync_transfer

# Not a multiple of any chunk size, so that a lost or repeated chunk shows.
LARGE = (1 << 20) + 12_345
UPLOAD = (512 << 10) + 77
TRANSFERS = ("download-sync", "download-async", "upload-sync", "upload-async")


def test_transfer_scenarios_move_large_bodies_and_report_mb_per_s() -> None:
    for name in TRANSFERS:
        scenario = SCENARIOS[name]
        assert scenario.unit == "MB/s"
        assert scenario.size(quick=True) < scenario.size(quick=False)
        assert scenario.peers[0].startswith("darter")
        assert WORKLOADS[scenario.workload].kind == scenario.workload
        assert set(scenario.peers) <= set(CLIENTS[scenario.workload])
    download = SCENARIOS["download-sync"]
    assert download.path == LARGE_PATH
    assert download.size(quick=False) == 256 << 20
    assert download.large_size_in(quick=True) == 32 << 20
    upload = SCENARIOS["upload-async"]
    assert upload.path == UPLOAD_PATH
    assert upload.size(quick=False) == 64 << 20
    assert upload.large_size_in(quick=False) == 0
    assert SCENARIOS["sync-sequential"].unit == "req/s"
    assert [s.name for s in select("all")][-4:] == list(TRANSFERS)


@pytest.mark.parametrize("name", TRANSFERS)
def test_every_transfer_peer_end_to_end(nginx_binary: str, name: str) -> None:
    """Each peer moves the whole body, twice after a warm-up, through real nginx."""
    scenario = SCENARIOS[name]
    workload = WORKLOADS[scenario.workload]
    size = LARGE if scenario.path == LARGE_PATH else UPLOAD
    with running_nginx(nginx_binary, large_size=LARGE) as server:
        for client in scenario.peers:
            before = server.counters()
            spec = CLIENTS[workload.kind][client]
            params = MeasureParams(server.url(scenario.path), 2, 1, size)
            figures = workload.run(spec, params, None)
            seen = server.counters().since(before)
            assert figures.requests == 2, client
            assert figures.wall_s > 0, client
            assert seen.requests == 3, client
            if scenario.path == UPLOAD_PATH:  # every body read whole by nginx
                assert seen.upload_bytes >= 3 * size, client
            record = figures_to_record(figures, size)
            assert record["mb_per_s"] == pytest.approx(2 * size / figures.wall_s / 1e6)


def test_a_short_download_is_an_error(nginx_binary: str) -> None:
    with running_nginx(nginx_binary, large_size=LARGE) as server:
        spec = CLIENTS["sync-download"]["darter"]
        params = MeasureParams(server.url(LARGE_PATH), 1, 0, LARGE + 1)
        with pytest.raises(BadResponse, match=f"body of {LARGE} bytes"):
            run_sync_transfer(spec, params)


def test_upload_body_has_the_size_asked() -> None:
    assert len(upload_body(0)) == 0
    assert len(upload_body(UPLOAD)) == UPLOAD


def _run(client: str, mb_per_s: float) -> dict[str, Any]:
    return {
        "client": client,
        "api": f"{client}.Client",
        "version": "1.0",
        "requests": 3,
        "req_per_s": mb_per_s / 256,
        "mb_per_s": mb_per_s,
        "cpu_us_per_req": 50_000.0,
        "latency_p50_us": 80_000.0,
        "latency_p99_us": 90_000.0,
        "peak_rss_kb": 30 * 1024,
    }


def test_report_shows_mb_per_s_and_the_ratio() -> None:
    results = results_file(
        {
            "download-sync": {
                "description": "streamed GET",
                "body_size": 256 << 20,
                "unit": "MB/s",
                "requests": 3,
                "warmup": 1,
                "repetitions": 1,
                "clients": {
                    "darter": {"runs": [_run("darter", 3000.0)]},
                    "urllib3": {"runs": [_run("urllib3", 2000.0)]},
                },
                "reference": {
                    "name": "curl",
                    "label": "curl -o /dev/null",
                    "available": True,
                    "version": "curl 7.88.1",
                    "seconds": None,
                    "transfers": 3,
                    "runs": [_run("curl", 6000.0)],
                },
            }
        }
    )
    text = render_markdown(add_summaries(results))
    assert "| client | MB/s median [min-max] |" in text
    assert "| 3,000 [3,000-3,000] |" in text
    assert "| *reference (C):* `curl -o /dev/null`, 3 transfers | 6,000 [6,000-6,000] |" in text
    assert "| comparison | MB/s ratio | CPU/request ratio |" in text
    assert "| darter vs urllib3 | 1.50x | 1.00x |" in text
    assert "| darter vs curl -o /dev/null (C ceiling) | 0.50x | 1.00x |" in text
