"""The scenario table is consistent with the workloads and the client adapters."""

from __future__ import annotations

import pytest

from benchmarks.clients import CLIENTS, find_spec
from benchmarks.scenarios import SCENARIOS, Scenario, select
from benchmarks.workloads import WORKLOADS


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_every_peer_has_an_adapter_for_its_workload(scenario: Scenario) -> None:
    workload = WORKLOADS[scenario.workload]
    assert workload.kind in CLIENTS
    assert scenario.peers[0] == "darter"
    for peer in scenario.peers:
        assert find_spec(workload.kind, peer).name == peer
    assert scenario.quick_requests <= scenario.requests


def test_sync_sequential_is_the_first_scenario() -> None:
    scenario = SCENARIOS["sync-sequential"]
    assert scenario.peers == ("darter", "httpx", "requests", "urllib3")
    assert scenario.requests == 5_000
    assert scenario.body_size == 100
    assert scenario.wrk is not None
    assert scenario.wrk.connections == 1


def test_select() -> None:
    assert select("all") == list(SCENARIOS.values())
    assert [s.name for s in select("sync-sequential")] == ["sync-sequential"]
    with pytest.raises(KeyError, match="unknown scenario"):
        select("nope")


def test_unknown_client() -> None:
    with pytest.raises(KeyError, match="no sync adapter"):
        find_spec("sync", "curl")
