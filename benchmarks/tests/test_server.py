"""The generated nginx configuration and the bodies it serves (nginx is not started)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from benchmarks.resources import SMALL_SIZE, TWO_K_SIZE, UPLOAD_PATH
from benchmarks.server import (
    NginxConfig,
    ServerCounters,
    ServerError,
    count_tls_sessions,
    count_upload_bytes,
    find_nginx,
    free_port,
    parse_stub_status,
    running_nginx,
)

STUB_STATUS = """Active connections: 3
server accepts handled requests
 120 120 5311
Reading: 0 Writing: 1 Waiting: 2
"""


def test_config_has_what_the_suite_promises(tmp_path: Path) -> None:
    text = NginxConfig(prefix=tmp_path, port=12345).render()
    for directive in (
        "worker_processes 1;",
        "access_log off;",
        "keepalive_requests 10000000;",
        "listen 127.0.0.1:12345",
        "location = /small",
        "location = /2k",
        "location = /upload",
        "location = /nginx-status { stub_status; }",
        "daemon off;",
        # room for the 1,000-connection scenario and its wrk reference
        "worker_connections 4096;",
        "worker_rlimit_nofile 8448;",
    ):
        assert directive in text
    assert "location = /large" not in text


def test_write_creates_bodies_of_the_right_size(tmp_path: Path) -> None:
    config = NginxConfig(prefix=tmp_path, port=free_port(), large_size=3 << 20)
    conf = config.write()
    assert conf.read_text().startswith("# Generated")
    assert (config.root / "small").stat().st_size == SMALL_SIZE
    assert (config.root / "2k").stat().st_size == TWO_K_SIZE
    assert (config.root / "large").stat().st_size == 3 << 20
    assert "location = /large" in conf.read_text()


def test_explicit_missing_binary_is_not_found(tmp_path: Path) -> None:
    assert find_nginx(str(tmp_path / "no-nginx-here")) is None


def test_stub_status_counters() -> None:
    assert parse_stub_status(STUB_STATUS) == ServerCounters(accepted=120, requests=5311)
    with pytest.raises(ServerError, match="stub_status"):
        parse_stub_status("<html>404</html>")


def test_counters_since_leave_out_the_reading_itself() -> None:
    before = ServerCounters(accepted=10, requests=100)
    after = ServerCounters(accepted=21, requests=1102)
    # 10 connections and 1,001 requests by the runner, plus the second reading's own.
    assert after.since(before) == ServerCounters(accepted=10, requests=1001)


def test_tls_server_lets_sessions_resume_and_logs_them(tmp_path: Path) -> None:
    text = NginxConfig(prefix=tmp_path, port=8080, tls_port=8443).render()
    tls_block = text[text.index("listen 127.0.0.1:8443") :]
    for directive in (
        "ssl_protocols TLSv1.2 TLSv1.3;",
        "ssl_session_tickets on;",
        "ssl_session_cache shared:SSL:1m;",
        f"access_log {tmp_path}/tls-sessions.log tls_session if=$tls_first_request;",
    ):
        assert directive in tls_block
    assert "log_format tls_session $ssl_session_reused;" in text
    assert "ssl_session" not in NginxConfig(prefix=tmp_path, port=8080).render()


def test_tls_session_counts() -> None:
    assert count_tls_sessions(b"") == (0, 0)
    assert count_tls_sessions(b".\nr\nr\n.\nr\n") == (5, 3)
    before = ServerCounters(accepted=10, requests=100, tls_connections=4, tls_resumed=1)
    after = ServerCounters(accepted=21, requests=111, tls_connections=14, tls_resumed=10)
    # The readings go over plain HTTP: no TLS connection of theirs to leave out.
    assert after.since(before) == ServerCounters(10, 10, tls_connections=10, tls_resumed=9)


def test_upload_is_answered_once_the_whole_body_is_read(nginx_binary: str) -> None:
    """Half a body gets no answer; the rest gets 204, and the log counts every byte."""
    size = 4 << 20
    head = (
        f"POST {UPLOAD_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\n\r\n"
    ).encode()
    with running_nginx(nginx_binary) as server:
        before = server.counters()
        with socket.create_connection(("127.0.0.1", server.config.port), timeout=5) as sock:
            sock.sendall(head + b"x" * (size // 2))
            sock.settimeout(0.5)
            with pytest.raises(TimeoutError):
                sock.recv(1024)  # nginx is still reading
            sock.settimeout(5)
            sock.sendall(b"x" * (size - size // 2))
            assert sock.recv(1024).startswith(b"HTTP/1.1 204 ")
        seen = server.counters().since(before)
    assert seen.requests == 1  # the mirror's subrequest is not counted
    assert seen.upload_bytes == len(head) + size


def test_upload_bytes_are_summed_from_the_log() -> None:
    assert count_upload_bytes(b"") == 0
    assert count_upload_bytes(b"100\n250\n") == 350
