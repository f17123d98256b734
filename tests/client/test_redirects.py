"""Redirects: following, methods and bodies, limits, and credentials across origins."""

from __future__ import annotations

import json

import pytest

import darter

pytestmark = pytest.mark.anyio


async def test_redirects_not_followed_by_default(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.get(server + "/redirect/302")
    assert response.status_code == 302
    assert response.is_redirect
    assert response.next_request is not None
    assert response.next_request.url == server + "/echo"


async def test_follow_redirects(make_client, server: str) -> None:
    async with make_client(follow_redirects=True) as client:
        response = await client.get(server + "/redirect-chain/3")
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [302, 302, 302]
    assert response.url == server + "/echo"
    assert response.history[0].url == server + "/redirect-chain/3"


@pytest.mark.parametrize(
    ("code", "method", "body"),
    [
        (301, "GET", ""),
        (302, "GET", ""),
        (303, "GET", ""),
        (307, "POST", "data"),
        (308, "POST", "data"),
    ],
)
async def test_redirect_method_and_body(
    make_client, server: str, code: int, method: str, body: str
) -> None:
    async with make_client(follow_redirects=True) as client:
        response = await client.post(server + f"/redirect/{code}", content=b"data")
    echoed = response.json()
    assert echoed["method"] == method
    assert echoed["body"] == body
    names = [name for name, _ in echoed["headers"]]
    assert ("content-length" in names) is bool(body)


async def test_too_many_redirects(make_client, server: str) -> None:
    async with make_client(follow_redirects=True, max_redirects=3) as client:
        with pytest.raises(darter.TooManyRedirects) as info:
            await client.get(server + "/redirect-loop")
    assert info.value.request.url == server + "/redirect-loop"


async def test_authorization_dropped_across_origins(make_client, server: str) -> None:
    # 127.0.0.1 and localhost are the same server, but different origins.
    other = server.replace("127.0.0.1", "localhost")
    headers = {"Authorization": "secret", "Proxy-Authorization": "proxy-secret"}
    async with make_client(follow_redirects=True) as client:
        same = await client.get(server + "/redirect/302?to=/echo", headers=headers)
        cross = await client.get(server + f"/redirect/302?to={other}/echo", headers=headers)
    same_headers = dict(same.json()["headers"])
    cross_headers = dict(cross.json()["headers"])
    assert same_headers["authorization"] == "secret"
    assert "authorization" not in cross_headers
    assert "proxy-authorization" not in cross_headers
    assert cross_headers["host"] == other.removeprefix("http://")


async def test_basic_auth_not_sent_to_other_origin(make_client, server: str) -> None:
    other = server.replace("127.0.0.1", "localhost")
    async with make_client(follow_redirects=True, auth=("user", "pass")) as client:
        response = await client.get(server + f"/redirect/302?to={other}/echo")
    assert response.url == other + "/echo"
    assert "authorization" not in dict(response.json()["headers"])
    assert "authorization" in response.history[0].request.headers


async def test_redirect_to_unsupported_scheme(make_client, server: str) -> None:
    async with make_client(follow_redirects=True) as client:
        with pytest.raises(darter.UnsupportedProtocol):
            await client.get(server + "/redirect/302?to=ftp://example.org/")


async def test_redirect_with_invalid_location(make_client, server: str) -> None:
    async with make_client(follow_redirects=True) as client:
        with pytest.raises(darter.RemoteProtocolError):
            await client.get(server + "/redirect/302?to=http://[::1")


async def test_redirect_keeps_fragment(make_client, server: str) -> None:
    async with make_client(follow_redirects=True) as client:
        response = await client.get(server + "/redirect/302#section")
    assert response.url.fragment == "section"


async def test_redirect_body_is_kept_when_small(make_client, server: str) -> None:
    async with make_client(follow_redirects=True) as client:
        response = await client.get(server + "/redirect/302")
    assert response.history[0].content == b"redirecting"
    assert json.loads(response.content)["path"] == "/echo"


async def test_redirect_with_a_body_already_in_memory(make_client) -> None:  # type: ignore[no-untyped-def]
    def handler(request: darter.Request) -> darter.Response:
        if request.url.path == "/old":
            return darter.Response(301, headers={"Location": "/new"}, text="moved")
        return darter.Response(200, text="here")

    async with make_client(transport=darter.MockTransport(handler)) as client:
        response = await client.get("https://example.org/old", follow_redirects=True)
    assert response.text == "here"
    assert response.history[0].content == b"moved"
