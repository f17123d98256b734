"""The pool's bookkeeping, without sockets: limits, reuse order, waiters, expiry."""

from __future__ import annotations

import contextlib
from collections.abc import Hashable

import pytest

from darter._protocol.pool import PoolState, Waiter, can_retry_request


class Conn:
    def __init__(self, origin: Hashable) -> None:
        self.origin = origin
        self.idle_since = 0.0

    def __repr__(self) -> str:
        return f"Conn({self.origin!r})"


class Flag:
    def __init__(self) -> None:
        self.is_set = False

    def set(self) -> None:
        self.is_set = True


def make_state(
    max_connections: int | None = 2, max_idle: int | None = 2, expiry: float | None = 5.0
) -> PoolState[Conn]:
    return PoolState(
        max_connections=max_connections,
        max_idle_connections=max_idle,
        keepalive_expiry=expiry,
        lock=contextlib.nullcontext(),
        create_event=Flag,
    )


def open_connection(state: PoolState[Conn], origin: str, now: float = 0.0) -> Conn:
    found, to_close = state.checkout(origin, now)
    assert found is None and to_close == []
    connection = Conn(origin)
    state.add(connection)
    return connection


def test_new_connection_then_reuse_of_the_most_recent() -> None:
    state = make_state()
    first = open_connection(state, "a")
    second = open_connection(state, "a")
    assert state.open == 2 and state.in_use_count == 2
    assert state.checkin(first, True, 1.0) == []
    assert state.checkin(second, True, 2.0) == []
    assert state.idle_count == 2
    found, _ = state.checkout("a", 3.0)
    assert found is second  # last in, first out
    assert state.idle_count == 1 and state.in_use_count == 1


def test_connections_are_per_origin() -> None:
    state = make_state(max_connections=None)
    a = open_connection(state, "a")
    state.checkin(a, True, 0.0)
    found, _ = state.checkout("b", 0.0)
    assert found is None  # a new one for b, a stays idle
    assert state.idle_count == 1 and state.open == 2


def test_full_pool_makes_requests_wait_in_order() -> None:
    state = make_state(max_connections=1)
    a = open_connection(state, "a")
    first, _ = state.checkout("a", 0.0)
    second, _ = state.checkout("a", 0.0)
    assert isinstance(first, Waiter) and isinstance(second, Waiter)
    assert state.waiting_count == 2
    assert state.checkin(a, True, 1.0) == []
    assert first.granted and first.connection is a and first.event.is_set
    assert not second.granted
    assert state.checkin(a, True, 2.0) == []
    assert second.connection is a


def test_head_waiter_of_another_origin_gets_the_slot() -> None:
    state = make_state(max_connections=1)
    a = open_connection(state, "a")
    waiter, _ = state.checkout("b", 0.0)
    assert isinstance(waiter, Waiter)
    assert state.checkin(a, True, 1.0) == [a]  # closed to make room for b
    assert waiter.granted and waiter.connection is None
    assert state.open == 1


def test_broken_connection_frees_its_slot_for_a_waiter() -> None:
    state = make_state(max_connections=1)
    a = open_connection(state, "a")
    waiter, _ = state.checkout("a", 0.0)
    assert isinstance(waiter, Waiter)
    assert state.checkin(a, False, 1.0) == [a]
    assert waiter.granted and waiter.connection is None
    assert state.open == 1


def test_full_pool_replaces_an_idle_connection_of_another_origin() -> None:
    state = make_state(max_connections=1)
    a = open_connection(state, "a")
    state.checkin(a, True, 0.0)
    found, to_close = state.checkout("b", 0.0)
    assert found is None and to_close == [a]
    assert state.open == 1 and state.idle_count == 0


def test_idle_limit_closes_the_oldest() -> None:
    state = make_state(max_connections=None, max_idle=1)
    a = open_connection(state, "a")
    b = open_connection(state, "b")
    assert state.checkin(a, True, 1.0) == []
    assert state.checkin(b, True, 2.0) == [a]
    assert state.open == 1 and state.idle_count == 1


def test_expired_connections_are_closed_on_checkout() -> None:
    state = make_state(expiry=5.0)
    a = open_connection(state, "a")
    state.checkin(a, True, 0.0)
    found, to_close = state.checkout("a", 10.0)
    assert found is None and to_close == [a]
    assert state.open == 1  # the slot now reserved for a new connection


def test_oldest_idle_connection_expires_even_for_another_origin() -> None:
    state = make_state(max_connections=None, expiry=5.0)
    a = open_connection(state, "a")
    state.checkin(a, True, 0.0)
    found, to_close = state.checkout("b", 10.0)
    assert found is None and to_close == [a]
    assert state.idle_count == 0 and state.open == 1


def test_no_expiry_keeps_connections() -> None:
    state = make_state(expiry=None)
    a = open_connection(state, "a")
    state.checkin(a, True, 0.0)
    found, to_close = state.checkout("a", 1e9)
    assert found is a and to_close == []


def test_discard_forgets_in_use_and_idle_connections() -> None:
    state = make_state()
    a = open_connection(state, "a")
    b = open_connection(state, "a")
    state.checkin(b, True, 0.0)
    state.discard(a)
    state.discard(b)
    assert state.open == 0 and state.idle_count == 0 and state.in_use_count == 0
    state.discard(a)  # twice is harmless
    assert state.open == 0


def test_discard_grants_the_slot_to_a_waiter() -> None:
    state = make_state(max_connections=1)
    a = open_connection(state, "a")
    waiter, _ = state.checkout("a", 0.0)
    assert isinstance(waiter, Waiter)
    state.discard(a)
    assert waiter.granted and waiter.connection is None and state.open == 1


def test_release_slot_after_a_failed_connect() -> None:
    state = make_state(max_connections=1)
    found, _ = state.checkout("a", 0.0)
    assert found is None
    waiter, _ = state.checkout("a", 0.0)
    assert isinstance(waiter, Waiter)
    state.release_slot()
    assert waiter.granted and state.open == 1


def test_cancel_an_ungranted_waiter() -> None:
    state = make_state(max_connections=1)
    open_connection(state, "a")
    waiter, _ = state.checkout("a", 0.0)
    assert isinstance(waiter, Waiter)
    state.cancel_waiter(waiter)
    assert state.waiting_count == 0


def test_cancel_a_waiter_granted_a_slot_frees_the_slot() -> None:
    state = make_state(max_connections=1)
    a = open_connection(state, "a")
    waiter, _ = state.checkout("b", 0.0)
    assert isinstance(waiter, Waiter)
    state.checkin(a, True, 0.0)
    assert waiter.granted
    state.cancel_waiter(waiter)
    assert state.open == 0


def test_close_all() -> None:
    state = make_state()
    a = open_connection(state, "a")
    b = open_connection(state, "b")
    state.checkin(a, True, 0.0)
    assert set(state.close_all()) == {a, b}
    assert state.open == 0 and state.idle_count == 0 and state.in_use_count == 0


@pytest.mark.parametrize(
    ("method", "reused", "started", "expected"),
    [
        (b"GET", True, False, True),
        (b"PUT", True, False, True),
        (b"GET", False, False, False),
        (b"GET", True, True, False),
        (b"POST", True, False, False),
        (b"PATCH", True, False, False),
    ],
)
def test_retry_rule(method: bytes, reused: bool, started: bool, expected: bool) -> None:
    assert can_retry_request(method, reused, started) is expected
