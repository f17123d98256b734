"""``darter demo``: the whole tour, its server's routes on both protocols, its certificates."""

from __future__ import annotations

import io
import json
import socket
import ssl
import sys
from collections.abc import Iterator

import h2.config
import h2.connection
import h2.events
import pytest
from rich.console import Console

import darter
from darter._cli import demo
from darter._cli.demo_server import DemoServer
from darter._cli.demo_tls import DemoTLS, make_demo_tls
from darter._cli.render import make_console
from tests.cli.run import darter_env, run_darter


def output_console(*, terminal: bool = False) -> Console:
    return make_console(
        file=io.StringIO(),
        force_terminal=terminal,
        color_system="standard" if terminal else None,
        width=100,
        _environ={},
    )


def printed(console: Console) -> str:
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


@pytest.fixture(scope="module")
def tls() -> DemoTLS:
    made = make_demo_tls()
    assert isinstance(made, DemoTLS)
    return made


@pytest.fixture(scope="module")
def demo_server(tls: DemoTLS) -> Iterator[DemoServer]:
    with DemoServer(tls=tls.server_context, pace=False) as server:
        yield server


def test_darter_demo_runs_and_exits_0() -> None:
    # Proxies in the environment must not matter: the demo talks to loopback only.
    dead_proxy = "http://127.0.0.1:9"
    env = darter_env(HTTP_PROXY=dead_proxy, HTTPS_PROXY=dead_proxy, ALL_PROXY=dead_proxy)
    result = run_darter("demo", env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    for expected in (
        "1/6  GET a JSON document",
        '"message": "Hello from the darter demo server"',
        '"fast": true',
        "HTTP/1.1 302 Found",
        "saved 20.0 MiB (20971520 bytes)",
        "6/6  200 concurrent requests on AsyncClient",
        "* ALPN          h2",
        "HTTP/2 200 OK",
        "HTTP/1.1 200/200 OK in ",
        "HTTP/2   200/200 OK in ",
        "the demo server is stopped",
    ):
        assert expected in out, expected
    assert "\x1b" not in out  # not a terminal: plain text


def test_demo_help() -> None:
    result = run_darter("demo", "--help")
    assert result.returncode == 0
    assert "Take a tour of darter" in result.stdout


@pytest.mark.parametrize("terminal", [False, True])
def test_demo_in_process(terminal: bool) -> None:
    console = output_console(terminal=terminal)
    demo.run_demo(console, pace=False)
    out = printed(console)
    assert "6 steps in " in out
    assert "HTTP/2" in out
    assert ("\x1b[" in out) is terminal
    if terminal:
        assert "100%" in out  # the download's progress bar


def test_demo_without_h2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "h2_installed", lambda: False)
    console = output_console()
    demo.run_demo(console, pace=False)
    out = printed(console)
    assert "HTTP/2 skipped: install h2 with pip install 'darter[http2]'" in out
    assert "5/6  The same GET over HTTPS, with TLS details" in out
    assert "HTTP/1.1 200/200 OK" in out
    assert "HTTP/2 200" not in out
    assert "HTTP/2   200/200" not in out
    assert "6 steps in " in out


def test_demo_without_a_certificate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "make_demo_tls", lambda: "HTTPS and HTTP/2 skipped: no way")
    console = output_console()
    demo.run_demo(console, pace=False)
    out = printed(console)
    assert "HTTPS and HTTP/2 skipped: no way" in out
    assert "HTTPS     https://" not in out
    assert "5 steps in " in out


def test_certificate_from_cryptography_without_trustme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trustme", None)
    made = make_demo_tls()
    assert isinstance(made, DemoTLS)
    assert made.origin == "a self-signed certificate (cryptography)"
    made.client_context.verify_flags |= ssl.VERIFY_X509_STRICT
    with (
        DemoServer(tls=made.server_context, pace=False) as server,
        darter.Client(http2=True, verify=made.client_context) as client,
    ):
        assert server.https_url is not None
        response = client.get(server.https_url + "/json")
    assert (response.http_version, response.json()["protocol"]) == ("HTTP/2", "HTTP/2")


def test_no_certificate_without_trustme_and_cryptography(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trustme", None)
    monkeypatch.setitem(sys.modules, "cryptography", None)
    reason = make_demo_tls()
    assert isinstance(reason, str)
    assert reason.startswith("HTTPS and HTTP/2 skipped")


@pytest.mark.parametrize("http2", [False, True])
def test_demo_routes(demo_server: DemoServer, tls: DemoTLS, http2: bool) -> None:
    base = demo_server.https_url if http2 else demo_server.http_url
    assert base is not None
    protocol = "HTTP/2" if http2 else "HTTP/1.1"
    with darter.Client(base_url=base, http2=http2, verify=tls.client_context) as client:
        index = client.get("/")
        assert index.headers["content-type"] == "text/html; charset=utf-8"
        assert "<h1>darter demo server</h1>" in index.text
        assert index.http_version == protocol
        document = client.get("/json", headers={"User-Agent": "tests"}).json()
        assert (document["protocol"], document["user_agent"]) == (protocol, "tests")
        echo = client.post("/echo?a=1", json={"b": [2]}).json()
        assert echo == {
            "method": "POST",
            "path": "/echo",
            "query": {"a": "1"},
            "content_type": "application/json",
            "received": {"b": [2]},
        }
        chunked = client.post("/echo", content=iter([b"not ", b"json"])).json()
        assert chunked["received"] == "not json"
        assert client.put("/echo").json()["received"] is None
        redirected = client.get("/redirect/2", follow_redirects=True)
        assert [r.headers["location"] for r in redirected.history] == ["/redirect/1", "/json"]
        download = client.get("/download?size=300001")
        assert download.headers["content-length"] == "300001"
        assert download.content[:3] == b"\x00\x01\x02"
        assert len(download.content) == 300001
        assert client.get("/burst").json() == {"ok": True}
        missing = client.get("/nowhere")
        assert (missing.status_code, missing.json()) == (404, {"error": "no route for /nowhere"})
        head = client.head("/json")
        assert (head.status_code, head.content) == (200, b"")
        assert int(head.headers["content-length"]) > 0


def _raw_exchange(url: str, data: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_http10_request_closes_the_connection(demo_server: DemoServer) -> None:
    answer = _raw_exchange(demo_server.http_url, b"GET /burst HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nconnection: close\r\n" in answer


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"NONSENSE\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /json HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
    ],
)
def test_bad_requests_close_the_connection_quietly(
    demo_server: DemoServer, request_bytes: bytes
) -> None:
    assert _raw_exchange(demo_server.http_url, request_bytes) == b""


def _h2_client(
    server: DemoServer, tls: DemoTLS
) -> tuple[ssl.SSLSocket, h2.connection.H2Connection]:
    assert server.https_url is not None
    port = int(server.https_url.rsplit(":", 1)[1])
    context = tls.client_context
    context.set_alpn_protocols(["h2"])
    sock = context.wrap_socket(
        socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost"
    )
    assert sock.selected_alpn_protocol() == "h2"
    connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    connection.initiate_connection()
    sock.sendall(connection.data_to_send())
    return sock, connection


def _request(connection: h2.connection.H2Connection, path: str) -> int:
    stream_id = connection.get_next_available_stream_id()
    connection.send_headers(
        stream_id,
        [(":method", "GET"), (":scheme", "https"), (":authority", "localhost"), (":path", path)],
        end_stream=True,
    )
    return stream_id


def test_h2_download_waits_for_the_clients_window(demo_server: DemoServer, tls: DemoTLS) -> None:
    # h2's default window is 64 KiB: the server must wait for each WINDOW_UPDATE.
    sock, connection = _h2_client(demo_server, tls)
    with sock:
        stream_id = _request(connection, "/download?size=500000")
        sock.sendall(connection.data_to_send())
        received = 0
        ended = False
        while not ended:
            data = sock.recv(65536)
            assert data, "the server closed the connection"
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.DataReceived):
                    received += len(event.data or b"")
                    connection.acknowledge_received_data(
                        event.flow_controlled_length or 0, stream_id
                    )
                ended = ended or isinstance(event, h2.events.StreamEnded)
            sock.sendall(connection.data_to_send())
    assert received == 500000


def test_h2_reset_stream_and_protocol_error(demo_server: DemoServer, tls: DemoTLS) -> None:
    sock, connection = _h2_client(demo_server, tls)
    with sock:
        stream_id = _request(connection, "/download?size=500000")
        sock.sendall(connection.data_to_send())
        while True:  # data arrives; then reset the stream while the server sends
            events = connection.receive_data(sock.recv(65536))
            data = [event for event in events if isinstance(event, h2.events.DataReceived)]
            for event in data:  # the connection's window opens again
                connection.acknowledge_received_data(event.flow_controlled_length or 0, stream_id)
            if data:
                break
        connection.reset_stream(stream_id)
        second = _request(connection, "/burst")
        sock.sendall(connection.data_to_send())
        answered = False
        while not answered:
            for event in connection.receive_data(sock.recv(65536)):
                if isinstance(event, h2.events.DataReceived) and event.stream_id == second:
                    assert json.loads(event.data or b"") == {"ok": True}
                    answered = True
            sock.sendall(connection.data_to_send())
        sock.sendall(b"\x00\x00\x01\x00\x00\x00\x00\x00\x00x")  # DATA on stream 0: invalid
        closing = b""
        while chunk := sock.recv(65536):
            closing += chunk
    events = connection.receive_data(closing)
    assert any(isinstance(event, h2.events.ConnectionTerminated) for event in events)
