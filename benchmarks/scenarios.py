"""The table of scenarios: what each one sends, how many times, and to which peers.

Adding a scenario is adding a ``Scenario`` to ``SCENARIOS`` (and, for a new kind of
workload, a loop in ``workloads`` and client adapters in ``clients``). Planned next,
for whoever adds them (scenario: peers):

- ``async-concurrent``: darter, httpx, aiohttp, pyreqwest (reference ``wrk -cN``);
- ``http2``: darter, httpx with h2;
- ``download-large``: the sync peers reading ``/large``;
- ``upload``: the sync peers posting to ``/upload``;
- ``threads``: the sync peers, one client shared by N threads.
"""

from __future__ import annotations

from dataclasses import dataclass

from .resources import SMALL_PATH, SMALL_SIZE


@dataclass(frozen=True)
class WrkReference:
    """How to run wrk as the C ceiling of a scenario (a reference, never a peer)."""

    connections: int = 1
    threads: int = 1

    def label(self) -> str:
        """How the reference is named in tables, e.g. ``wrk -t1 -c1``."""
        return f"wrk -t{self.threads} -c{self.connections}"


@dataclass(frozen=True)
class Scenario:
    """One benchmark scenario.

    ``workload`` names the measured loop in ``workloads.WORKLOADS``; ``peers`` the
    clients measured (adapters in ``clients``), darter first. ``requests`` and
    ``warmup`` are per runner process; the ``quick_`` ones are used with ``--quick``.
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

    def request_count(self, quick: bool) -> int:
        """Measured requests per runner in the given mode."""
        return self.quick_requests if quick else self.requests

    def warmup_count(self, quick: bool) -> int:
        """Warm-up requests per runner in the given mode."""
        return self.quick_warmup if quick else self.warmup


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
            peers=("darter", "httpx", "requests", "urllib3"),
            requests=5_000,
            warmup=500,
            quick_requests=1_500,
            quick_warmup=200,
            wrk=WrkReference(connections=1, threads=1),
        ),
    )
}

DEFAULT_REPETITIONS = 5
QUICK_REPETITIONS = 3
# wrk runs for a duration, not a count of requests.
WRK_SECONDS = 5.0
QUICK_WRK_SECONDS = 2.0


def select(name: str) -> list[Scenario]:
    """The scenarios named by ``--scenario``: one by name, or every one for ``all``.

    Raises ``KeyError`` with the known names when ``name`` is unknown.
    """
    if name == "all":
        return list(SCENARIOS.values())
    try:
        return [SCENARIOS[name]]
    except KeyError:
        known = ", ".join(["all", *SCENARIOS])
        raise KeyError(f"unknown scenario {name!r}; known: {known}") from None
