"""Cases run in a child process: for servers that could make a broken client spin
without ever yielding, where no timeout inside the test's own process could stop it.

``python -m tests.hostile.isolated MODE CASE`` runs one case with the client of
``MODE`` and prints its outcome as JSON; ``run_isolated`` does that with a deadline
and kills the child when the deadline passes.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

import darter
from tests.clients import ANYIO_BACKENDS, client_factory
from tests.hostile.h2_hostile import H2Log, H2Peer, H2Script, echo_h2, h2_handler
from tests.servers.scripted import ScriptedServer

ROOT = Path(__file__).resolve().parents[2]
INTERNAL_ERROR = 0x2


def goaway_then_cut(peer: H2Peer, index: int, log: H2Log) -> None:
    """Starts answering the first request, sends a GOAWAY naming its stream as the
    last one processed, and closes the connection before the response ends."""
    for request in peer.requests():
        peer.send_headers(request.stream_id, [(b":status", b"200")])
        peer.send_data(request.stream_id, b"partial")
        peer.goaway(last_stream_id=request.stream_id, error_code=INTERNAL_ERROR)
        return


async def response_cut_by_goaway(mode: str) -> dict[str, Any]:
    # A few rounds: whether the GOAWAY and the close arrive in one read or two varies.
    return {"rounds": [await _cut_by_goaway_once(mode) for _ in range(3)]}


async def _cut_by_goaway_once(mode: str) -> dict[str, Any]:
    script = H2Script(goaway_then_cut, echo_h2)
    server = ScriptedServer(h2_handler(script))
    server.start()
    result: dict[str, Any] = {}
    try:
        client = client_factory(mode)(http1=False, http2=True, timeout=darter.Timeout(1.0))
        async with client:
            started = time.monotonic()
            try:
                response = await client.post(server.url + "/pay", content=b"once")
                result["outcome"] = f"response {response.status_code} {response.content!r}"
            except darter.DarterError as exc:
                result["outcome"] = type(exc).__name__
            result["elapsed"] = time.monotonic() - started
            result["again"] = (await client.get(server.url + "/again")).text
            state = client._transport.pool.state
            result["in_use"] = state.in_use_count
            result["waiting"] = state.waiting_count
    finally:
        server.stop()
    result["paths"] = [request.path.decode() for request in script.log.requests]
    return result


CASES: dict[str, Callable[[str], Awaitable[dict[str, Any]]]] = {
    "response-cut-by-goaway": response_cut_by_goaway,
}


async def run_isolated(mode: str, case: str, deadline: float) -> dict[str, Any]:
    """Run ``case`` in a child process; fail the test if it does not end in time."""
    command = [sys.executable, "-W", "error", "-m", "tests.hostile.isolated", mode, case]
    with anyio.move_on_after(deadline) as scope:
        completed = await anyio.run_process(command, cwd=ROOT, check=False)
    if scope.cancelled_caught:
        raise AssertionError(
            f"the client never returned: still running after {deadline} s (killed)"
        )
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def main() -> None:
    mode, case = sys.argv[1], sys.argv[2]
    backend, options = ANYIO_BACKENDS[mode]
    result = anyio.run(CASES[case], mode, backend=backend, backend_options=options)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
