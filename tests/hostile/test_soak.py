"""Soak: many keep-alive requests against a server that injects random faults.

A raw-socket loopback server answers ``GET /r/<id>`` with ``id=<id>`` most of the
time and, with a seeded RNG, injects faults instead: a reset (SO_LINGER 0 close)
before or in the middle of the response, a stall (no answer, so the client's short
read timeout fires), a body cut short of its Content-Length then a close, or a
garbage status line. Every request must either return exactly its own body or
raise a darter exception; nothing hangs (loops are bounded in count and time), and
file descriptors and memory do not grow.

Requests: 100,000 on the sync client, 10,000 on each async mode (asyncio, uvloop,
trio, anyio), 140,000 in all. ``DARTER_SOAK_REQUESTS`` overrides the sync count.
"""

from __future__ import annotations

import collections
import os
import random
import socket
import threading
import time
from typing import Any

import pytest

import darter
from tests.clients import MODES, ClientFactory
from tests.hostile.support import linger, reset, send
from tests.servers.scripted import read_request_head, scripted_server

pytestmark = pytest.mark.anyio

SYNC_REQUESTS = int(os.environ.get("DARTER_SOAK_REQUESTS", "100000"))
ASYNC_REQUESTS = SYNC_REQUESTS // 10
SEED = 20261206
#: Per-request chances of each fault; stalls are rarest as each costs a timeout.
FAULTS = {
    "reset-before": 0.004,
    "reset-mid": 0.004,
    "truncated": 0.004,
    "garbage": 0.004,
    "stall": 0.0004,
}
READ_TIMEOUT = 0.1
#: Seconds a whole soak run may take before the test gives up (a hang, in effect).
TIME_LIMIT = 120.0
FD_SLACK = 10
RSS_LIMIT = 50 << 20


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class FaultyServer:
    """The handler: answers keep-alive requests, injecting faults at random."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.faults: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._connections = 0

    def _fault(self, rng: random.Random) -> str | None:
        roll = rng.random()
        for name, chance in FAULTS.items():
            if roll < chance:
                return name
            roll -= chance
        return None

    def __call__(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            rng = random.Random(self.seed * 1_000_003 + self._connections)
            self._connections += 1
        while True:
            try:
                head = read_request_head(conn)
            except OSError:
                return
            if b"\r\n\r\n" not in head:
                return
            target = head.split(b" ", 2)[1]
            body = b"id=" + target.rsplit(b"/", 1)[-1]
            response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            fault = self._fault(rng)
            if fault is None:
                if not send(conn, response):
                    return
                continue
            with self._lock:
                self.faults[fault] += 1
            if fault == "reset-before":
                reset(conn)
            elif fault == "reset-mid":
                send(conn, response[: rng.randrange(1, len(response))])
                reset(conn)
            elif fault == "truncated":
                cut = response.index(b"\r\n\r\n") + 4 + rng.randrange(len(body))
                send(conn, response[:cut])
            elif fault == "garbage":
                send(conn, rng.choice([b"HTP/1.1 200 OK\r\n\r\n", b"\x00\xff garbage\r\n\r\n"]))
            else:  # stall until the client gives up and closes
                linger(conn, 5 * READ_TIMEOUT + 2)
            return


async def soak(make_client: ClientFactory, mode: str, requests: int) -> dict[str, Any]:
    handler = FaultyServer(SEED + MODES.index(mode))
    errors: collections.Counter[str] = collections.Counter()
    ok = 0
    fds_before = open_fds()
    rss_before = rss()
    started = time.monotonic()
    with scripted_server(handler) as server:
        timeout = darter.Timeout(READ_TIMEOUT)
        async with make_client(base_url=server.url, timeout=timeout) as client:
            for number in range(requests):
                assert time.monotonic() - started < TIME_LIMIT, f"stuck after {number} requests"
                try:
                    response = await client.get(f"/r/{number}")
                except darter.DarterError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                # Any other exception fails the test as it is.
                assert response.status_code == 200
                assert response.content == b"id=%d" % number
                ok += 1
    elapsed = time.monotonic() - started
    fds_after = open_fds()
    rss_after = rss()
    rss_mib = (round(rss_before / 2**20, 1), round(rss_after / 2**20, 1))
    summary = {
        "mode": mode,
        "requests": requests,
        "ok": ok,
        "faults": dict(handler.faults),
        "errors": dict(errors),
        "fds": (fds_before, fds_after),
        "rss_mib": rss_mib,
        "seconds": round(elapsed, 1),
    }
    print(
        f"soak {mode}: {requests} requests, {ok} ok, faults injected "
        f"{sum(handler.faults.values())} {dict(handler.faults)}, errors "
        f"{sum(errors.values())} {dict(errors)}, fds {fds_before}->{fds_after}, "
        f"RSS {rss_mib[0]}->{rss_mib[1]} MiB, {elapsed:.1f} s"
    )
    assert ok + sum(errors.values()) == requests
    assert sum(handler.faults.values()) > 0
    assert sum(errors.values()) > 0
    assert not server.errors, server.errors
    assert fds_after <= fds_before + FD_SLACK
    assert rss_after - rss_before < RSS_LIMIT
    return summary


async def test_soak(make_client: ClientFactory, mode: str) -> None:
    await soak(make_client, mode, SYNC_REQUESTS if mode == "sync" else ASYNC_REQUESTS)
