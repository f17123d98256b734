"""Connection-pool bookkeeping with no I/O: who gets which connection, and what to close.

The pool shells (sync and async) ask this state what to do and then act: open a
connection, reuse one, wait, or close the ones handed back. Every decision is O(1)
(amortised); nothing here scans all connections or touches a socket.

Theory of operation
-------------------
- ``open`` counts connections that exist or are being opened (a *slot* is reserved
  before connecting, so the limit holds while connects are in flight).
- Idle connections sit in a per-origin stack (last in, first out: the most recently
  used connection is the most likely to still be open) and in one global list in
  the order they became idle (oldest first: the one to evict when space is needed).
- Requests that cannot be served wait in one FIFO queue. A connection handed back
  goes to the head waiter: as is when it wants the same origin, or — when the head
  waiter wants another origin — the connection is closed and its slot given to that
  waiter, so no origin can starve another.
- Expiry (``keepalive_expiry``) is checked when a connection is taken, and on every
  checkout the globally oldest idle connection is checked too, so idle connections
  nobody asks for are still closed in good time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from typing import Any, Generic, Protocol, TypeVar

__all__ = ["IDEMPOTENT_METHODS", "PoolState", "PooledConnection", "Waiter", "can_retry_request"]

#: Methods a client may repeat on a fresh connection (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS = frozenset({b"GET", b"HEAD", b"OPTIONS", b"TRACE", b"PUT", b"DELETE"})


def can_retry_request(method: bytes, connection_was_reused: bool, response_started: bool) -> bool:
    """May a request that failed on a kept-alive connection be sent again on a new one?

    Only when the connection had served requests before (so the likely cause is the
    server closing it while idle), nothing of the response arrived, and the method
    is idempotent (RFC 9112 §9.3.1).
    """
    return connection_was_reused and not response_started and method in IDEMPOTENT_METHODS


class PooledConnection(Protocol):
    """What the pool state needs of a connection."""

    origin: Hashable
    idle_since: float


C = TypeVar("C", bound=PooledConnection)


class _Signal(Protocol):
    def set(self) -> None: ...


class Waiter(Generic[C]):
    """A request waiting for a connection.

    When served, ``granted`` is True and ``connection`` is either a connection to
    use or ``None``: a slot was reserved and the waiter opens a new connection.
    """

    __slots__ = ("connection", "event", "granted", "origin")

    def __init__(self, origin: Hashable, event: Any) -> None:
        self.origin = origin
        self.event = event
        self.granted = False
        self.connection: C | None = None


class PoolState(Generic[C]):
    """The pool's decisions. Every method is quick and holds ``lock`` while it runs."""

    def __init__(
        self,
        *,
        max_connections: int | None,
        max_idle_connections: int | None,
        keepalive_expiry: float | None,
        lock: AbstractContextManager[Any],
        create_event: Callable[[], _Signal],
    ) -> None:
        self._max_connections = max_connections
        self._max_idle = max_idle_connections
        self._expiry = keepalive_expiry
        self._lock = lock
        self._create_event = create_event
        self._idle_by_origin: dict[Hashable, dict[C, None]] = {}
        self._idle: dict[C, None] = {}
        self._waiters: deque[Waiter[C]] = deque()
        self._in_use: dict[C, None] = {}
        self.open = 0

    # Queries, for tests and diagnostics

    @property
    def idle_count(self) -> int:
        """Connections kept alive and unused."""
        return len(self._idle)

    @property
    def in_use_count(self) -> int:
        """Connections serving a request."""
        return len(self._in_use)

    @property
    def waiting_count(self) -> int:
        """Requests waiting for a connection."""
        return len(self._waiters)

    # Decisions

    def checkout(self, origin: Hashable, now: float) -> tuple[C | Waiter[C] | None, list[C]]:
        """Find a connection for a request to ``origin``.

        Returns ``(what, to_close)`` where ``what`` is an idle connection to reuse,
        ``None`` (a slot is reserved: open a new connection, then ``add`` it), or a
        ``Waiter`` to wait on; ``to_close`` lists connections the caller must close.
        """
        with self._lock:
            to_close: list[C] = []
            self._expire_oldest(now, to_close)
            stack = self._idle_by_origin.get(origin)
            while stack:
                connection, _ = stack.popitem()
                del self._idle[connection]
                if self._has_expired(connection, now):
                    self.open -= 1
                    to_close.append(connection)
                    continue
                self._in_use[connection] = None
                return connection, to_close
            if self._max_connections is None or self.open < self._max_connections:
                self.open += 1
                return None, to_close
            if self._idle:
                # Full, but some other origin's connection is idle: replace it.
                to_close.append(self._pop_oldest_idle())
                return None, to_close
            waiter: Waiter[C] = Waiter(origin, self._create_event())
            self._waiters.append(waiter)
            return waiter, to_close

    def add(self, connection: C) -> None:
        """Record a newly opened connection that now serves a request (its slot was reserved)."""
        with self._lock:
            self._in_use[connection] = None

    def checkin(self, connection: C, reusable: bool, now: float) -> list[C]:
        """A connection finished its request; returns the connections to close."""
        with self._lock:
            self._in_use.pop(connection, None)
            if not reusable:
                self.open -= 1
                self._grant_free_slot()
                return [connection]
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.granted = True
                if waiter.origin == connection.origin:
                    waiter.connection = connection
                    self._in_use[connection] = None
                    waiter.event.set()
                    return []
                # The head waiter wants another origin: this connection's slot is theirs.
                waiter.event.set()
                return [connection]
            connection.idle_since = now
            self._idle_by_origin.setdefault(connection.origin, {})[connection] = None
            self._idle[connection] = None
            if self._max_idle is not None and len(self._idle) > self._max_idle:
                self.open -= 1
                return [self._pop_oldest_idle()]
            return []

    def discard(self, connection: C) -> None:
        """A connection was found broken or was closed: forget it and free its slot."""
        with self._lock:
            if connection in self._in_use:
                del self._in_use[connection]
            elif not self._forget_idle(connection):
                return  # already forgotten (for example by close_all)
            self.open -= 1
            self._grant_free_slot()

    def release_slot(self) -> None:
        """A reserved slot was not used (the connect failed)."""
        with self._lock:
            self.open -= 1
            self._grant_free_slot()

    def cancel_waiter(self, waiter: Waiter[C]) -> None:
        """Withdraw a waiter (timeout or cancellation); what it was granted is handed on.

        A granted connection goes back through ``checkin`` by the caller; here only
        an ungranted waiter is removed from the queue, or a granted bare slot freed.
        """
        with self._lock:
            if not waiter.granted:
                self._waiters.remove(waiter)
            elif waiter.connection is None:
                self.open -= 1
                self._grant_free_slot()

    def close_all(self) -> list[C]:
        """Forget every connection, idle or in use, and return them to be closed."""
        with self._lock:
            connections = list(self._idle) + list(self._in_use)
            self._idle.clear()
            self._idle_by_origin.clear()
            self._in_use.clear()
            self.open = 0
            return connections

    # Internals; the lock is held by the caller.

    def _has_expired(self, connection: C, now: float) -> bool:
        return self._expiry is not None and now - connection.idle_since >= self._expiry

    def _expire_oldest(self, now: float, to_close: list[C]) -> None:
        if self._idle:
            oldest = next(iter(self._idle))
            if self._has_expired(oldest, now):
                self._forget_idle(oldest)
                self.open -= 1
                to_close.append(oldest)

    def _pop_oldest_idle(self) -> C:
        connection = next(iter(self._idle))
        self._forget_idle(connection)
        return connection

    def _forget_idle(self, connection: C) -> bool:
        if connection not in self._idle:
            return False
        del self._idle[connection]
        stack = self._idle_by_origin[connection.origin]
        del stack[connection]
        if not stack:
            del self._idle_by_origin[connection.origin]
        return True

    def _grant_free_slot(self) -> None:
        if self._waiters and (self._max_connections is None or self.open < self._max_connections):
            waiter = self._waiters.popleft()
            self.open += 1
            waiter.granted = True
            waiter.event.set()
