"""Building blocks of the hostile suite: connection scripts, records, waits and checks.

Server-side helpers run in the scripted servers' threads and may block (within the
socket timeouts). Client-side helpers are async and only ever wait with ``anyio``.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio

import darter
from tests.servers.scripted import SOCKET_TIMEOUT, Handler, ScriptedServer, read_request

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

#: Timeouts of the clients under test unless a case needs others: small enough that
#: a client waiting for something that never comes fails quickly.
TIMEOUT = darter.Timeout(3.0)

#: Loose upper bound, in seconds, on a case that must fail fast.
QUICK = 2.5


# --------------------------------------------------------------------------- servers


def linger(conn: socket.socket, seconds: float) -> bool:
    """Wait up to ``seconds`` for the peer to close, discarding what it sends.

    Returns True when the peer closed (or the server is stopping). Used instead of
    ``time.sleep`` so that stopping the server never waits for a sleeping thread.
    """
    deadline = time.monotonic() + seconds
    try:
        while (left := deadline - time.monotonic()) > 0:
            conn.settimeout(left)
            try:
                if not conn.recv(65536):
                    return True
            except TimeoutError:
                return False
            except OSError:
                return True
        return False
    finally:
        with contextlib.suppress(OSError):
            conn.settimeout(SOCKET_TIMEOUT)


def send(conn: socket.socket, data: bytes) -> bool:
    """``sendall`` that reports a connection closed by the client instead of raising."""
    try:
        conn.sendall(data)
    except OSError:
        return False
    return True


def reset(conn: socket.socket) -> None:
    """Make the coming ``close()`` send a TCP reset instead of a FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


@dataclass
class Exchange:
    """One request as a server read it."""

    connection: int
    head: bytes
    body: bytes

    @property
    def method(self) -> bytes:
        return self.head.split(b" ", 1)[0]

    @property
    def target(self) -> bytes:
        return self.head.split(b" ", 2)[1]

    def header(self, name: bytes) -> bytes | None:
        """The value of the first field called ``name`` (any case), else None."""
        for line in self.head.split(b"\r\n")[1:]:
            key, colon, value = line.partition(b":")
            if colon and key.strip().lower() == name.lower():
                return value.strip()
        return None


@dataclass
class Log:
    """What a server saw, shared between its connection threads."""

    exchanges: list[Exchange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Set by scripts to tell the test that something happened server-side.
    event: threading.Event = field(default_factory=threading.Event)

    def read(self, conn: socket.socket, index: int) -> Exchange | None:
        """Read one request on connection ``index`` and record it; None at EOF."""
        try:
            head, body = read_request(conn)
        except OSError:
            return None
        if not head.strip():
            return None
        exchange = Exchange(index, head, body)
        with self.lock:
            self.exchanges.append(exchange)
        return exchange

    def note(self, text: str) -> None:
        with self.lock:
            self.notes.append(text)

    def on(self, connection: int) -> list[Exchange]:
        return [exchange for exchange in self.exchanges if exchange.connection == connection]

    def methods(self) -> list[bytes]:
        return [exchange.method for exchange in self.exchanges]


Script = Callable[[socket.socket, int, Log], None]

#: The ``scripted`` fixture: starts a scripted server running ``handler``.
StartServer = Callable[[Handler], ScriptedServer]


class Scripted:
    """A handler playing ``scripts[n]`` on the n-th connection (the last one after that).

    Each script gets the socket, the connection's index and the shared ``Log``.
    """

    def __init__(self, *scripts: Script) -> None:
        if not scripts:
            raise ValueError("at least one script")
        self.scripts = scripts
        self.log = Log()
        self._count = 0
        self._lock = threading.Lock()

    @property
    def connections(self) -> int:
        return self._count

    def __call__(self, conn: socket.socket) -> None:
        with self._lock:
            index = self._count
            self._count += 1
        # Scripts write heads and bodies in pieces: never let Nagle delay them.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.scripts[min(index, len(self.scripts) - 1)](conn, index, self.log)


def answer_all(response: bytes) -> Script:
    """A script answering every request on the connection with ``response``."""

    def script(conn: socket.socket, index: int, log: Log) -> None:
        while log.read(conn, index) is not None:
            if not send(conn, response):
                return

    return script


def answer_once(response: bytes, *, then: Callable[[socket.socket], None] | None = None) -> Script:
    """A script answering one request with ``response``, then ``then(conn)`` (or closing)."""

    def script(conn: socket.socket, index: int, log: Log) -> None:
        if log.read(conn, index) is None:
            return
        if send(conn, response) and then is not None:
            then(conn)

    return script


serve_ok = answer_all(OK)


def over_tls(context: ssl.SSLContext, handler: Handler) -> Handler:
    """Run ``handler`` on the TLS side of each accepted connection."""

    def run(conn: socket.socket) -> None:
        try:
            tls = context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused the handshake: the expected end of many cases
        with tls:
            handler(tls)

    return run


class SilentListener:
    """A listening socket that never accepts: whatever a client sent stays queued.

    ``received()`` (call it once the client is closed) accepts every queued
    connection and returns what each one carried; ``[]`` means no connection was
    made at all.
    """

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def received(self) -> list[bytes]:
        self._sock.setblocking(False)
        found: list[bytes] = []
        while True:
            try:
                conn, _ = self._sock.accept()
            except BlockingIOError:
                return found
            with conn:
                conn.settimeout(2.0)
                data = b""
                with contextlib.suppress(OSError):
                    while chunk := conn.recv(65536):
                        data += chunk
                found.append(data)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> SilentListener:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --------------------------------------------------------------------------- clients


async def assert_pool_clean(client: Any, follow_up: str | None = None) -> None:
    """No connection left in use, nobody waiting, and (when given) a follow-up
    request to a well-behaved server succeeds on the same client."""
    state = client._transport.pool.state
    assert state.in_use_count == 0, f"{state.in_use_count} connections still in use"
    assert state.waiting_count == 0, f"{state.waiting_count} requests still waiting"
    if follow_up is not None:
        response = await client.get(follow_up)
        assert response.status_code == 200
        assert response.content == b"ok"
        assert state.in_use_count == 0 and state.waiting_count == 0


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the event loop run until ``predicate()`` holds (fails after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the server never got there"
        await anyio.sleep(0.01)


async def settle() -> None:
    """Give the client's event loop a moment to see what the server just did
    (a FIN, stray bytes) before the next request."""
    await anyio.sleep(0.1)


class Stopwatch:
    """``with Stopwatch() as watch: ...`` then ``watch.elapsed`` in seconds."""

    def __enter__(self) -> Stopwatch:
        self.started = time.monotonic()
        self.elapsed = 0.0
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.elapsed = time.monotonic() - self.started


async def concurrently(
    mode: str, client: Any, requests: list[tuple[str, str, dict[str, Any]]]
) -> list[Any]:
    """Send every ``(method, url, kwargs)`` at once; return the responses in order.

    In the sync mode each request runs on the underlying ``darter.Client`` in a
    worker thread, so the sync pool sees real concurrency too.
    """
    results: list[Any] = [None] * len(requests)
    limiter = anyio.CapacityLimiter(len(requests))

    async def run(index: int) -> None:
        method, url, kwargs = requests[index]
        if mode == "sync":
            sync_client = client.wrapped

            def blocking() -> Any:
                return sync_client.request(method, url, **kwargs)

            results[index] = await anyio.to_thread.run_sync(blocking, limiter=limiter)
        else:
            results[index] = await client.request(method, url, **kwargs)

    async with anyio.create_task_group() as group:
        for index in range(len(requests)):
            group.start_soon(run, index)
    return results


@contextlib.contextmanager
def listener_with_full_backlog() -> Iterator[str]:
    """The URL of a listener that never accepts and whose queue is full, so that a
    new connection gets no answer at all (its SYN is dropped)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(address)
            fillers.append(filler)
        yield f"http://127.0.0.1:{address[1]}/"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
