"""Failures: one ``error: ...`` line on stderr, a non-zero status, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.run import TIMEOUT, assert_one_line_error, darter_env, run_darter, run_python
from tests.servers.scripted import Handler, ScriptedServer, read_request_head


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback port with nothing listening: bound, never listened on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"


def test_connection_refused(refused_url: str) -> None:
    assert_one_line_error(run_darter(refused_url), "ConnectError", "refused")


def test_read_timeout(scripted: Callable[[Handler], ScriptedServer]) -> None:
    def silent(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.recv(1)  # until the client gives up and closes

    server = scripted(silent)
    result = run_darter(server.url + "/", "--timeout", "0.3")
    assert_one_line_error(result, "ReadTimeout")


def test_server_closing_without_answering(scripted: Callable[[Handler], ScriptedServer]) -> None:
    server = scripted(lambda conn: read_request_head(conn) and None)
    result = run_darter(server.url + "/", "-m", "POST")
    assert_one_line_error(result, "RemoteProtocolError")


def test_malformed_response(scripted: Callable[[Handler], ScriptedServer]) -> None:
    def garbage(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok")

    assert_one_line_error(run_darter(scripted(garbage).url + "/"), "RemoteProtocolError")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://[::1/", "InvalidURL"),
        ("http://exa\tmple.org/", "InvalidURL"),
        ("ftp://example.org/file", "UnsupportedProtocol: Request URL has an unsupported"),
        ("example.org/path", "UnsupportedProtocol"),
    ],
)
def test_invalid_urls(url: str, fragment: str) -> None:
    assert_one_line_error(run_darter(url), fragment)


def test_certificate_not_trusted(https_server: str) -> None:
    result = run_darter(https_server + "/json")
    assert_one_line_error(result, "ConnectError", "certificate verify failed")


def test_bad_proxy_url(server: str) -> None:
    assert_one_line_error(run_darter(server, "--proxy", "ftp://proxy:21"), "scheme")


def test_download_to_a_missing_directory(server: str, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.bin"
    result = run_darter(server + "/bytes/10", "--download", str(target))
    assert_one_line_error(result, "No such file or directory", str(target))


def test_missing_backend_library(server: str) -> None:
    # trio cannot be imported: the command says what to install.
    code = (
        "import sys; sys.modules['trio'] = None; from darter._main import main; "
        f"sys.argv = ['darter', '{server}', '--backend', 'trio']; main()"
    )
    result = run_python("-c", code)
    assert_one_line_error(result, "pip install 'darter[trio]'")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Missing argument 'URL'"),
        (["http://x/", "-h", "X-Only-Name"], "requires 2 arguments"),
        (["http://x/", "not-an-item"], "is not a request item"),
        (["http://x/", "=value"], "has no name"),
        (["http://x/", "n:=nope"], "not valid JSON"),
        (["http://x/", "a=1", "-j", "{}"], "give one request body only"),
        (["http://x/", "-j", "{"], "-j/--json is not valid JSON"),
        (["http://x/", "f@/no/such/file"], "does not exist"),
        (["http://x/", "-f", "f", "/no/such/file"], "does not exist"),
        (["http://x/", "--backend", "gevent"], "Invalid value for '--backend'"),
        (["http://x/", "--timeout", "soon"], "Invalid value for '--timeout'"),
    ],
)
def test_usage_errors_exit_with_status_2(args: list[str], message: str) -> None:
    result = run_darter(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("module", ["click", "rich", "pygments"])
def test_install_hint_when_the_cli_extra_is_missing(module: str) -> None:
    # A module set to None in sys.modules cannot be imported, as if not installed.
    code = (
        f"import sys; sys.modules[{module!r}] = None; from darter._main import main; "
        "sys.argv = ['darter', 'http://127.0.0.1:9/']; main()"
    )
    result = run_python("-c", code)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        "The darter command line client needs its extra dependencies: pip install 'darter[cli]'\n"
    )


def test_importing_darter_does_not_import_the_cli_libraries() -> None:
    code = (
        "import sys, darter; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'click', 'rich', 'pygments'}))"
    )
    result = run_python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


def test_output_closed_early_is_quiet(scripted: Callable[[Handler], ScriptedServer]) -> None:
    # darter URL | head -1: the pipe closes while the command still has lines to print.
    body = b"line\n" * 200_000

    def big_text(conn: socket.socket) -> None:
        read_request_head(conn)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
        conn.sendall(head % len(body) + body)

    server = scripted(big_text)
    process = subprocess.Popen(
        [sys.executable, "-m", "darter", server.url + "/"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=darter_env(),
    )
    assert process.stdout is not None
    assert process.stdout.readline() == b"HTTP/1.1 200 OK\n"
    process.stdout.close()
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 1
    assert stderr == b""
