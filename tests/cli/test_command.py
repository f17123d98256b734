"""``python -m darter`` in a subprocess against the loopback test servers: every flag.

The test app (``tests/servers/app.py``) echoes what it received on ``/echo``, so
each test checks what the command sent as well as what it printed.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

import darter
from tests.cli.run import darter_env, run_darter
from tests.servers.tiny_proxy import tiny_proxy


def ok(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run the command; it must succeed without writing anything on stderr."""
    result = run_darter(*args, **kwargs)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stderr == ""
    return result


def body_of(stdout: str) -> str:
    """What follows the last response head."""
    return stdout.rsplit("\n\n", 1)[1]


def echoed(stdout: str) -> dict[str, Any]:
    """The /echo document printed by the command."""
    document: dict[str, Any] = json.loads(body_of(stdout))
    return document


def header(document: dict[str, Any], name: str) -> str | None:
    values = [value for key, value in document["headers"] if key == name]
    return values[0] if values else None


def test_get_prints_status_line_headers_and_pretty_json(server: str) -> None:
    result = ok(server + "/json")
    head, body = result.stdout.split("\n\n", 1)
    assert head.splitlines()[0] == "HTTP/1.1 200 OK"
    assert "content-type: application/json" in head.splitlines()
    expected = {"name": "darter", "fast": True, "numbers": [1, 2, 3]}
    assert body == json.dumps(expected, indent=4) + "\n"


def test_text_body_is_printed_as_is(server: str) -> None:
    assert body_of(ok(server + "/").stdout) == "Hello, world!\n"


def test_binary_body_is_summarised(server: str) -> None:
    result = ok(server + "/bytes/1234")
    assert body_of(result.stdout) == "<1234 bytes of binary data>\n"


def test_compressed_body_is_decoded(server: str) -> None:
    assert body_of(ok(server + "/gzip").stdout).startswith("The quick brown fox")


def test_method_option(server: str) -> None:
    assert echoed(ok(server + "/echo", "-m", "put").stdout)["method"] == "PUT"


def test_head_prints_no_body(server: str) -> None:
    result = ok(server + "/json", "-m", "HEAD")
    assert "\n\n" not in result.stdout.strip()


def test_params_option_and_items(server: str) -> None:
    document = echoed(ok(server + "/echo", "-p", "a", "1", "-p", "b", "two", "c==3").stdout)
    assert document["query"] == "a=1&b=two&c=3"
    assert document["method"] == "GET"


def test_content_option_sends_a_raw_body_with_post(server: str) -> None:
    document = echoed(ok(server + "/echo", "-c", "raw text").stdout)
    assert (document["method"], document["body"]) == ("POST", "raw text")


def test_data_option_sends_a_form(server: str) -> None:
    document = echoed(ok(server + "/echo", "-d", "name", "darter", "-d", "name", "2").stdout)
    assert document["body"] == "name=darter&name=2"
    assert header(document, "content-type") == "application/x-www-form-urlencoded"


def test_files_option_uploads_multipart(server: str, tmp_path: Path) -> None:
    upload = tmp_path / "notes.txt"
    upload.write_text("file contents")
    document = echoed(ok(server + "/echo", "-f", "upload", str(upload)).stdout)
    assert document["method"] == "POST"
    content_type = header(document, "content-type") or ""
    assert content_type.startswith("multipart/form-data; boundary=")
    assert 'name="upload"; filename="notes.txt"' in document["body"]
    assert "file contents" in document["body"]


def test_json_option(server: str) -> None:
    document = echoed(ok(server + "/echo", "-j", '{"a": [1, 2]}').stdout)
    assert document["method"] == "POST"
    assert json.loads(document["body"]) == {"a": [1, 2]}
    assert header(document, "content-type") == "application/json"


def test_headers_option_and_items(server: str) -> None:
    document = echoed(ok(server + "/echo", "-h", "X-One", "1", "X-Two: 2").stdout)
    assert (header(document, "x-one"), header(document, "x-two")) == ("1", "2")


def test_cookies_option(server: str) -> None:
    document = echoed(ok(server + "/echo", "--cookies", "session", "abc").stdout)
    assert header(document, "cookie") == "session=abc"


def test_auth_option(server: str) -> None:
    result = ok(server + "/basic-auth/alice/secret", "--auth", "alice", "secret")
    assert result.stdout.startswith("HTTP/1.1 200 OK")
    assert json.loads(body_of(result.stdout)) == {"user": "alice"}


def test_an_error_status_still_exits_with_zero(server: str) -> None:
    result = ok(server + "/basic-auth/alice/secret", "--auth", "alice", "wrong")
    assert result.stdout.startswith("HTTP/1.1 401 Unauthorized")


def test_json_items_make_a_post_with_a_json_object(server: str) -> None:
    result = ok(server + "/echo", "name=darter", "count:=3", "tags:=[1, true]", "a\\:b=c")
    document = echoed(result.stdout)
    assert document["method"] == "POST"
    assert json.loads(document["body"]) == {
        "name": "darter",
        "count": 3,
        "tags": [1, True],
        "a:b": "c",
    }


def test_method_option_wins_over_the_post_default(server: str) -> None:
    assert echoed(ok(server + "/echo", "-m", "PATCH", "a=1").stdout)["method"] == "PATCH"


def test_file_item_uploads_with_the_field_items_as_form_fields(
    server: str, tmp_path: Path
) -> None:
    upload = tmp_path / "data.bin"
    upload.write_bytes(b"binary!")
    document = echoed(ok(server + "/echo", f"file@{upload}", "title=report").stdout)
    assert 'name="file"; filename="data.bin"' in document["body"]
    assert 'name="title"\r\n\r\nreport' in document["body"]


def test_follow_redirects_shows_each_response(server: str) -> None:
    result = ok(server + "/redirect-chain/2", "--follow-redirects")
    status_lines = [line for line in result.stdout.splitlines() if line.startswith("HTTP/")]
    assert status_lines == ["HTTP/1.1 302 Found", "HTTP/1.1 302 Found", "HTTP/1.1 200 OK"]
    assert echoed(result.stdout)["path"] == "/echo"


def test_redirects_are_not_followed_by_default(server: str) -> None:
    result = ok(server + "/redirect/307")
    assert result.stdout.startswith("HTTP/1.1 307 Temporary Redirect")
    assert "location: /echo" in result.stdout
    assert body_of(result.stdout) == "redirecting\n"


def test_download_saves_the_body(server: str, tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    result = ok(server + "/bytes/300000", "--download", str(target))
    assert target.read_bytes() == b"x" * 300000
    assert result.stdout.startswith("HTTP/1.1 200 OK")
    assert f"saved 293.0 KiB (300000 bytes) to {target}" in result.stdout
    assert "bytes of binary data" not in result.stdout


def test_download_without_content_length(server: str, tmp_path: Path) -> None:
    target = tmp_path / "chunks.txt"
    ok(server + "/stream/3", "--download", str(target))
    assert target.read_bytes() == b"chunk\n" * 3


def test_proxy_option(server: str) -> None:
    with tiny_proxy() as (proxy_server, proxy):
        result = ok(server + "/json", "--proxy", proxy_server.url)
    assert result.stdout.startswith("HTTP/1.1 200 OK")
    assert proxy.heads[0].startswith(f"GET {server}/json HTTP/1.1".encode())


def test_timeout_option_allows_a_slow_answer(server: str) -> None:
    assert body_of(ok(server + "/slow/0.3", "--timeout", "5").stdout) == "slow\n"


@pytest.mark.parametrize("backend", ["auto", "asyncio", "trio", "anyio"])
def test_backend_option_uses_the_async_client(server: str, tmp_path: Path, backend: str) -> None:
    result = ok(server + "/echo", "-v", "--backend", backend, "x=1")
    assert json.loads(echoed(result.stdout)["body"]) == {"x": "1"}
    target = tmp_path / "async.bin"
    ok(server + "/bytes/100000", "--backend", backend, "--download", str(target))
    assert target.stat().st_size == 100000


def test_verbose_shows_the_request_before_the_response(server: str) -> None:
    result = ok(server + "/echo", "-v", "-j", '{"a": 1}')
    lines = result.stdout.splitlines()
    assert lines[0].startswith("* connected to  127.0.0.1 port ")
    request_at = lines.index("POST /echo HTTP/1.1")
    response_at = lines.index("HTTP/1.1 200 OK")
    assert request_at < response_at
    sent = lines[request_at:response_at]
    assert "Content-Type: application/json" in sent
    assert '    "a": 1' in sent  # the request body, pretty-printed
    assert not any(line.startswith("* TLS") for line in lines)


def test_verbose_over_tls_shows_the_connection(
    https_server: str, cert_files: dict[str, str]
) -> None:
    env = darter_env(SSL_CERT_FILE=cert_files["ca"])
    result = ok(https_server + "/json", "-v", env=env)
    lines = result.stdout.splitlines()
    connection = [line for line in lines if line.startswith("* ")]
    assert connection[0].startswith("* connected to  127.0.0.1 port ")
    assert connection[1].startswith("* TLS           TLSv1.")
    assert "bits)" in connection[1]
    assert connection[2].startswith("* ALPN          ")  # uvicorn selects no protocol
    assert any(line.startswith("* subject ") for line in connection)
    assert any("IP:127.0.0.1" in line for line in connection)
    assert any(line.startswith("* issuer ") for line in connection)
    assert lines.index("GET /json HTTP/1.1") < lines.index("HTTP/1.1 200 OK")


def test_no_verify_option(https_server: str) -> None:
    result = ok(https_server + "/json", "--no-verify", "-v")
    assert result.stdout.startswith("* connected to")
    assert "* certificate   not verified" in result.stdout
    assert "HTTP/1.1 200 OK" in result.stdout


def test_http2_against_nginx(nginx_urls: dict[str, str], cert_files: dict[str, str]) -> None:
    env = darter_env(SSL_CERT_FILE=cert_files["ca"])
    result = ok(nginx_urls["https"] + "/json", "--http2", "-v", env=env)
    lines = result.stdout.splitlines()
    assert "* ALPN          h2" in lines
    assert "GET /json HTTP/2" in lines
    assert any(line.startswith(":authority: localhost:") for line in lines)
    assert "HTTP/2 200 OK" in lines
    assert json.loads(body_of(result.stdout)) == {"server": "nginx"}


def test_without_http2_option_nginx_answers_in_http1(
    nginx_urls: dict[str, str], cert_files: dict[str, str]
) -> None:
    env = darter_env(SSL_CERT_FILE=cert_files["ca"])
    assert ok(nginx_urls["https"] + "/", env=env).stdout.startswith("HTTP/1.1 200 OK")


def test_http2_download_from_nginx(
    nginx_urls: dict[str, str], cert_files: dict[str, str], tmp_path: Path
) -> None:
    env = darter_env(SSL_CERT_FILE=cert_files["ca"])
    target = tmp_path / "big.bin"
    result = ok(
        nginx_urls["https"] + "/files/big.bin", "--http2", "--download", str(target), env=env
    )
    assert result.stdout.startswith("HTTP/2 200 OK")
    assert target.stat().st_size == 8 * 1024 * 1024


def test_help_and_version() -> None:
    help_text = ok("--help").stdout
    assert "-h, --headers NAME VALUE" in help_text
    assert "field:=json" in help_text
    assert "darter demo" in help_text
    assert ok("--version").stdout == f"darter {darter.__version__}\n"


def test_colours_only_when_forced_and_never_with_no_color(server: str) -> None:
    # A pipe is not a terminal: plain text, unless FORCE_COLOR says otherwise.
    colour = re.compile("\x1b\\[[0-9;]*(3[0-7]|9[0-7])[0-9;]*m")
    assert "\x1b" not in ok(server + "/json").stdout
    forced = ok(server + "/json", env=darter_env(FORCE_COLOR="1")).stdout
    assert colour.search(forced)
    assert '\x1b[94m"name"\x1b[0m' in forced  # highlighted JSON
    no_color = ok(server + "/json", env=darter_env(FORCE_COLOR="1", NO_COLOR="1")).stdout
    assert not colour.search(no_color)
