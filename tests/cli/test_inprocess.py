"""The command run in-process (click's runner): terminal-only output, error paths, pieces.

The subprocess tests show the command end to end; these reach what a pipe cannot
show (the progress bar) and check the helpers directly.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

import darter
from darter._cli import main as cli_main
from darter._cli.main import Overrides, build_spec, describe_error, request_command
from darter._cli.render import Renderer, describe_connection, format_size, make_console


def console(*, terminal: bool) -> Console:
    return make_console(
        file=io.StringIO(),
        force_terminal=terminal,
        color_system="standard" if terminal else None,
        width=100,
        _environ={},
    )


def invoke(
    args: list[str], *, terminal: bool = False, transport: Any = None
) -> tuple[Result, str]:
    """Run the command; returns click's result and what the console printed."""
    output = console(terminal=terminal)
    result = CliRunner().invoke(
        request_command, args, obj=Overrides(console=output, transport=transport)
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    file = output.file
    assert isinstance(file, io.StringIO)
    return result, file.getvalue()


def test_download_shows_a_progress_bar_on_a_terminal(server: str, tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    result, output = invoke([server + "/bytes/300000", "--download", str(target)], terminal=True)
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == b"x" * 300000
    assert "100%" in output
    assert "293.0/293.0 KiB" in output
    assert f"saved 293.0 KiB (300000 bytes) to {target}" in output


def test_download_of_unknown_length_on_a_terminal(server: str, tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    result, output = invoke([server + "/stream/4", "--download", str(target)], terminal=True)
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == b"chunk\n" * 4
    assert "%" not in output.split("saved")[0].split("content-type")[-1]
    assert "saved 24 bytes (24 bytes)" in output


def test_no_progress_bar_when_not_a_terminal(server: str, tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    result, output = invoke([server + "/bytes/1000", "--download", str(target)])
    assert result.exit_code == 0
    assert "\x1b" not in output
    assert "━" not in output
    last_line = output.splitlines()[-1]
    assert re.fullmatch(
        rf"saved 1000 bytes \(1000 bytes\) to {re.escape(str(target))} in .+/s", last_line
    )


@pytest.mark.parametrize("backend", ["auto", "asyncio", "trio", "anyio"])
def test_async_backends(server: str, tmp_path: Path, backend: str) -> None:
    result, output = invoke([server + "/json", "--backend", backend, "-v"])
    assert result.exit_code == 0, result.stderr
    assert output.startswith("* connected to  127.0.0.1 port ")
    assert '"name": "darter"' in output
    target = tmp_path / "out.bin"
    result, output = invoke(
        [server + "/bytes/5000", "--backend", backend, "--download", str(target)], terminal=True
    )
    assert result.exit_code == 0, result.stderr
    assert target.stat().st_size == 5000


def test_async_backend_with_a_mock_transport() -> None:
    transport = darter.MockTransport(lambda request: darter.Response(200, text="mocked"))
    result, output = invoke(["http://example.org/", "--backend", "trio"], transport=transport)
    assert result.exit_code == 0, result.stderr
    assert output.endswith("\n\nmocked\n")


def test_streamed_request_body_in_verbose_mode(server: str, tmp_path: Path) -> None:
    upload = tmp_path / "up.txt"
    upload.write_text("hello")
    result, output = invoke([server + "/echo", "-v", "-f", "file", str(upload), "-d", "a", "b"])
    assert result.exit_code == 0, result.stderr
    assert "<streamed body, " in output
    assert output.index("POST /echo HTTP/1.1") < output.index("HTTP/1.1 200 OK")


def test_connection_error(unused_port_url: str) -> None:
    result, output = invoke([unused_port_url])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ConnectError: ")
    assert result.stderr.count("\n") == 1
    assert output == ""


def test_unexpected_exceptions_are_one_line_too() -> None:
    def broken(request: darter.Request) -> darter.Response:
        raise RuntimeError("boom\nsecond line")

    result, _ = invoke(["http://example.org/"], transport=darter.MockTransport(broken))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: unexpected RuntimeError: boom second line (please report this bug)\n"
    )


def test_missing_event_loop_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trio", None)
    result, _ = invoke(["http://example.org/", "--backend", "trio"])
    assert result.exit_code == 1
    assert result.stderr == "error: --backend trio needs trio: pip install 'darter[trio]'\n"


def test_usage_error_from_items() -> None:
    result, _ = invoke(["http://example.org/", "n:=[", "--backend", "asyncio"])
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr


@pytest.mark.parametrize(
    ("exception", "message"),
    [
        (darter.ConnectError("Could not connect"), "ConnectError: Could not connect"),
        (darter.ReadTimeout(""), "ReadTimeout: ReadTimeout"),
        (
            FileNotFoundError(2, "No such file or directory", "x.bin"),
            "No such file or directory: x.bin",
        ),
        (PermissionError(13, "Permission denied"), "Permission denied"),
        (OSError("no errno"), "no errno"),
        (ImportError("install h2"), "install h2"),
        (ValueError("bad\n  value"), "bad value"),
        (KeyError("k"), "unexpected KeyError: 'k' (please report this bug)"),
    ],
)
def test_describe_error(exception: BaseException, message: str) -> None:
    assert describe_error(exception) == message


def test_build_spec_defaults_and_timeout() -> None:
    def spec(*args: str) -> Any:
        return build_spec(request_command.make_context("darter", list(args)).params)

    default = spec("http://example.org/")
    assert (default.method, default.timeout, default.verify, default.backend) == (
        "GET",
        5.0,
        True,
        None,
    )
    assert spec("http://example.org/", "--timeout", "0").timeout is None
    assert spec("http://example.org/", "-c", "x").method == "POST"
    assert spec("http://example.org/", "-m", "delete", "-c", "x").method == "DELETE"
    configured = spec(
        "http://example.org/", "--no-verify", "--http2", "--follow-redirects", "--auth", "u", "p"
    )
    assert (configured.verify, configured.http2, configured.follow_redirects) == (
        False,
        True,
        True,
    )
    assert configured.auth == ("u", "p")


def test_main_dispatches_to_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main(["demo", "--help"])
    assert exit_info.value.code == 0
    assert "Usage: darter demo [OPTIONS]" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"darter {darter.__version__}\n"


def test_demo_command_failure_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(console: Console) -> None:
        raise OSError(98, "Address already in use")

    monkeypatch.setattr("darter._cli.demo.run_demo", fail)
    result = CliRunner().invoke(
        cli_main.demo_command, [], obj=Overrides(console=console(terminal=False))
    )
    assert result.exit_code == 1
    assert result.stderr == "error: Address already in use\n"


class _Stream:
    def __init__(self, **info: Any) -> None:
        self.info = info

    def get_extra_info(self, name: str) -> Any:
        if name in self.info and isinstance(self.info[name], Exception):
            raise self.info[name]
        return self.info.get(name)


class _SSL:
    def __init__(self, cipher: Any, alpn: str | None, cert: dict[str, Any]) -> None:
        self._cipher, self._alpn, self._cert = cipher, alpn, cert

    def version(self) -> str:
        return "TLSv1.2"

    def cipher(self) -> Any:
        return self._cipher

    def selected_alpn_protocol(self) -> str | None:
        return self._alpn

    def getpeercert(self) -> dict[str, Any]:
        return self._cert


def test_describe_connection_variants() -> None:
    assert describe_connection(_Stream(server_addr=OSError("closed"))) == []
    assert describe_connection(object()) == []
    assert describe_connection(_Stream(server_addr=("::1", 443, 0, 0))) == [
        ("connected to", "[::1] port 443")
    ]
    unverified = _Stream(ssl_object=_SSL(None, None, {}))
    assert describe_connection(unverified) == [
        ("TLS", "TLSv1.2"),
        ("ALPN", "none (HTTP/1.1)"),
        ("certificate", "not verified"),
    ]
    bare = _Stream(ssl_object=_SSL(("AES", "TLSv1.2", 128), "http/1.1", {"subject": ()}))
    assert describe_connection(bare) == [
        ("TLS", "TLSv1.2, AES (128 bits)"),
        ("ALPN", "http/1.1"),
        ("subject", ""),
        ("issuer", ""),
    ]


def test_connection_is_described_once_per_stream() -> None:
    stream = _Stream(server_addr=("127.0.0.1", 80))
    renderer = Renderer(console(terminal=False), verbose=True)
    request = darter.Request("GET", "http://example.org/")
    for _ in range(2):
        response = darter.Response(200, request=request, extensions={"network_stream": stream})
        renderer.connection(response)
    file = renderer.console.file
    assert isinstance(file, io.StringIO)
    assert file.getvalue() == "* connected to  127.0.0.1 port 80\n"
    silent = darter.Response(200, request=request, extensions={"network_stream": _Stream()})
    renderer.connection(silent)
    assert file.getvalue().count("\n") == 1


def test_large_text_is_not_highlighted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("darter._cli.render.HIGHLIGHT_LIMIT", 100)
    renderer = Renderer(console(terminal=True))
    text = "x = 1\n" * 20
    response = darter.Response(
        200,
        headers={"Content-Type": "text/x-python"},
        text=text,
        request=darter.Request("GET", "http://e/"),
    )
    renderer.response_body(response)
    file = renderer.console.file
    assert isinstance(file, io.StringIO)
    assert file.getvalue().count("\x1b[") == 0


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (1023, "1023 bytes"),
        (1536, "1.5 KiB"),
        (20 << 20, "20.0 MiB"),
        (3 << 40, "3072.0 GiB"),
    ],
)
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text


@pytest.fixture
def unused_port_url() -> Any:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
