"""The C references (wrk, h2load, curl): finding them, naming them, running them.

A scenario names at most one (``Scenario.reference``); the suite runs it once per
repetition after the peers, when its binary is installed, and a missing one is only
reported. Each run returns the figures of ``wrk.run_wrk``: ``req_per_s``,
``requests``, ``latency_p50_us``, ``latency_p99_us``, ``cpu_s``,
``cpu_us_per_req`` and ``command``, plus ``mb_per_s`` for curl's transfers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import curl_cli, h2load, wrk
from .scenarios import CurlReference, H2loadReference, Reference, WrkReference
from .tools import ToolError

__all__ = ["TOOLS", "Tool", "ToolError", "find_tools", "run_reference"]


@dataclass(frozen=True)
class Tool:
    """A C reference's binary: how to find it, read its version and install it."""

    name: str
    find: Callable[[], str | None]
    version: Callable[[str], str]
    install_hint: str

    @property
    def install_command(self) -> str:
        """The install command alone (the hint without its explanation)."""
        return self.install_hint.split("    ", 1)[0]


TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool("wrk", wrk.find_wrk, wrk.wrk_version, wrk.INSTALL_HINT),
        Tool("h2load", h2load.find_h2load, h2load.h2load_version, h2load.INSTALL_HINT),
        Tool("curl", curl_cli.find_curl, curl_cli.curl_version, curl_cli.INSTALL_HINT),
    )
}


def find_tools(names: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """The binaries of the named tools that are installed, and the names of the others."""
    found: dict[str, str] = {}
    missing: list[str] = []
    for name in dict.fromkeys(names):
        binary = TOOLS[name].find()
        if binary is None:
            missing.append(name)
        else:
            found[name] = binary
    return found, missing


def run_reference(
    reference: Reference,
    binary: str,
    url: str,
    seconds: float,
    body_size: int,
    transfers: int,
    warmup: int,
) -> dict[str, Any]:
    """Run ``reference`` once against ``url``: for ``seconds`` (wrk, h2load), or
    ``warmup`` then ``transfers`` transfers of ``body_size`` bytes (curl).

    Raises ``ToolError`` when the tool fails or reports errors.
    """
    if isinstance(reference, WrkReference):
        return wrk.run_wrk(
            binary, url, seconds, reference.connections, reference.threads, reference.headers
        )
    if isinstance(reference, H2loadReference):
        return h2load.run_h2load(binary, url, seconds, reference.connections, reference.streams)
    assert isinstance(reference, CurlReference)
    return curl_cli.run_curl(binary, url, reference.upload, body_size, transfers, warmup)
