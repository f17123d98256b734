"""The peers niquests, pyreqwest, pycurl and curl_cffi, and urllib3 kept genuine.

Their adapters run end-to-end in the tests of each kind of scenario (test_cli for
sync-sequential and async-c10, test_http2, test_transfers), which iterate over every
peer; these tests check which scenarios each one is in, and what is specific to them.
"""

from __future__ import annotations

import pytest
import urllib3

from benchmarks import suite
from benchmarks.cpus import Pinning
from benchmarks.http2_clients import (
    CURL_VERSIONS,
    HTTP2,
    NIQUESTS_VERSIONS,
    PYREQWEST_VERSIONS,
    protocol_name,
)
from benchmarks.scenarios import SCENARIOS
from benchmarks.sessions import WrongLibrary, check_real_urllib3, shadowed_urllib3

ASYNC_NEW_PEERS = ("niquests", "pyreqwest", "curl_cffi")


@pytest.mark.parametrize(
    ("scenario", "peers"),
    [
        ("sync-sequential", ("niquests", "pyreqwest", "pycurl", "curl_cffi")),
        ("connect-plain", ("niquests", "pyreqwest", "pycurl", "curl_cffi")),
        ("connect-tls", ("niquests", "pyreqwest", "pycurl", "curl_cffi")),
        ("threads-16", ("niquests", "pyreqwest", "curl_cffi")),
        ("download-sync", ("niquests", "pyreqwest", "pycurl", "curl_cffi")),
        ("upload-sync", ("niquests", "pyreqwest", "pycurl", "curl_cffi")),
        ("async-c1", ASYNC_NEW_PEERS),
        ("async-c1000", ASYNC_NEW_PEERS),
        ("http2-c100", ASYNC_NEW_PEERS),
        ("download-async", ASYNC_NEW_PEERS),
        ("upload-async", ASYNC_NEW_PEERS),
    ],
)
def test_each_new_peer_is_in_the_scenarios_it_can_do(
    scenario: str, peers: tuple[str, ...]
) -> None:
    measured = SCENARIOS[scenario].peers
    assert set(peers) <= set(measured)
    assert set(peers) <= set(SCENARIOS[scenario].peers_in(quick=True))
    if SCENARIOS[scenario].concurrency > 1 or scenario.endswith("async"):
        # No async interface, and a handle is never shared by threads.
        assert "pycurl" not in measured


def test_pyreqwest_is_in_the_uploads() -> None:
    """nginx reads the whole body before it answers, so hyper sends all of it."""
    assert "pyreqwest" in SCENARIOS["upload-sync"].peers
    assert "pyreqwest" in SCENARIOS["upload-async"].peers


def test_each_library_s_protocol_is_named() -> None:
    assert protocol_name(20, NIQUESTS_VERSIONS) == HTTP2
    assert protocol_name(11, NIQUESTS_VERSIONS) == "HTTP/1.1"
    assert protocol_name("HTTP/2.0", PYREQWEST_VERSIONS) == HTTP2
    assert protocol_name(3, CURL_VERSIONS) == HTTP2
    assert protocol_name(2, CURL_VERSIONS) == "HTTP/1.1"
    assert protocol_name(99, CURL_VERSIONS) == "an unknown protocol (99)"


def test_urllib3_is_urllib3_itself() -> None:
    """The install keeps urllib3 (urllib3-future built with URLLIB3_NO_OVERRIDE)."""
    assert shadowed_urllib3() is None, shadowed_urllib3()
    check_real_urllib3()


def test_a_shadowed_urllib3_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(urllib3, "__version__", "2.25.904")
    problem = shadowed_urllib3()
    assert problem is not None
    assert "gives version 2.25.904" in problem
    assert "URLLIB3_NO_OVERRIDE=1" in problem
    with pytest.raises(WrongLibrary, match="urllib3-future"):
        check_real_urllib3()
    options = suite.SuiteOptions(
        scenarios=[SCENARIOS["sync-sequential"]],
        nginx="nginx",
        pinning=Pinning("off", None, None, "test"),
        clients=["urllib3"],
    )
    with pytest.raises(suite.MissingDependency, match="urllib3-future"):
        suite.check_clients(options)
    # A run measuring neither urllib3 nor requests does not need it.
    options.clients = ["niquests"]
    suite.check_clients(options)
