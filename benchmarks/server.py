"""The nginx server the benchmarks run against: configuration, start, readiness, stop.

nginx (the Debian package) is used so that the server is never the bottleneck: one
worker process, keep-alive with a very high ``keepalive_requests``, no access log,
static bodies from an open-file cache. Its worker accepts ``worker_connections``
connections at once (4,096 by default, for the 1,000-connection scenario and its
wrk reference), with an open-file limit to match. Everything lives in a temporary
directory and listens on 127.0.0.1 on a free port.

Resources served (all ``GET`` unless said otherwise):

- ``/small``: 100 bytes;
- ``/2k``: 2 KiB;
- ``/large``: ``large_size`` bytes, only when ``large_size > 0`` (download scenarios);
- ``/upload``: any method, any body size, answers ``204`` (upload scenarios) once it
  has read the whole body, which it then drops. Left to itself (``return 204``)
  nginx answers at once and discards the body as it comes, and a client that stops
  sending when the answer arrives (hyper, under pyreqwest) would be measured
  uploading a fraction of it. So the location mirrors the request to an internal
  location that answers 204 (``mirror_request_body on``: the mirror reads the whole
  body first, in memory up to ``upload_buffer_size``; a subrequest, which
  ``stub_status`` does not count), and the request itself, having no file to serve,
  is answered 204 through ``error_page``. Each upload's byte count goes to a log
  (``NginxServer.counters``' ``upload_bytes``);
- ``/nginx-status``: nginx's ``stub_status`` counters, which the suite reads before
  and after each runner to count the connections that runner opened.

With ``tls=True`` (the TLS scenarios) the same resources are also served over TLS
on a second port, with HTTP/2 offered by ALPN (a client that does not ask for it
speaks HTTP/1.1): the suite makes a throw-away certificate authority and a
certificate for ``127.0.0.1`` with trustme, in the temporary directory, and the
clients trust that CA (``NginxServer.ca_file``). The plain-HTTP port stays, for the
readiness check and the counters (nginx counts the TLS connections there too).

That TLS server lets clients resume their sessions (session tickets, nginx's
default, and a shared session cache), and logs one line per TLS connection, at its
first request: ``r`` when the handshake resumed a session, ``.`` when it was a full
one. ``NginxServer.counters`` reads that log, so the suite can tell how many of a
client's TLS connections resumed a session.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .resources import (
    LARGE_PATH,
    SMALL_PATH,
    SMALL_SIZE,
    STATUS_PATH,
    TWO_K_PATH,
    TWO_K_SIZE,
    UPLOAD_PATH,
)

INSTALL_HINT = "sudo apt-get install -y nginx    (Debian/Ubuntu; the package is 'nginx')"
TRUSTME_HINT = "python -m pip install trustme    (makes the HTTP/2 scenario's TLS certificate)"
CA_FILE = "ca.pem"
_CERT_FILE = "server.pem"
# One line per TLS connection: "r" (session resumed) or "." (full handshake).
TLS_SESSION_LOG = "tls-sessions.log"
# One line per upload: the bytes nginx read of that request (line, headers, body).
UPLOAD_LOG = "uploads.log"
# Where the upload's mirror goes (a subrequest, not counted by stub_status), and the
# named location that answers 204 once the body has been read.
_SINK_PATH = "/_upload-sink"
_NO_CONTENT = "@no_content"

# Where distributions put the binary when it is not on a non-root user's PATH.
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin")

_READY_TIMEOUT = 10.0
_STOP_TIMEOUT = 5.0


class ServerError(RuntimeError):
    """nginx is missing, would not start, or does not serve what it should."""


def find_nginx(explicit: str | None = None) -> str | None:
    """The nginx binary: ``explicit`` if given, else on PATH, else in the sbin folders."""
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    found = shutil.which("nginx")
    if found:
        return found
    for folder in _SBIN_DIRS:
        candidate = os.path.join(folder, "nginx")
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def nginx_version(binary: str) -> str:
    """The version ``nginx -v`` reports, for instance ``1.22.1``."""
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    text = (done.stderr or done.stdout).strip()
    version = text.split("version:", 1)[-1].strip()
    return version.removeprefix("nginx/") or "unknown"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class NginxConfig:
    """What the generated nginx.conf says; ``render`` turns it into the file's text."""

    prefix: Path
    port: int
    large_size: int = 0
    keepalive_requests: int = 10_000_000
    worker_connections: int = 4096
    extra_http: list[str] = field(default_factory=list)
    # A second server block on this port, TLS and HTTP/2, when above 0.
    tls_port: int = 0
    # nginx 1.25.1 and later say ``http2 on;``; older ones ``listen ... ssl http2``.
    http2_directive: bool = False
    # Bytes of an upload's body nginx keeps in memory (more goes to a temporary file).
    upload_buffer_size: int = 80 * 1024 * 1024

    @property
    def root(self) -> Path:
        """The folder the static bodies are served from."""
        return self.prefix / "www"

    def render(self) -> str:
        """The complete nginx.conf."""
        prefix = self.prefix
        large = ""
        if self.large_size > 0:
            large = f"        location = {LARGE_PATH} {{ }}\n"
        extra = "".join(f"    {line}\n" for line in self.extra_http)
        locations = (
            f"        root {self.root};\n"
            f"        location = {SMALL_PATH} {{ }}\n"
            f"        location = {TWO_K_PATH} {{ }}\n"
            f"{large}"
            f"        location = {UPLOAD_PATH} {{\n"
            "            client_max_body_size 0;\n"
            f"            client_body_buffer_size {self.upload_buffer_size};\n"
            f"            mirror {_SINK_PATH};\n"
            "            mirror_request_body on;\n"
            f"            error_page 404 405 =204 {_NO_CONTENT};\n"
            "        }\n"
            f"        location = {_SINK_PATH} {{ internal; return 204; }}\n"
            f"        location {_NO_CONTENT} {{\n"
            f"            access_log {prefix}/{UPLOAD_LOG} upload;\n"
            "            return 204;\n"
            "        }\n"
            f"        location = {STATUS_PATH} {{ stub_status; }}\n"
            "        location / { return 404; }\n"
        )
        tls = ""
        if self.tls_port > 0:
            listen = f"listen 127.0.0.1:{self.tls_port} ssl backlog=4096"
            if self.http2_directive:
                listen += ";\n        http2 on"
            else:
                listen += " http2"
            tls = (
                # $connection_requests is 1 on a connection's first request only.
                "    map $connection_requests $tls_first_request { 1 1; default 0; }\n"
                "    log_format tls_session $ssl_session_reused;\n"
                "    server {\n"
                f"        {listen};\n"
                "        server_name localhost;\n"
                f"        ssl_certificate {prefix}/{_CERT_FILE};\n"
                f"        ssl_certificate_key {prefix}/{_CERT_FILE};\n"
                # TLS 1.3 as well on nginx before 1.23.4, whose default stops at 1.2.
                # Resumption: tickets (on by default, said here for the reader) and a
                # cache of sessions shared by the worker processes (1 MB, ~4,000).
                "        ssl_protocols TLSv1.2 TLSv1.3;\n"
                "        ssl_session_tickets on;\n"
                "        ssl_session_cache shared:SSL:1m;\n"
                f"        access_log {prefix}/{TLS_SESSION_LOG} tls_session "
                "if=$tls_first_request;\n"
                f"{locations}"
                "    }\n"
            )
        return (
            "# Generated by benchmarks/server.py for one benchmark run.\n"
            "daemon off;\n"
            "master_process on;\n"
            "worker_processes 1;\n"
            # One descriptor per connection (two if it were proxied), plus spare.
            f"worker_rlimit_nofile {2 * self.worker_connections + 256};\n"
            f"pid {prefix}/nginx.pid;\n"
            f"error_log {prefix}/error.log warn;\n"
            "events {\n"
            f"    worker_connections {self.worker_connections};\n"
            "    multi_accept on;\n"
            "}\n"
            "http {\n"
            "    access_log off;\n"
            "    log_format upload $request_length;\n"
            "    server_tokens off;\n"
            "    default_type application/octet-stream;\n"
            "    sendfile on;\n"
            "    tcp_nopush on;\n"
            "    tcp_nodelay on;\n"
            "    keepalive_timeout 300s;\n"
            f"    keepalive_requests {self.keepalive_requests};\n"
            "    open_file_cache max=64 inactive=600s;\n"
            "    open_file_cache_valid 600s;\n"
            f"    client_body_temp_path {prefix}/tmp/body;\n"
            f"    proxy_temp_path {prefix}/tmp/proxy;\n"
            f"    fastcgi_temp_path {prefix}/tmp/fastcgi;\n"
            f"    uwsgi_temp_path {prefix}/tmp/uwsgi;\n"
            f"    scgi_temp_path {prefix}/tmp/scgi;\n"
            f"{extra}"
            "    server {\n"
            f"        listen 127.0.0.1:{self.port} backlog=4096;\n"
            "        server_name localhost;\n"
            f"{locations}"
            "    }\n"
            f"{tls}"
            "}\n"
        )

    def write(self) -> Path:
        """Write the bodies and nginx.conf under ``prefix``; return the config's path."""
        self.root.mkdir(parents=True, exist_ok=True)
        (self.prefix / "tmp").mkdir(exist_ok=True)
        _write_body(self.root / SMALL_PATH.lstrip("/"), SMALL_SIZE)
        _write_body(self.root / TWO_K_PATH.lstrip("/"), TWO_K_SIZE)
        if self.large_size > 0:
            _write_body(self.root / LARGE_PATH.lstrip("/"), self.large_size)
        conf = self.prefix / "nginx.conf"
        conf.write_text(self.render(), encoding="ascii")
        # nginx started by root runs its worker as an unprivileged user: let it read.
        for path in (self.prefix, self.root, *self.root.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)
        return conf


def write_tls_files(prefix: Path) -> Path:
    """A throw-away CA and a certificate for 127.0.0.1 signed by it, under ``prefix``.

    Writes the server's key and certificate chain (``server.pem``, for nginx) and the
    CA's certificate (``ca.pem``, for the clients); returns the CA file's path.
    Raises ``ServerError`` when trustme is not installed.
    """
    try:
        import trustme
    except ImportError:
        raise ServerError(
            f"trustme is needed for the TLS scenarios; install it:\n{TRUSTME_HINT}"
        ) from None
    authority = trustme.CA()
    cert = authority.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(prefix / _CERT_FILE))
    ca_file = prefix / CA_FILE
    authority.cert_pem.write_to_path(str(ca_file))
    for path in (prefix / _CERT_FILE, ca_file):
        path.chmod(0o644)
    return ca_file


def _has_http2_directive(version: str) -> bool:
    """Whether this nginx version takes ``http2 on;`` (1.25.1 and later)."""
    try:
        parts = tuple(int(part) for part in version.split(".")[:3])
    except ValueError:
        return False
    return parts >= (1, 25, 1)


def _write_body(path: Path, size: int) -> None:
    """A body of ``size`` printable bytes (a repeating pattern, so it is recognisable)."""
    pattern = b"darter-benchmark-body-0123456789\n"
    repeats = size // len(pattern) + 1
    with path.open("wb") as fh:
        if size <= 1 << 20:
            fh.write((pattern * repeats)[:size])
            return
        chunk = pattern * ((1 << 20) // len(pattern))
        remaining = size
        while remaining > 0:
            piece = chunk[:remaining]
            fh.write(piece)
            remaining -= len(piece)


@dataclass(frozen=True)
class ServerCounters:
    """nginx's totals since it started: connections accepted, requests served.

    ``tls_connections`` and ``tls_resumed`` count the connections to the TLS server
    block and those of them whose handshake resumed a session (0 without TLS);
    ``upload_bytes`` the bytes nginx read of the requests to ``/upload`` (request
    lines and headers included), each body read whole before the answer.
    """

    accepted: int
    requests: int
    tls_connections: int = 0
    tls_resumed: int = 0
    upload_bytes: int = 0

    def since(self, before: ServerCounters) -> ServerCounters:
        """What happened between ``before`` and these counters, less this reading.

        Both readings were taken with a request on a connection of its own (plain
        HTTP); the later one is counted in these totals and is subtracted.
        """
        return ServerCounters(
            accepted=self.accepted - before.accepted - 1,
            requests=self.requests - before.requests - 1,
            tls_connections=self.tls_connections - before.tls_connections,
            tls_resumed=self.tls_resumed - before.tls_resumed,
            upload_bytes=self.upload_bytes - before.upload_bytes,
        )


def count_upload_bytes(log: bytes) -> int:
    """The bytes of every upload in the text of the upload log (one count a line)."""
    return sum(int(line) for line in log.split())


def count_tls_sessions(log: bytes) -> tuple[int, int]:
    """(TLS connections, resumed ones) in the text of the TLS session log."""
    lines = log.split()
    return len(lines), lines.count(b"r")


def parse_stub_status(text: str) -> ServerCounters:
    """The counters of a ``stub_status`` page; raises ``ServerError`` if unreadable.

    The page reads ``Active connections: 1`` then ``server accepts handled requests``
    then the three totals on the next line.
    """
    lines = text.splitlines()
    for index, line in enumerate(lines[:-1]):
        if line.strip().startswith("server accepts"):
            fields = lines[index + 1].split()
            if len(fields) == 3 and all(field.isdigit() for field in fields):
                return ServerCounters(accepted=int(fields[0]), requests=int(fields[2]))
    raise ServerError(f"cannot read nginx's stub_status page:\n{text}")


@dataclass
class NginxServer:
    """A running nginx: its base URL, process and the core it is pinned to."""

    binary: str
    version: str
    config: NginxConfig
    process: subprocess.Popen[bytes]
    cpu: int | None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.config.port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + path

    @property
    def tls_base_url(self) -> str:
        """``https://127.0.0.1:PORT`` of the TLS and HTTP/2 server block.

        Raises ``ServerError`` when nginx was started without it.
        """
        if self.config.tls_port <= 0:
            raise ServerError("nginx was started without its TLS server (tls=False)")
        return f"https://127.0.0.1:{self.config.tls_port}"

    @property
    def ca_file(self) -> str:
        """The CA certificate the TLS server's certificate is signed by (PEM file)."""
        return str(self.config.prefix / CA_FILE)

    def worker_pids(self) -> list[int]:
        """The pids of the master's children (the worker), from /proc when available."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def counters(self) -> ServerCounters:
        """nginx's connection and request counters, from ``stub_status``.

        Also the bytes read of the uploads, from the upload log, and with the TLS
        server its connections and resumed sessions, from its session log. The
        request that reads them counts as one connection and one request. Raises
        ``ServerError`` when the page cannot be read.
        """
        conn = http.client.HTTPConnection("127.0.0.1", self.config.port, timeout=5.0)
        try:
            conn.request("GET", STATUS_PATH)
            response = conn.getresponse()
            text = response.read().decode("ascii", "replace")
        except OSError as exc:
            raise ServerError(f"cannot read nginx's {STATUS_PATH}: {exc!r}") from exc
        finally:
            conn.close()
        counters = replace(
            parse_stub_status(text), upload_bytes=count_upload_bytes(self._log(UPLOAD_LOG))
        )
        if self.config.tls_port <= 0:
            return counters
        connections, resumed = count_tls_sessions(self._log(TLS_SESSION_LOG))
        return replace(counters, tls_connections=connections, tls_resumed=resumed)

    def _log(self, name: str) -> bytes:
        """The text of one of nginx's logs in the prefix (empty until written)."""
        path = self.config.prefix / name
        return path.read_bytes() if path.exists() else b""

    def stop(self) -> None:
        """Shut nginx down (fast shutdown, then kill if it lingers)."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _pin_to(cpu: int | None) -> None:
    """Run in the child before exec: nginx and the worker it forks stay on ``cpu``."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})


def _wait_ready(process: subprocess.Popen[bytes], port: int, prefix: Path) -> None:
    """Wait until nginx serves ``/small`` correctly; raise ``ServerError`` otherwise."""
    deadline = time.monotonic() + _READY_TIMEOUT
    last_error = "no attempt"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"nginx exited with status {process.returncode}:\n{_logs(prefix)}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
        try:
            conn.request("GET", SMALL_PATH)
            response = conn.getresponse()
            body = response.read()
        except OSError as exc:
            last_error = repr(exc)
            time.sleep(0.02)
            continue
        finally:
            conn.close()
        if response.status != 200 or len(body) != SMALL_SIZE:
            raise ServerError(
                f"nginx answered {response.status} with {len(body)} bytes for "
                f"{SMALL_PATH}:\n{_logs(prefix)}"
            )
        return
    raise ServerError(f"nginx did not become ready ({last_error}):\n{_logs(prefix)}")


def _logs(prefix: Path) -> str:
    """nginx's error log and its captured standard error, for an error message."""
    parts = []
    for name in ("stderr.log", "error.log"):
        path = prefix / name
        if path.exists():
            text = path.read_text(errors="replace").strip()
            if text:
                parts.append(f"--- {name}\n{text}")
    return "\n".join(parts) or "(nginx wrote nothing)"


@contextlib.contextmanager
def running_nginx(
    binary: str,
    cpu: int | None = None,
    large_size: int = 0,
    attempts: int = 3,
    tls: bool = False,
) -> Iterator[NginxServer]:
    """Start nginx in a fresh temporary directory, yield it ready, stop it on exit.

    With ``tls``, also serve over TLS and HTTP/2 on a second port, with a certificate
    made for the occasion (``NginxServer.tls_base_url``, ``NginxServer.ca_file``).
    A port taken between choosing it and nginx binding it is retried ``attempts`` times.
    Raises ``ServerError`` when nginx will not start or serves the wrong thing.
    """
    version = nginx_version(binary)
    with tempfile.TemporaryDirectory(prefix="darter-bench-nginx-") as tmp:
        prefix = Path(tmp)
        if tls:
            write_tls_files(prefix)
        server: NginxServer | None = None
        for attempt in range(1, attempts + 1):
            config = NginxConfig(
                prefix=prefix,
                port=free_port(),
                large_size=large_size,
                tls_port=free_port() if tls else 0,
                http2_directive=_has_http2_directive(version),
            )
            conf_path = config.write()
            with (prefix / "stderr.log").open("wb") as stderr:
                process = subprocess.Popen(
                    [binary, "-p", str(prefix), "-c", str(conf_path), "-e", "stderr"],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    preexec_fn=lambda: _pin_to(cpu),
                    start_new_session=True,
                )
            server = NginxServer(binary, version, config, process, cpu)
            try:
                _wait_ready(process, config.port, prefix)
                break
            except ServerError:
                server.stop()
                server = None
                if attempt == attempts:
                    raise
        assert server is not None
        try:
            yield server
        finally:
            server.stop()
