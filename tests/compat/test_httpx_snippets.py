"""Typical httpx code, unchanged, running on darter.

Each test is a snippet of the kind found in httpx's documentation and in projects
that use it: only ``httpx.*`` names appear, and the only change is the import line.
Nothing touches the network: the servers are mock, WSGI and ASGI transports.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import pickle
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
import trio

import darter as httpx

# A small "API" shared by several snippets.

USERS = {1: {"id": 1, "name": "Ada"}, 2: {"id": 2, "name": "Grace"}}


def api(request: httpx.Request) -> httpx.Response:
    if request.headers.get("Authorization") != "Bearer secret-token":
        return httpx.Response(401, json={"detail": "not authenticated"})
    if request.url.path == "/v2/users":
        page = int(request.url.params.get("page", "1"))
        lang = request.url.params["lang"]
        return httpx.Response(
            200, json={"page": page, "users": list(USERS.values()), "lang": lang}
        )
    if request.url.path.startswith("/v2/users/"):
        user = USERS.get(int(request.url.path.rsplit("/", 1)[1]))
        if user is None:
            return httpx.Response(404, json={"detail": "no such user"})
        return httpx.Response(200, json=user)
    return httpx.Response(404)


def test_client_with_base_url_headers_and_params() -> None:
    """A client configured once for an API: base URL, default headers and query params."""
    transport = httpx.MockTransport(api)
    headers = {"Authorization": "Bearer secret-token", "User-Agent": "my-app/1.0"}
    with httpx.Client(
        base_url="https://api.example.com/v2",
        headers=headers,
        params={"lang": "en"},
        transport=transport,
    ) as client:
        response = client.get("/users", params={"page": 2})
        user = client.get("/users/1").json()

    assert response.status_code == httpx.codes.OK
    assert response.json() == {"page": 2, "users": list(USERS.values()), "lang": "en"}
    assert response.request.url == "https://api.example.com/v2/users?lang=en&page=2"
    assert response.request.headers["user-agent"] == "my-app/1.0"
    assert user == {"id": 1, "name": "Ada"}


def test_raise_for_status_and_http_status_error() -> None:
    """Turning 4xx/5xx responses into exceptions, and telling them from network errors."""

    def fetch_user(client: httpx.Client, user_id: int) -> dict[str, Any] | str:
        try:
            response = client.get(f"https://api.example.com/v2/users/{user_id}")
            response.raise_for_status()
        except httpx.RequestError as exc:
            return f"An error occurred while requesting {exc.request.url!r}."
        except httpx.HTTPStatusError as exc:
            return (
                f"Error response {exc.response.status_code} while requesting {exc.request.url!r}."
            )
        result: dict[str, Any] = response.json()
        return result

    auth_headers = {"Authorization": "Bearer secret-token"}
    with httpx.Client(transport=httpx.MockTransport(api), headers=auth_headers) as client:
        assert fetch_user(client, 2) == {"id": 2, "name": "Grace"}
        assert fetch_user(client, 99) == (
            "Error response 404 while requesting URL('https://api.example.com/v2/users/99')."
        )
        # raise_for_status() returns the response, so calls can be chained.
        user = client.get("https://api.example.com/v2/users/1").raise_for_status().json()
        assert user["id"] == 1

    with httpx.Client(transport=httpx.MockTransport(api)) as client:
        response = client.get("https://api.example.com/v2/users/1")
        with pytest.raises(httpx.HTTPStatusError) as info:
            response.raise_for_status()
    assert info.value.response is response
    assert response.is_client_error and not response.is_success
    assert str(info.value).startswith("Client error '401 Unauthorized' for url")


def test_streaming_download_with_iter_bytes(tmp_path: Path) -> None:
    """Downloading a large file in chunks to disk, with progress from num_bytes_downloaded."""
    payload = bytes(range(256)) * 4096  # 1 MiB

    def file_server(request: httpx.Request) -> httpx.Response:
        def body() -> Generator[bytes, None, None]:
            for start in range(0, len(payload), 65536):
                yield payload[start : start + 65536]

        return httpx.Response(
            200,
            headers={"Content-Length": str(len(payload)), "Content-Type": "application/zip"},
            content=body(),
        )

    progress = []
    target = tmp_path / "archive.zip"
    with (
        httpx.Client(transport=httpx.MockTransport(file_server)) as client,
        client.stream("GET", "https://downloads.example.com/archive.zip") as response,
    ):
        total = int(response.headers["Content-Length"])
        with target.open("wb") as download_file:
            for chunk in response.iter_bytes():
                download_file.write(chunk)
                progress.append(response.num_bytes_downloaded * 100 // total)

    assert target.read_bytes() == payload
    assert progress[-1] == 100
    assert progress == sorted(progress) and len(progress) == 16


def test_event_hooks_for_logging(caplog: pytest.LogCaptureFixture) -> None:
    """Request/response event hooks that log traffic and raise on error statuses."""
    logger = logging.getLogger("my_app.http")

    def log_request(request: httpx.Request) -> None:
        logger.info(
            "Request event hook: %s %s - Waiting for response", request.method, request.url
        )

    def log_response(response: httpx.Response) -> None:
        request = response.request
        logger.info(
            "Response event hook: %s %s - Status %s",
            request.method,
            request.url,
            response.status_code,
        )

    def raise_on_4xx_5xx(response: httpx.Response) -> None:
        response.raise_for_status()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500 if request.url.path == "/broken" else 200, text="hi")

    client = httpx.Client(
        event_hooks={"request": [log_request], "response": [log_response, raise_on_4xx_5xx]},
        transport=httpx.MockTransport(handler),
    )
    with caplog.at_level(logging.INFO, logger="my_app.http"), client:
        client.get("https://www.example.org/")
        with pytest.raises(httpx.HTTPStatusError):
            client.get("https://www.example.org/broken")
    assert caplog.messages == [
        "Request event hook: GET https://www.example.org/ - Waiting for response",
        "Response event hook: GET https://www.example.org/ - Status 200",
        "Request event hook: GET https://www.example.org/broken - Waiting for response",
        "Response event hook: GET https://www.example.org/broken - Status 500",
    ]


class TokenRefreshAuth(httpx.Auth):
    """Sends an access token; when the server says it expired, refreshes it and retries."""

    requires_response_body = True

    def __init__(self, access_token: str, refresh_token: str, refresh_url: str) -> None:
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.refresh_url = refresh_url

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["X-Authentication"] = self.access_token
        response = yield request

        if response.status_code == 401:
            refresh_response = yield self.build_refresh_request()
            self.update_tokens(refresh_response)

            request.headers["X-Authentication"] = self.access_token
            yield request

    def build_refresh_request(self) -> httpx.Request:
        return httpx.Request("POST", self.refresh_url, json={"refresh_token": self.refresh_token})

    def update_tokens(self, response: httpx.Response) -> None:
        data = response.json()
        self.access_token = data["access_token"]
        self.refresh_token = data["refresh_token"]


def test_custom_auth_with_token_refresh() -> None:
    """A custom ``httpx.Auth`` subclass implementing an OAuth-style token refresh flow."""
    valid_tokens = {"fresh-access"}
    seen = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, request.headers.get("X-Authentication")))
        if request.url.path == "/oauth/refresh":
            assert json.loads(request.content) == {"refresh_token": "refresh-1"}
            return httpx.Response(
                200, json={"access_token": "fresh-access", "refresh_token": "refresh-2"}
            )
        if request.headers.get("X-Authentication") not in valid_tokens:
            return httpx.Response(401, json={"detail": "token expired"})
        return httpx.Response(200, json={"orders": [1, 2, 3]})

    auth = TokenRefreshAuth("stale-access", "refresh-1", "https://auth.example.com/oauth/refresh")
    with httpx.Client(auth=auth, transport=httpx.MockTransport(server)) as client:
        response = client.get("https://api.example.com/orders")
        again = client.get("https://api.example.com/orders")

    assert response.json() == {"orders": [1, 2, 3]}
    assert again.status_code == 200
    # The intermediate responses of the auth flow are kept in the history.
    assert [r.status_code for r in response.history] == [401, 200]
    assert response.history[1].request.url == "https://auth.example.com/oauth/refresh"
    assert seen == [
        ("GET", "/orders", "stale-access"),
        ("POST", "/oauth/refresh", None),
        ("GET", "/orders", "fresh-access"),
        ("GET", "/orders", "fresh-access"),
    ]
    assert (auth.access_token, auth.refresh_token) == ("fresh-access", "refresh-2")


def test_timeout_configuration() -> None:
    """``httpx.Timeout(10.0, connect=60.0)`` on a client, and per-request overrides."""
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(204)

    timeout = httpx.Timeout(10.0, connect=60.0)
    with httpx.Client(timeout=timeout, transport=httpx.MockTransport(handler)) as client:
        client.get("https://example.org/")
        client.get("https://example.org/slow", timeout=httpx.Timeout(5.0, read=None))
        client.get("https://example.org/forever", timeout=None)
        assert client.timeout == httpx.Timeout(connect=60.0, read=10.0, write=10.0, pool=10.0)

    assert seen == [
        {"connect": 60.0, "read": 10.0, "write": 10.0, "pool": 10.0},
        {"connect": 5.0, "read": None, "write": 5.0, "pool": 5.0},
        {"connect": None, "read": None, "write": None, "pool": None},
    ]
    assert httpx.Timeout(10.0).read == 10.0
    no_read_timeout = httpx.Timeout(None, connect=5.0)
    assert no_read_timeout == httpx.Timeout(connect=5.0, read=None, write=None, pool=None)


def test_retry_loop_on_transport_errors() -> None:
    """A hand-written retry loop catching ``httpx.TransportError`` (connect and timeout errors)."""
    failures = [httpx.ConnectError, httpx.ReadTimeout]
    attempts = []

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url.path)
        if failures:
            raise failures.pop(0)("temporary failure", request=request)
        return httpx.Response(200, json={"status": "ok"})

    def get_with_retries(client: httpx.Client, url: str, max_attempts: int = 3) -> httpx.Response:
        for attempt in range(1, max_attempts + 1):
            try:
                return client.get(url)
            except httpx.TransportError:
                if attempt == max_attempts:
                    raise
                time.sleep(0.001 * 2**attempt)  # exponential backoff
        raise AssertionError("unreachable")

    with httpx.Client(transport=httpx.MockTransport(flaky)) as client:
        assert get_with_retries(client, "https://example.org/health").json() == {"status": "ok"}
        assert attempts == ["/health"] * 3

        failures.extend([httpx.ConnectTimeout, httpx.RemoteProtocolError])
        with pytest.raises(httpx.RemoteProtocolError) as info:
            get_with_retries(client, "https://example.org/health", max_attempts=2)
    assert isinstance(info.value, httpx.TransportError)
    assert info.value.request.url == "https://example.org/health"
    assert issubclass(httpx.ConnectTimeout, httpx.TimeoutException)


async def items_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A minimal ASGI application, as a framework would produce."""
    assert scope["type"] == "http"
    await asyncio.sleep(0.001)
    item_id = int(scope["path"].rsplit("/", 1)[1])
    body = json.dumps({"id": item_id, "square": item_id * item_id}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def test_async_client_gather_over_asgi_app() -> None:
    """Concurrent requests with ``asyncio.gather`` against an ASGI app, in-process."""

    async def main() -> list[dict[str, int]]:
        transport = httpx.ASGITransport(app=items_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            responses = await asyncio.gather(*(client.get(f"/items/{n}") for n in range(10)))
        for response in responses:
            response.raise_for_status()
        return [response.json() for response in responses]

    results = asyncio.run(main())
    assert results == [{"id": n, "square": n * n} for n in range(10)]


def test_wsgi_transport_for_a_wsgi_app() -> None:
    """Testing a WSGI application (a Flask-style app) through ``httpx.WSGITransport``."""

    def hello_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/hello" and environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            name = environ["wsgi.input"].read(length).decode().partition("=")[2]
            status, body = "200 OK", f"Hello, {name}! (from {environ['REMOTE_ADDR']})"
        else:
            status, body = "404 NOT FOUND", "Not Found"
        start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
        return [body.encode()]

    transport = httpx.WSGITransport(app=hello_app, remote_addr="1.2.3.4")
    with httpx.Client(transport=transport, base_url="http://testserver") as client:
        response = client.post("/hello", data={"name": "World"})
        missing = client.get("/nowhere")

    assert response.status_code == 200
    assert response.text == "Hello, World! (from 1.2.3.4)"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert missing.status_code == 404


def test_request_object_and_send_with_stream() -> None:
    """Building an ``httpx.Request`` explicitly and sending it with ``stream=True``."""
    log_lines = [f"2024-01-0{day} event {day}" for day in range(1, 6)]

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept"] == "text/plain"
        assert request.headers["x-trace-id"] == "trace-42"
        return httpx.Response(200, content=(line.encode() + b"\n" for line in log_lines))

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        request = httpx.Request(
            "GET", "https://logs.example.com/tail", headers={"Accept": "text/plain"}
        )
        request.headers["X-Trace-ID"] = "trace-42"
        response = client.send(request, stream=True)
        try:
            assert not response.is_closed
            received = list(response.iter_lines())
        finally:
            response.close()

        built = client.build_request("GET", "https://logs.example.com/tail")
        assert built.method == "GET" and built.url.host == "logs.example.com"

    assert received == log_lines
    assert response.is_closed
    assert response.request is request


def test_url_manipulation() -> None:
    """Working with ``httpx.URL``: components, ``copy_with``, query ``params`` and ``join``."""
    url = httpx.URL("https://api.example.com:8443/v1/search?q=python&page=1")
    assert (url.scheme, url.host, url.port) == ("https", "api.example.com", 8443)
    assert url.path == "/v1/search"
    assert url.params["q"] == "python"
    assert url.params.get("missing") is None

    assert str(url.copy_with(scheme="http", port=None)) == (
        "http://api.example.com/v1/search?q=python&page=1"
    )
    assert str(url.copy_with(params={"q": "rust"})) == (
        "https://api.example.com:8443/v1/search?q=rust"
    )
    assert str(url.copy_set_param("page", 2)) == (
        "https://api.example.com:8443/v1/search?q=python&page=2"
    )
    assert str(url.copy_add_param("tag", "web")) == (
        "https://api.example.com:8443/v1/search?q=python&page=1&tag=web"
    )
    assert str(url.copy_remove_param("page")) == "https://api.example.com:8443/v1/search?q=python"
    assert url.join("../v2/items") == "https://api.example.com:8443/v2/items"
    assert url.join("/health") == "https://api.example.com:8443/health"
    assert url.join("https://other.example.com/") == "https://other.example.com/"

    params = httpx.QueryParams({"a": ["1", "2"], "b": "x y"})
    assert str(params) == "a=1&a=2&b=x+y"
    assert params.get_list("a") == ["1", "2"]
    assert str(httpx.URL("https://example.com/search", params=params.set("b", "z"))) == (
        "https://example.com/search?a=1&a=2&b=z"
    )
    assert httpx.URL("https://例え.jp/").raw_host == b"xn--r8jz45g.jp"


def test_cookies_persist_across_requests() -> None:
    """A session: the login response sets a cookie that later requests send back."""

    def site(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/login":
            return httpx.Response(
                200, headers={"Set-Cookie": "session=abc123; Path=/; HttpOnly"}, text="welcome"
            )
        if request.url.path == "/logout":
            return httpx.Response(
                200, headers={"Set-Cookie": "session=; Path=/; Max-Age=0"}, text="bye"
            )
        cookie = request.headers.get("Cookie", "")
        return httpx.Response(200 if "session=abc123" in cookie else 403, text=cookie)

    with httpx.Client(transport=httpx.MockTransport(site), cookies={"theme": "dark"}) as client:
        assert client.get("https://shop.example.com/account").status_code == 403
        client.post("https://shop.example.com/login", data={"user": "ann", "password": "pw"})
        assert client.cookies["session"] == "abc123"
        account = client.get("https://shop.example.com/account")
        assert account.status_code == 200
        assert "theme=dark" in account.text
        # Cookies are only sent to the domain that set them.
        assert client.get("https://other.example.net/account").status_code == 403
        client.post("https://shop.example.com/logout")
        assert "session" not in client.cookies
        assert client.get("https://shop.example.com/account").status_code == 403

    jar = httpx.Cookies()
    jar.set("token", "t1", domain="example.com")
    assert jar.get("token", domain="example.com") == "t1"


def test_pickling_a_response() -> None:
    """Caching a response with ``pickle``: status, headers, body and request survive."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"cached": True}, headers={"ETag": '"v1"'})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        response = client.get("https://example.org/resource", params={"id": 7})

    restored = pickle.loads(pickle.dumps(response))
    assert restored.status_code == 200
    assert restored.headers["etag"] == '"v1"'
    assert restored.json() == {"cached": True}
    assert restored.content == response.content
    assert restored.request.url == "https://example.org/resource?id=7"
    assert restored.request.method == "GET"
    assert restored.is_closed


def test_follow_redirects_and_history() -> None:
    """Following a web app's redirects explicitly; ``history`` and ``next_request``."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/old":
            start_response("301 Moved Permanently", [("Location", "/new")])
            return [b""]
        if environ["PATH_INFO"] == "/submit":
            start_response("303 See Other", [("Location", "/done?id=7")])
            return [b"redirecting"]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}".encode()]

    transport = httpx.WSGITransport(app=app)
    with httpx.Client(transport=transport, base_url="https://example.com") as client:
        response = client.get("/old")
        assert response.is_redirect and response.status_code == httpx.codes.MOVED_PERMANENTLY
        assert response.next_request is not None
        assert response.next_request.url == "https://example.com/new"

        followed = client.get("/old", follow_redirects=True)
        posted = client.post("/submit", data={"a": "1"}, follow_redirects=True)

    assert followed.text == "GET /new"
    assert followed.url == "https://example.com/new"
    assert [r.status_code for r in followed.history] == [301]
    # A 303 after a form post becomes a GET.
    assert posted.text == "GET /done"
    assert posted.url == "https://example.com/done?id=7"
    assert posted.history[0].request.method == "POST"


def test_basic_auth_json_and_multipart_upload() -> None:
    """Posting JSON with basic auth, and uploading a file as multipart form data."""
    received = {}

    def handler(request: httpx.Request) -> httpx.Response:
        received[request.url.path] = (request.headers, request.read())
        return httpx.Response(201)

    with httpx.Client(transport=httpx.MockTransport(handler), auth=("user", "pass")) as client:
        client.post("https://example.org/items", json={"name": "widget", "tags": ["a"]})
        report = io.BytesIO(b"col1,col2\n1,2\n")
        files = {"upload-file": ("report.csv", report, "text/csv")}
        client.post("https://example.org/upload", files=files, data={"note": "monthly"})

    headers, body = received["/items"]
    assert headers["authorization"] == "Basic dXNlcjpwYXNz"
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"name": "widget", "tags": ["a"]}

    headers, body = received["/upload"]
    assert headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="note"\r\n\r\nmonthly' in body
    assert b'filename="report.csv"' in body
    assert b"Content-Type: text/csv\r\n\r\ncol1,col2\n1,2\n" in body


def test_mounting_a_mock_for_one_domain() -> None:
    """Routing one domain to a mock transport with ``mounts=``, the rest elsewhere."""

    def payments(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"charged": True})

    def everything_else(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"charged": False})

    mounts = {"all://payments.example.com": httpx.MockTransport(payments)}
    with httpx.Client(mounts=mounts, transport=httpx.MockTransport(everything_else)) as client:
        assert client.post("https://payments.example.com/charge").json() == {"charged": True}
        assert client.post("https://shop.example.com/charge").json() == {"charged": False}


def test_async_client_on_trio_with_async_mock_handler() -> None:
    """An ``AsyncClient`` under trio, an async handler and async streaming of the body."""

    async def handler(request: httpx.Request) -> httpx.Response:
        await trio.sleep(0)
        return httpx.Response(200, text="line one\nline two\n")

    async def main() -> list[str]:
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client,
            client.stream("GET", "https://example.org/feed") as response,
        ):
            return [line async for line in response.aiter_lines()]

    assert trio.run(main) == ["line one", "line two"]
