"""The choice of cores for the server and the clients."""

from __future__ import annotations

import pytest

from benchmarks.cpus import plan_pinning


def test_split_uses_two_different_cores() -> None:
    pinning = plan_pinning("split", cpus=[0, 1, 2, 3])
    assert (pinning.server_cpu, pinning.client_cpu) == (3, 0)
    assert pinning.enabled
    assert "different cores" in pinning.describe()


def test_split_with_one_core_pins_nothing_and_says_why() -> None:
    pinning = plan_pinning("split", cpus=[0])
    assert not pinning.enabled
    assert "only 1 usable core" in pinning.describe()


def test_same_puts_both_on_one_core() -> None:
    pinning = plan_pinning("same", cpus=[2, 5])
    assert (pinning.server_cpu, pinning.client_cpu) == (2, 2)


def test_off_pins_nothing() -> None:
    pinning = plan_pinning("off", cpus=[0, 1])
    assert not pinning.enabled
    assert pinning.to_dict()["mode"] == "off"


def test_unknown_mode() -> None:
    with pytest.raises(ValueError, match="unknown pinning mode"):
        plan_pinning("diagonal")
