"""The table of scenarios: what each one sends, how many times, and to which peers.

Adding a scenario is adding a ``Scenario`` to ``SCENARIOS`` (and, for a new kind of
workload, a loop in ``workloads`` and client adapters in ``clients``). A *sweep* is a
named group of scenarios that differ only in their concurrency
(``async-concurrency``: ``async-c1``, ``async-c10``, ``async-c100``, ``async-c1000``);
``--scenario`` takes a scenario's name or a sweep's, and the report adds a table (the
results file the data, and a PNG beside it the plot: ``plot``) of each client's
throughput along the sweep.

The transfer scenarios (``download-sync``, ``download-async``, ``upload-sync``,
``upload-async``) move one large body per request, a few times per run, and are
reported in MB/s (``unit``) instead of requests/s; their quick mode uses smaller
bodies (``quick_body_size``).

``http2-c100`` sends the small GET at concurrency 100 over one HTTP/2 connection
over TLS (``tls``: nginx's second server block, with a certificate the suite makes);
every response is checked to be HTTP/2.

Each scenario may have a C reference, the ceiling a Python client could reach (a
reference, never a peer, and optional): wrk for the plain GETs (``wrk``), h2load
(Debian's ``nghttp2-client``) for ``http2-c100`` (``h2load``: ``-c1 -m100``, one
connection and 100 streams), and the curl command line for the transfers (``curl``:
``-o /dev/null``, or ``--data-binary @FILE`` for the uploads).

``connect-plain`` and ``connect-tls`` send the small GET 1,000 times, each on a new
connection (every client, and wrk, the C reference, says ``Connection: close``), to
the plain port or over TLS with HTTP/1.1; the report counts connections/s, and over
TLS how many handshakes resumed a session.

``threads-16`` is the sync peers' concurrency: 16 threads share one client (a pool of
16 keep-alive connections) and 10,000 requests, handed out one at a time.

Planned next, for whoever adds them (scenario: peers):

- ``http2-c1`` / ``http2-c1000`` and a sweep;
- ``threads-1`` ... ``threads-64`` and a sweep (plotted like ``async-concurrency``);
- ``connect-async``: the async peers, a new connection per request (and per task).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from .resources import LARGE_PATH, SMALL_PATH, SMALL_SIZE, UPLOAD_PATH


@dataclass(frozen=True)
class WrkReference:
    """How to run wrk as the C ceiling of a scenario (a reference, never a peer)."""

    tool: ClassVar[str] = "wrk"
    connections: int = 1
    threads: int = 1
    # Request headers wrk sends (``-H``), e.g. ``Connection: close``.
    headers: tuple[str, ...] = ()

    def label(self) -> str:
        """How the reference is named in tables, e.g. ``wrk -t1 -c1``."""
        headers = "".join(f" -H '{header}'" for header in self.headers)
        return f"wrk -t{self.threads} -c{self.connections}{headers}"


@dataclass(frozen=True)
class H2loadReference:
    """How to run h2load as the C ceiling of an HTTP/2 scenario: C connections, M streams."""

    tool: ClassVar[str] = "h2load"
    connections: int = 1
    streams: int = 100

    def label(self) -> str:
        """How the reference is named in tables, e.g. ``h2load -c1 -m100``."""
        return f"h2load -c{self.connections} -m{self.streams}"


@dataclass(frozen=True)
class CurlReference:
    """The curl command line as the C ceiling of a transfer scenario (``upload`` or not)."""

    tool: ClassVar[str] = "curl"
    upload: bool = False

    def label(self) -> str:
        """How the reference is named in tables: the curl command, without its URL."""
        return "curl --data-binary @FILE -o /dev/null" if self.upload else "curl -o /dev/null"


Reference = WrkReference | H2loadReference | CurlReference


@dataclass(frozen=True)
class Scenario:
    """One benchmark scenario.

    ``workload`` names the measured loop in ``workloads.WORKLOADS``; ``peers`` the
    clients measured (adapters in ``clients``), darter first. ``requests`` and
    ``warmup`` are per runner process; the ``quick_`` ones are used with ``--quick``
    (``quick_repetitions``, when set, overrides the quick mode's default).
    ``concurrency`` is the number of requests in flight at once, which is also the
    size of every client's connection pool; ``sweep`` names the group of scenarios
    this one belongs to, if any. ``time_limit_s`` (``quick_time_limit_s``) stops a
    measured loop from starting new requests after that many seconds, so that a very
    slow client makes fewer requests instead of taking minutes; ``repetitions``,
    when set, overrides the full mode's default; ``quick_peers``, when set, are the
    peers of the quick mode. ``body_size`` is the size of the body each request
    moves (``quick_body_size``, when set, in the quick mode); ``large_size``, when
    set, asks the server for a ``/large`` body of the mode's body size. ``unit`` is
    the throughput the report shows: ``req/s``, ``MB/s`` (10^6 bytes of body per
    second) for the transfers, or ``connections/s`` (the same figure as req/s) when
    ``connection_per_request`` says every request opens a connection of its own.
    ``tls`` sends the requests to the server's TLS and HTTP/2 port (``https``), with
    its CA file given to the clients. ``wrk``, ``h2load`` and ``curl`` say how to run
    the scenario's C reference, if it has one (at most one of them; ``reference``
    gives it).
    """

    name: str
    description: str
    workload: str
    path: str
    body_size: int
    peers: tuple[str, ...]
    requests: int
    warmup: int
    quick_requests: int
    quick_warmup: int
    wrk: WrkReference | None = None
    large_size: int = 0
    concurrency: int = 1
    sweep: str | None = None
    repetitions: int | None = None
    quick_repetitions: int | None = None
    time_limit_s: float | None = None
    quick_time_limit_s: float | None = None
    quick_peers: tuple[str, ...] | None = None
    quick_body_size: int | None = None
    unit: str = "req/s"
    tls: bool = False
    connection_per_request: bool = False
    h2load: H2loadReference | None = None
    curl: CurlReference | None = None

    def __post_init__(self) -> None:
        if sum(ref is not None for ref in (self.wrk, self.h2load, self.curl)) > 1:
            raise ValueError(f"{self.name}: more than one C reference")

    @property
    def reference(self) -> Reference | None:
        """The scenario's C reference (wrk, h2load or curl), or None."""
        return self.wrk or self.h2load or self.curl

    def size(self, quick: bool) -> int:
        """The body size each request moves in the given mode."""
        if quick and self.quick_body_size is not None:
            return self.quick_body_size
        return self.body_size

    def large_size_in(self, quick: bool) -> int:
        """The size of the server's ``/large`` body this scenario needs (0: none)."""
        return self.size(quick) if self.large_size > 0 else 0

    def request_count(self, quick: bool) -> int:
        """Measured requests per runner in the given mode."""
        return self.quick_requests if quick else self.requests

    def warmup_count(self, quick: bool) -> int:
        """Warm-up requests per runner in the given mode."""
        return self.quick_warmup if quick else self.warmup

    def repetition_count(self, quick: bool) -> int:
        """Repetitions per client in the given mode, unless ``--repetitions`` says."""
        if quick:
            return self.quick_repetitions or QUICK_REPETITIONS
        return self.repetitions or DEFAULT_REPETITIONS

    def time_limit(self, quick: bool) -> float | None:
        """The measured loop's time limit in the given mode (None: no limit)."""
        return self.quick_time_limit_s if quick else self.time_limit_s

    def peers_in(self, quick: bool) -> tuple[str, ...]:
        """The peers measured in the given mode."""
        if quick and self.quick_peers is not None:
            return self.quick_peers
        return self.peers


DEFAULT_REPETITIONS = 5
QUICK_REPETITIONS = 3
# wrk and h2load run for a duration, not a count of requests.
WRK_SECONDS = 5.0
QUICK_WRK_SECONDS = 1.0

ASYNC_PEERS = (
    "darter-asyncio",
    "darter-uvloop",
    "darter-trio",
    "darter-anyio",
    "aiohttp",
    "aiohttp-uvloop",
    "httpx",
    "httpx-trio",
    "httpx2",
    "niquests",
    "pyreqwest",
    "curl_cffi",
)
ASYNC_SWEEP = "async-concurrency"


# httpx's pools grow slow with the number of connections (about 60 requests/s at
# 1,000 here, against thousands for the others): opening its 1,000 connections takes
# it half a minute, too long for the quick mode, which leaves the httpx family out of
# async-c1000. The full mode measures them, with a time limit.
_QUICK_C1000_PEERS = tuple(name for name in ASYNC_PEERS if not name.startswith("httpx"))


def _async_scenario(
    concurrency: int, warmup: int, quick_requests: int, quick_warmup: int
) -> Scenario:
    """``async-cN``: 10,000 GETs of the small body by N tasks sharing one client.

    The quick mode stops each measured loop after one second.
    """
    if concurrency == 1:
        shape = "one task on one async client, whose pool holds 1 keep-alive connection"
    else:
        shape = (
            f"{concurrency:,} tasks sharing one async client, whose pool holds up to "
            f"{concurrency:,} keep-alive connections"
        )
    return Scenario(
        name=f"async-c{concurrency}",
        description=f"GET of the {SMALL_SIZE}-byte body at concurrency {concurrency:,}: {shape}",
        workload="async-concurrent",
        path=SMALL_PATH,
        body_size=SMALL_SIZE,
        peers=ASYNC_PEERS,
        requests=10_000,
        warmup=warmup,
        quick_requests=quick_requests,
        quick_warmup=quick_warmup,
        wrk=WrkReference(connections=concurrency, threads=1),
        concurrency=concurrency,
        sweep=ASYNC_SWEEP,
        quick_time_limit_s=1.0,
    )


HTTP2_PEERS = (
    "darter-asyncio",
    "darter-uvloop",
    "darter-trio",
    "darter-anyio",
    "httpx",
    "httpx2",
    "niquests",
    "pyreqwest",
    "curl_cffi",
)

MIB = 1 << 20
SYNC_PEERS = (
    "darter",
    "httpx",
    "requests",
    "urllib3",
    "niquests",
    "pyreqwest",
    "pycurl",
    "curl_cffi",
)
# pycurl's one handle cannot be shared by threads (libcurl forbids using a handle
# from two threads at once), so it is no peer of the threaded scenario.
THREAD_PEERS = tuple(name for name in SYNC_PEERS if name != "pycurl")
TRANSFER_ASYNC_PEERS = (
    "darter-asyncio",
    "darter-uvloop",
    "darter-trio",
    "darter-anyio",
    "aiohttp",
    "httpx",
    "niquests",
    "pyreqwest",
    "curl_cffi",
)
DOWNLOAD_SIZE = 256 * MIB
QUICK_DOWNLOAD_SIZE = 32 * MIB
UPLOAD_SIZE = 64 * MIB
QUICK_UPLOAD_SIZE = 16 * MIB


def _transfer_scenario(direction: str, kind: str) -> Scenario:
    """``download-sync`` and the like: one large body per request, 3 per run, in MB/s.

    Downloads stream ``/large`` and count the bytes of the chunks read (then drop
    them); uploads POST a body of bytes held in memory to ``/upload``, which nginx
    reads and discards before answering 204.
    """
    download = direction == "download"
    size, quick_size = (
        (DOWNLOAD_SIZE, QUICK_DOWNLOAD_SIZE) if download else (UPLOAD_SIZE, QUICK_UPLOAD_SIZE)
    )
    client = "one sync client" if kind == "sync" else "one async client, one task"
    what = (
        f"streamed GET of a {size // MIB} MiB body ({quick_size // MIB} MiB with --quick), "
        "read in chunks and dropped"
        if download
        else f"POST of a {size // MIB} MiB body of bytes in memory "
        f"({quick_size // MIB} MiB with --quick), which nginx reads and discards"
    )
    return Scenario(
        name=f"{direction}-{kind}",
        description=f"{what}, {client}",
        workload=f"{kind}-{direction}",
        path=LARGE_PATH if download else UPLOAD_PATH,
        body_size=size,
        quick_body_size=quick_size,
        large_size=size if download else 0,
        peers=SYNC_PEERS if kind == "sync" else TRANSFER_ASYNC_PEERS,
        requests=3,
        warmup=1,
        quick_requests=2,
        quick_warmup=1,
        quick_repetitions=2,
        unit="MB/s",
        curl=CurlReference(upload=not download),
    )


CLOSE_HEADER = "Connection: close"


def _connect_scenario(tls: bool) -> Scenario:
    """``connect-plain``, ``connect-tls``: 1,000 GETs, each on a new connection.

    Every client says ``Connection: close`` on every request; so does wrk, which
    reconnects after each response and is the C reference. Over TLS, HTTP/1.1.
    """
    over = "TLS (HTTP/1.1)" if tls else "plain HTTP"
    return Scenario(
        name="connect-tls" if tls else "connect-plain",
        description=(
            f"sequential GET of the {SMALL_SIZE}-byte body, each on a new connection "
            f"over {over}, one sync client saying `{CLOSE_HEADER}` on every request"
        ),
        workload="sync-connect",
        path=SMALL_PATH,
        body_size=SMALL_SIZE,
        peers=SYNC_PEERS,
        requests=1_000,
        warmup=100,
        quick_requests=300,
        quick_warmup=30,
        wrk=WrkReference(connections=1, threads=1, headers=(CLOSE_HEADER,)),
        unit="connections/s",
        tls=tls,
        connection_per_request=True,
    )


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            name="sync-sequential",
            description=(
                f"sequential GET of the {SMALL_SIZE}-byte body on one keep-alive "
                "connection, one sync client"
            ),
            workload="sync-sequential",
            path=SMALL_PATH,
            body_size=SMALL_SIZE,
            peers=SYNC_PEERS,
            requests=5_000,
            warmup=500,
            quick_requests=1_500,
            quick_warmup=200,
            wrk=WrkReference(connections=1, threads=1),
        ),
        _connect_scenario(tls=False),
        _connect_scenario(tls=True),
        Scenario(
            name="threads-16",
            description=(
                f"GET of the {SMALL_SIZE}-byte body by 16 threads sharing one sync "
                "client, whose pool holds 16 keep-alive connections"
            ),
            workload="sync-threads",
            path=SMALL_PATH,
            body_size=SMALL_SIZE,
            peers=THREAD_PEERS,
            requests=10_000,
            warmup=1_000,
            quick_requests=2_000,
            quick_warmup=100,
            wrk=WrkReference(connections=16, threads=1),
            concurrency=16,
        ),
        # The async sweep. async-c100 is the headline: the quick mode keeps more of
        # its repetitions; the other levels get one each in the quick mode.
        replace(_async_scenario(1, 500, 300, 50), quick_repetitions=1),
        replace(_async_scenario(10, 500, 1_000, 100), quick_repetitions=1),
        replace(_async_scenario(100, 1_000, 1_000, 100), quick_repetitions=2),
        replace(
            _async_scenario(1000, 2_000, 2_000, 1_000),
            quick_repetitions=1,
            quick_peers=_QUICK_C1000_PEERS,
            repetitions=3,
            time_limit_s=30.0,
        ),
        Scenario(
            name="http2-c100",
            description=(
                f"GET of the {SMALL_SIZE}-byte body at concurrency 100 over one HTTP/2 "
                "connection over TLS: 100 tasks sharing one async client (http2=True) "
                "limited to 1 connection"
            ),
            workload="async-http2",
            path=SMALL_PATH,
            body_size=SMALL_SIZE,
            peers=HTTP2_PEERS,
            requests=10_000,
            warmup=1_000,
            quick_requests=2_000,
            quick_warmup=200,
            concurrency=100,
            tls=True,
            h2load=H2loadReference(connections=1, streams=100),
        ),
        _transfer_scenario("download", "sync"),
        _transfer_scenario("download", "async"),
        _transfer_scenario("upload", "sync"),
        _transfer_scenario("upload", "async"),
    )
}

# Sweep name -> its scenarios, in increasing concurrency.
SWEEPS: dict[str, tuple[Scenario, ...]] = {
    ASYNC_SWEEP: tuple(
        sorted(
            (scenario for scenario in SCENARIOS.values() if scenario.sweep == ASYNC_SWEEP),
            key=lambda scenario: scenario.concurrency,
        )
    )
}


def select(name: str) -> list[Scenario]:
    """The scenarios named by ``--scenario``: one, a sweep's, or every one for ``all``.

    Raises ``KeyError`` with the known names when ``name`` is unknown.
    """
    if name == "all":
        return list(SCENARIOS.values())
    if name in SWEEPS:
        return list(SWEEPS[name])
    try:
        return [SCENARIOS[name]]
    except KeyError:
        known = ", ".join(["all", *SWEEPS, *SCENARIOS])
        raise KeyError(f"unknown scenario {name!r}; known: {known}") from None
