"""Connection-pool bookkeeping with no I/O: who gets which connection, and what to close.

The pool shells (sync and async) ask this state what to do and then act: open a
connection, reuse one, wait, or close the ones handed back. Every decision is O(1)
(amortised); nothing here scans all connections or touches a socket.

Theory of operation
-------------------
- ``open`` counts connections that exist or are being opened (a *slot* is reserved
  before connecting, so the limit holds while connects are in flight).
- An HTTP/1.1 connection serves one request at a time. Idle ones sit in a
  per-origin stack (last in, first out: the most recently used connection is the
  most likely to still be open) and in one global list in the order they became
  idle (oldest first: the one to evict when space is needed).
- A *multiplexed* (HTTP/2) connection serves many requests at once, up to its
  peer's limit on concurrent streams; it is *shared* for its origin while it can
  take new streams. A request that finds it full waits for one of its streams.
- While a connection that may turn out multiplexed (https with HTTP/2 enabled) is
  being opened for an origin, other requests for that origin wait for it rather
  than open connections of their own; if it turns out to be HTTP/1.1 they are
  told to retry.
- Requests that need a slot wait in one FIFO queue. A connection handed back goes
  to the head waiter: as is when it wants the same origin, or — when the head
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

__all__ = [
    "IDEMPOTENT_METHODS",
    "PoolState",
    "PooledConnection",
    "RequestNotProcessed",
    "Waiter",
    "can_retry_request",
]

#: Methods a client may repeat on a fresh connection (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS = frozenset({b"GET", b"HEAD", b"OPTIONS", b"TRACE", b"PUT", b"DELETE"})


def can_retry_request(method: bytes, connection_was_reused: bool, response_started: bool) -> bool:
    """May a request that failed on a kept-alive connection be sent again on a new one?

    Only when the connection had served requests before (so the likely cause is the
    server closing it while idle), nothing of the response arrived, and the method
    is idempotent (RFC 9112 §9.3.1).
    """
    return connection_was_reused and not response_started and method in IDEMPOTENT_METHODS


class RequestNotProcessed(Exception):
    """The server did not process the request (HTTP/2 REFUSED_STREAM, or a stream
    above a GOAWAY's last id): it may be sent again on another connection, whatever
    its method (RFC 9113 §8.7). Never leaves the pool."""


class PooledConnection(Protocol):
    """What the pool state needs of a connection."""

    origin: Hashable
    idle_since: float

    @property
    def is_multiplexed(self) -> bool:
        """Whether it serves several requests at once (HTTP/2)."""

    @property
    def can_take_streams(self) -> bool:
        """For a multiplexed connection: not closing down (no GOAWAY)."""

    @property
    def max_concurrent_streams(self) -> int:
        """For a multiplexed connection: the peer's limit on concurrent requests."""


C = TypeVar("C", bound=PooledConnection)


class _Signal(Protocol):
    def set(self) -> None: ...


class Waiter(Generic[C]):
    """A request waiting for a connection.

    When served, ``granted`` is True and ``connection`` is a connection to use, or
    ``None``: then either a slot was reserved and the waiter opens a new connection,
    or (``retry``) it should simply check out again.
    """

    __slots__ = ("connection", "event", "granted", "origin", "retry", "wants_slot", "withdrawn")

    def __init__(self, origin: Hashable, event: Any, wants_slot: bool) -> None:
        self.origin = origin
        self.event = event
        self.wants_slot = wants_slot
        self.granted = False
        self.withdrawn = False
        self.retry = False
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
        self._in_use: dict[C, None] = {}
        self._shared: dict[Hashable, C] = {}
        self._active: dict[C, int] = {}
        self._pending: dict[Hashable, int] = {}
        # Waiters for a slot, oldest first; and every waiter by origin. Served and
        # withdrawn waiters are skipped when met (``granted``), not searched for.
        self._slot_waiters: deque[Waiter[C]] = deque()
        self._origin_waiters: dict[Hashable, deque[Waiter[C]]] = {}
        self._waiting = 0
        self.open = 0

    # Queries, for tests and diagnostics

    @property
    def idle_count(self) -> int:
        """HTTP/1.1 connections kept alive and unused."""
        return len(self._idle)

    @property
    def in_use_count(self) -> int:
        """Connections serving at least one request."""
        return len(self._in_use) + sum(1 for count in self._active.values() if count)

    @property
    def waiting_count(self) -> int:
        """Requests waiting for a connection."""
        return self._waiting

    # Decisions

    def checkout(
        self, origin: Hashable, now: float, may_multiplex: bool = False
    ) -> tuple[C | Waiter[C] | None, list[C]]:
        """Find a connection for a request to ``origin``.

        ``may_multiplex``: a new connection to this origin may turn out multiplexed.
        Returns ``(what, to_close)`` where ``what`` is a connection to use, ``None``
        (a slot is reserved: open a new connection, then ``add`` it), or a
        ``Waiter`` to wait on; ``to_close`` lists connections the caller must close.
        """
        with self._lock:
            to_close: list[C] = []
            self._expire_oldest(now, to_close)
            shared = self._shared.get(origin)
            if shared is not None:
                active = self._active[shared]
                if not shared.can_take_streams or (active == 0 and self._has_expired(shared, now)):
                    self._retire(shared, to_close)
                elif active < shared.max_concurrent_streams:
                    self._active[shared] = active + 1
                    return shared, to_close
                else:
                    return self._new_waiter(origin, wants_slot=False), to_close
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
            if may_multiplex and self._pending.get(origin):
                return self._new_waiter(origin, wants_slot=False), to_close
            if self._has_room():
                self.open += 1
            elif self._idle:
                # Full, but some other origin's connection is idle: replace it.
                to_close.append(self._pop_oldest_idle())
            else:
                return self._new_waiter(origin, wants_slot=True), to_close
            if may_multiplex:
                self._pending[origin] = self._pending.get(origin, 0) + 1
            return None, to_close

    def add(self, connection: C, may_multiplex: bool = False) -> None:
        """Record a connection opened for a reserved slot; it now serves its request."""
        with self._lock:
            origin = connection.origin
            if may_multiplex:
                self._pending_done(origin)
            if not connection.is_multiplexed:
                self._in_use[connection] = None
                if may_multiplex:
                    self._tell_stream_waiters_to_retry(origin)
                return
            old = self._shared.get(origin)
            if old is not None and old is not connection:
                self._retire(old, [])
            self._shared[origin] = connection
            self._active[connection] = 1
            self._serve_streams(connection)

    def checkin(self, connection: C, reusable: bool, now: float) -> list[C]:
        """An HTTP/1.1 connection finished its request; returns the connections to close."""
        with self._lock:
            self._in_use.pop(connection, None)
            if not reusable:
                self.open -= 1
                self._grant_free_slot()
                return [connection]
            waiter = self._next_waiter(self._slot_waiters)
            if waiter is not None:
                if waiter.origin == connection.origin:
                    self._serve(waiter, connection)
                    self._in_use[connection] = None
                    return []
                # The head waiter wants another origin: this connection's slot is theirs.
                self._serve(waiter, None)
                return [connection]
            waiter = self._next_origin_waiter(connection.origin)
            if waiter is not None:
                self._serve(waiter, connection)
                self._in_use[connection] = None
                return []
            connection.idle_since = now
            self._idle_by_origin.setdefault(connection.origin, {})[connection] = None
            self._idle[connection] = None
            if self._max_idle is not None and len(self._idle) > self._max_idle:
                self.open -= 1
                return [self._pop_oldest_idle()]
            return []

    def release_stream(self, connection: C, now: float) -> list[C]:
        """A request on a multiplexed connection ended; returns the connections to close."""
        with self._lock:
            active = self._active.get(connection)
            if active is None:
                return []  # already discarded
            active -= 1
            self._active[connection] = active
            shared = self._shared.get(connection.origin) is connection
            if shared and connection.can_take_streams:
                self._serve_streams(connection)
                if self._active[connection] == 0:
                    connection.idle_since = now
                return []
            if shared:
                del self._shared[connection.origin]
                self._tell_stream_waiters_to_retry(connection.origin)
            if active == 0:
                del self._active[connection]
                self.open -= 1
                self._grant_free_slot()
                return [connection]
            return []

    def discard(self, connection: C) -> None:
        """A connection was found broken or was closed: forget it and free its slot."""
        with self._lock:
            if connection in self._in_use:
                del self._in_use[connection]
            elif connection in self._active:
                del self._active[connection]
                if self._shared.get(connection.origin) is connection:
                    del self._shared[connection.origin]
                    self._tell_stream_waiters_to_retry(connection.origin)
            elif not self._forget_idle(connection):
                return  # already forgotten (for example by close_all)
            self.open -= 1
            self._grant_free_slot()

    def release_slot(self, origin: Hashable, may_multiplex: bool = False) -> None:
        """A reserved slot was not used (the connect failed)."""
        with self._lock:
            self.open -= 1
            if may_multiplex:
                self._pending_done(origin)
                self._tell_stream_waiters_to_retry(origin)
            self._grant_free_slot()

    def cancel_waiter(self, waiter: Waiter[C]) -> None:
        """Withdraw a waiter (timeout or cancellation).

        An ungranted waiter is dropped; a granted bare slot is freed. A granted
        connection must be handed back by the caller (``checkin``/``release_stream``).
        """
        with self._lock:
            if not waiter.granted:
                waiter.withdrawn = True  # skipped from now on
                self._waiting -= 1
            elif waiter.connection is None and not waiter.retry:
                self.open -= 1
                self._grant_free_slot()

    def close_all(self) -> list[C]:
        """Forget every connection, idle or in use, and return them to be closed."""
        with self._lock:
            connections = [*self._idle, *self._in_use, *self._active]
            self._idle.clear()
            self._idle_by_origin.clear()
            self._in_use.clear()
            self._active.clear()
            self._shared.clear()
            self.open = 0
            return connections

    # Internals; the lock is held by the caller.

    def _has_room(self) -> bool:
        return self._max_connections is None or self.open < self._max_connections

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

    def _retire(self, connection: C, to_close: list[C]) -> None:
        """A shared connection takes no new streams (GOAWAY): close it once it is unused."""
        del self._shared[connection.origin]
        if self._active.get(connection) == 0:
            del self._active[connection]
            self.open -= 1
            to_close.append(connection)

    def _pending_done(self, origin: Hashable) -> None:
        count = self._pending.get(origin, 0) - 1
        if count > 0:
            self._pending[origin] = count
        else:
            self._pending.pop(origin, None)

    def _new_waiter(self, origin: Hashable, wants_slot: bool) -> Waiter[C]:
        waiter: Waiter[C] = Waiter(origin, self._create_event(), wants_slot)
        if wants_slot:
            self._slot_waiters.append(waiter)
        self._origin_waiters.setdefault(origin, deque()).append(waiter)
        self._waiting += 1
        return waiter

    def _next_waiter(self, waiters: deque[Waiter[C]] | None) -> Waiter[C] | None:
        """The oldest waiter of ``waiters`` still waiting, dropping the others met."""
        while waiters:
            waiter = waiters[0]
            if not waiter.granted and not waiter.withdrawn:
                return waiter
            waiters.popleft()
        return None

    def _next_origin_waiter(self, origin: Hashable) -> Waiter[C] | None:
        waiters = self._origin_waiters.get(origin)
        waiter = self._next_waiter(waiters)
        if waiter is None and waiters is not None:
            del self._origin_waiters[origin]
        return waiter

    def _serve(self, waiter: Waiter[C], connection: C | None, retry: bool = False) -> None:
        waiter.granted = True
        waiter.connection = connection
        waiter.retry = retry
        self._waiting -= 1
        waiter.event.set()

    def _serve_streams(self, connection: C) -> None:
        """Hand free streams of a shared connection to the waiters for its origin."""
        while self._active[connection] < connection.max_concurrent_streams:
            waiter = self._next_origin_waiter(connection.origin)
            if waiter is None:
                break
            self._active[connection] += 1
            self._serve(waiter, connection)

    def _tell_stream_waiters_to_retry(self, origin: Hashable) -> None:
        """The multiplexed connection they waited for will not come: check out again."""
        waiters = self._origin_waiters.get(origin)
        if not waiters:
            return
        for waiter in list(waiters):
            if not waiter.granted and not waiter.withdrawn and not waiter.wants_slot:
                self._serve(waiter, None, retry=True)

    def _grant_free_slot(self) -> None:
        if not self._has_room():
            return
        waiter = self._next_waiter(self._slot_waiters)
        if waiter is not None:
            self.open += 1
            self._serve(waiter, None)
