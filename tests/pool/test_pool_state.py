"""The pool's bookkeeping, without sockets: limits, reuse order, waiters, expiry."""

from __future__ import annotations

import contextlib
from collections.abc import Hashable

import pytest

from darter._protocol.pool import PoolState, Waiter, can_retry_request


class Conn:
    is_multiplexed = False
    can_take_streams = False
    max_concurrent_streams = 1

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
    state.release_slot("a")
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


class H2Conn(Conn):
    is_multiplexed = True

    def __init__(self, origin: Hashable, streams: int = 2) -> None:
        super().__init__(origin)
        self.can_take_streams = True
        self.max_concurrent_streams = streams


def open_multiplexed(state: PoolState[Conn], origin: str, streams: int = 2) -> H2Conn:
    found, _ = state.checkout(origin, 0.0, may_multiplex=True)
    assert found is None
    connection = H2Conn(origin, streams)
    state.add(connection, may_multiplex=True)
    return connection


def test_multiplexed_connection_is_shared_up_to_its_stream_limit() -> None:
    state = make_state(max_connections=10)
    h2 = open_multiplexed(state, "a", streams=3)
    assert state.checkout("a", 0.0, may_multiplex=True)[0] is h2
    assert state.checkout("a", 0.0, may_multiplex=True)[0] is h2
    waiter, _ = state.checkout("a", 0.0, may_multiplex=True)
    assert isinstance(waiter, Waiter) and not waiter.wants_slot
    assert state.open == 1  # waiting for a stream, not opening more connections
    assert state.release_stream(h2, 1.0) == []
    assert waiter.granted and waiter.connection is h2


def test_requests_wait_for_a_connection_that_may_be_multiplexed() -> None:
    state = make_state(max_connections=10)
    found, _ = state.checkout("a", 0.0, may_multiplex=True)
    assert found is None
    waiters = [state.checkout("a", 0.0, may_multiplex=True)[0] for _ in range(3)]
    assert all(isinstance(w, Waiter) for w in waiters)
    h2 = H2Conn("a", streams=3)
    state.add(h2, may_multiplex=True)
    served = [w for w in waiters if isinstance(w, Waiter) and w.connection is h2]
    assert len(served) == 2  # the opener holds the first of 3 streams
    assert state.waiting_count == 1


def test_waiters_retry_when_the_connection_is_not_multiplexed() -> None:
    state = make_state(max_connections=10)
    state.checkout("a", 0.0, may_multiplex=True)
    waiter, _ = state.checkout("a", 0.0, may_multiplex=True)
    assert isinstance(waiter, Waiter)
    state.add(Conn("a"), may_multiplex=True)
    assert waiter.granted and waiter.retry and waiter.connection is None
    # Checking out again now opens an HTTP/1.1 connection of its own.
    assert state.checkout("a", 0.0, may_multiplex=True)[0] is None


def test_waiters_retry_when_the_connect_fails() -> None:
    state = make_state(max_connections=10)
    state.checkout("a", 0.0, may_multiplex=True)
    waiter, _ = state.checkout("a", 0.0, may_multiplex=True)
    assert isinstance(waiter, Waiter)
    state.release_slot("a", may_multiplex=True)
    assert waiter.retry and state.open == 0


def test_goaway_retires_the_connection_once_its_streams_end() -> None:
    state = make_state(max_connections=10)
    h2 = open_multiplexed(state, "a", streams=5)
    assert state.checkout("a", 0.0, may_multiplex=True)[0] is h2
    h2.can_take_streams = False  # GOAWAY received
    found, to_close = state.checkout("a", 0.0, may_multiplex=True)
    assert found is None and to_close == []  # a new connection; the old one still busy
    assert state.release_stream(h2, 1.0) == []
    assert state.release_stream(h2, 1.0) == [h2]
    assert state.open == 1


def test_idle_multiplexed_connection_expires() -> None:
    state = make_state(max_connections=10, expiry=5.0)
    h2 = open_multiplexed(state, "a")
    state.release_stream(h2, 1.0)
    found, to_close = state.checkout("a", 100.0, may_multiplex=True)
    assert found is None and to_close == [h2]


def test_discarding_a_shared_connection() -> None:
    state = make_state(max_connections=10)
    h2 = open_multiplexed(state, "a", streams=1)
    waiter, _ = state.checkout("a", 0.0, may_multiplex=True)
    assert isinstance(waiter, Waiter)
    state.discard(h2)
    assert waiter.retry
    assert state.open == 0 and state.in_use_count == 0
    assert state.release_stream(h2, 1.0) == []  # already forgotten


def test_in_use_count_includes_busy_multiplexed_connections() -> None:
    state = make_state(max_connections=10)
    h2 = open_multiplexed(state, "a")
    assert state.in_use_count == 1
    state.release_stream(h2, 0.0)
    assert state.in_use_count == 0
    assert set(state.close_all()) == {h2}
