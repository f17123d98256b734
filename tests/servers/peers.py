"""Real third-party servers and proxies, started on 127.0.0.1 for the tests.

nginx (HTTP/1.1, HTTP/2 over TLS, h2c), squid (forward and CONNECT proxy, with or
without basic auth), microsocks (SOCKS5, with or without auth) and hypercorn (an
ASGI app over HTTP/2). Each gets a free port and a configuration written to a
temporary directory, and is stopped when its block ends. A missing binary fails
the test with the command that installs it: it never skips.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: Debian packages providing each binary (what CI installs).
PACKAGES = {"nginx": "nginx", "squid": "squid", "microsocks": "microsocks"}


def require(binary: str) -> str:
    """The path of ``binary``; fails the test with the install command when missing."""
    for candidate in (shutil.which(binary), f"/usr/sbin/{binary}"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(
        f"{binary} is not installed. Install it with: "
        f"apt-get update && apt-get install -y {PACKAGES.get(binary, binary)}",
        pytrace=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(
    port: int, process: subprocess.Popen[Any] | None = None, log: Path | None = None
) -> None:
    """Wait (at most 20 s) until something accepts connections on ``port``."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            details = log.read_text() if log is not None and log.exists() else ""
            raise RuntimeError(f"The server exited early ({process.returncode}): {details}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"Nothing listened on port {port} within 20 s.")


@contextlib.contextmanager
def running(command: list[str], port: int, log: Path | None = None) -> Iterator[None]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


NGINX_CONF = """
worker_processes 1;
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 100000;
    client_max_body_size 0;
    http2_max_concurrent_streams {max_streams};
    default_type text/plain;
    server {{
        listen 127.0.0.1:{http_port};
        listen 127.0.0.1:{https_port} ssl http2;
        listen 127.0.0.1:{h2c_port} http2;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        root {tmp}/www;
        location = / {{ return 200 "Hello, world!"; }}
        location = /json {{ default_type application/json; return 200 '{{"server": "nginx"}}'; }}
        location = /request {{
            set $line "$request_method $request_uri $server_protocol";
            return 200 "$line\\n$http_host\\n$http_authorization\\n";
        }}
        location = /upload {{ return 200 "uploaded $content_length\\n"; }}
        location /files/ {{ }}
    }}
}}
"""


@contextlib.contextmanager
def nginx(
    tmp: Path, cert_files: dict[str, str], max_streams: int = 128
) -> Iterator[dict[str, str]]:
    """nginx with plain HTTP/1.1, HTTP/2 over TLS (ALPN), and h2c; yields their base URLs.

    ``/files/`` serves ``big.bin`` (8 MiB) from the document root.
    """
    binary = require("nginx")
    (tmp / "www" / "files").mkdir(parents=True)
    (tmp / "www" / "files" / "big.bin").write_bytes(os.urandom(1 << 20) * 8)
    ports = {"http_port": free_port(), "https_port": free_port(), "h2c_port": free_port()}
    conf = tmp / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            tmp=tmp,
            cert=cert_files["cert"],
            key=cert_files["key"],
            max_streams=max_streams,
            **ports,
        )
    )
    with running(
        [binary, "-c", str(conf), "-p", str(tmp)], ports["https_port"], tmp / "error.log"
    ):
        wait_for_port(ports["http_port"])
        yield {
            "http": f"http://127.0.0.1:{ports['http_port']}",
            "https": f"https://localhost:{ports['https_port']}",
            "h2c": f"http://127.0.0.1:{ports['h2c_port']}",
        }


SQUID_CONF = """
http_port 127.0.0.1:{port}
pid_filename {tmp}/squid.pid
cache_log {tmp}/cache.log
access_log none
cache deny all
coredump_dir {tmp}
shutdown_lifetime 0 seconds
acl CONNECT method CONNECT
{auth}
http_access deny all
"""

SQUID_AUTH = """
auth_param basic program {helper} {tmp}/passwords
auth_param basic realm darter-tests
acl authenticated proxy_auth REQUIRED
http_access allow authenticated
"""


@contextlib.contextmanager
def squid(credentials: tuple[str, str] | None = None) -> Iterator[str]:
    """squid as a forward and CONNECT proxy; yields its URL (without credentials)."""
    binary = require("squid")
    # squid drops root privileges: its directory must be reachable by any user.
    with tempfile.TemporaryDirectory(prefix="darter-squid-") as directory:
        tmp = Path(directory)
        tmp.chmod(0o777)
        with _squid_in(binary, tmp, credentials) as url:
            yield url


@contextlib.contextmanager
def _squid_in(binary: str, tmp: Path, credentials: tuple[str, str] | None) -> Iterator[str]:
    port = free_port()
    if credentials is None:
        auth = "http_access allow localhost"
    else:
        helper = "/usr/lib/squid/basic_ncsa_auth"
        hashed = subprocess.run(
            ["openssl", "passwd", "-1", credentials[1]],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        (tmp / "passwords").write_text(f"{credentials[0]}:{hashed}\n")
        (tmp / "passwords").chmod(0o644)
        auth = SQUID_AUTH.format(helper=helper, tmp=tmp)
    conf = tmp / "squid.conf"
    conf.write_text(SQUID_CONF.format(port=port, tmp=tmp, auth=auth))
    with running([binary, "-N", "-f", str(conf)], port, tmp / "cache.log"):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def microsocks(credentials: tuple[str, str] | None = None) -> Iterator[int]:
    """A SOCKS5 proxy; yields its port."""
    binary = require("microsocks")
    port = free_port()
    command = [binary, "-i", "127.0.0.1", "-p", str(port)]
    if credentials is not None:
        command += ["-u", credentials[0], "-P", credentials[1]]
    with running(command, port):
        yield port


@contextlib.contextmanager
def hypercorn(app: Any, cert_files: dict[str, str] | None) -> Iterator[str]:
    """An ASGI app served by hypercorn (HTTP/2 over TLS, or h2c); yields its base URL."""
    import asyncio

    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    port = free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.loglevel = "ERROR"
    config.accesslog = None
    if cert_files is not None:
        config.certfile = cert_files["cert"]
        config.keyfile = cert_files["key"]
        config.alpn_protocols = ["h2", "http/1.1"]
    stop = threading.Event()
    loop = asyncio.new_event_loop()

    async def shutdown_trigger() -> None:
        while not stop.is_set():
            await asyncio.sleep(0.05)

    def run() -> None:
        loop.run_until_complete(hypercorn_serve(app, config, shutdown_trigger=shutdown_trigger))
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    wait_for_port(port)
    scheme = "https" if cert_files is not None else "http"
    host = "localhost" if cert_files is not None else "127.0.0.1"
    try:
        yield f"{scheme}://{host}:{port}"
    finally:
        stop.set()
        thread.join(timeout=10)
