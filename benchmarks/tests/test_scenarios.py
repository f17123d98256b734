"""The scenario table is consistent with the workloads and the client adapters."""

from __future__ import annotations

from dataclasses import replace

import pytest

from benchmarks.clients import ASYNC_CLIENTS, CLIENTS, find_spec
from benchmarks.scenarios import (
    ASYNC_PEERS,
    SCENARIOS,
    SWEEPS,
    SYNC_PEERS,
    CurlReference,
    Scenario,
    select,
)
from benchmarks.sessions import LOOPS, ClientSpec
from benchmarks.workloads import WORKLOADS


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_every_peer_has_an_adapter_for_its_workload(scenario: Scenario) -> None:
    workload = WORKLOADS[scenario.workload]
    assert workload.kind in CLIENTS
    assert scenario.peers[0].startswith("darter")
    for peer in scenario.peers:
        assert find_spec(workload.kind, peer).name == peer
    assert set(scenario.peers_in(quick=True)) <= set(scenario.peers)
    assert scenario.quick_requests <= scenario.requests
    if scenario.wrk is not None:
        assert scenario.wrk.connections == scenario.concurrency
    if scenario.h2load is not None:
        assert scenario.h2load.connections * scenario.h2load.streams == scenario.concurrency
    if scenario.curl is not None:
        assert scenario.unit == "MB/s"
        assert scenario.curl.upload == (scenario.workload.endswith("upload"))
    assert scenario.reference is not None


def test_sync_sequential_is_the_first_scenario() -> None:
    scenario = next(iter(SCENARIOS.values()))
    assert scenario.name == "sync-sequential"
    assert scenario.peers == SYNC_PEERS
    assert SYNC_PEERS[:4] == ("darter", "httpx", "requests", "urllib3")
    assert scenario.requests == 5_000
    assert scenario.body_size == 100
    assert scenario.wrk is not None
    assert scenario.wrk.connections == 1
    assert scenario.repetition_count(quick=False) == 5
    assert scenario.repetition_count(quick=True) == 3
    assert scenario.time_limit(quick=False) is None


def test_async_c100_is_the_brief() -> None:
    scenario = SCENARIOS["async-c100"]
    assert scenario.requests == 10_000
    assert scenario.concurrency == 100
    assert scenario.body_size == 100
    assert scenario.time_limit(quick=False) is None  # every client makes all 10,000
    assert scenario.peers == ASYNC_PEERS
    assert scenario.peers[:4] == ("darter-asyncio", "darter-uvloop", "darter-trio", "darter-anyio")


def test_the_concurrency_sweep() -> None:
    members = SWEEPS["async-concurrency"]
    assert [member.concurrency for member in members] == [1, 10, 100, 1000]
    assert select("async-concurrency") == list(members)
    for member in members:
        assert member.name == f"async-c{member.concurrency}"
        assert member.sweep == "async-concurrency"
        assert member.requests == 10_000
        # Warm-up opens the whole pool: at least one request per task.
        assert member.warmup >= member.concurrency
        assert member.quick_warmup >= member.concurrency


def test_async_adapters_name_their_loop() -> None:
    assert set(ASYNC_PEERS) == set(ASYNC_CLIENTS)
    for spec in ASYNC_CLIENTS.values():
        assert spec.loop in LOOPS
        assert spec.loop != "sync"
        if spec.loop in ("uvloop", "trio"):
            assert spec.loop in spec.requires
    assert ASYNC_CLIENTS["darter-anyio"].loop == "asyncio"
    assert ASYNC_CLIENTS["darter-uvloop"].api == "darter.AsyncClient(backend='asyncio')"


def test_a_scenario_has_one_reference_at_most() -> None:
    with pytest.raises(ValueError, match="more than one C reference"):
        replace(SCENARIOS["sync-sequential"], curl=CurlReference())


def test_select() -> None:
    assert select("all") == list(SCENARIOS.values())
    assert [s.name for s in select("sync-sequential")] == ["sync-sequential"]
    with pytest.raises(KeyError, match="unknown scenario"):
        select("nope")


def test_unknown_client() -> None:
    with pytest.raises(KeyError, match="no sync adapter"):
        find_spec("sync", "curl")
    with pytest.raises(KeyError, match="no async adapter"):
        find_spec("async", "requests")


def test_missing_module_gives_the_install_command() -> None:
    spec = ClientSpec(
        "x", "json", "json", "x.Client", open, loop="uvloop", requires=("no_such_module_zz",)
    )
    assert spec.missing() == ["no_such_module_zz"]
    assert spec.install_hint() == "python -m pip install no_such_module_zz"
