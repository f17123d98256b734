"""Cookie persistence and authentication schemes through a real server."""

from __future__ import annotations

from collections.abc import Generator

import pytest

import darter

pytestmark = pytest.mark.anyio


async def test_cookies_persist(make_client, server: str) -> None:
    async with make_client() as client:
        await client.get(server + "/set-cookie?flavour=oat&size=big")
        assert client.cookies["flavour"] == "oat"
        response = await client.get(server + "/echo")
    cookie = dict(response.json()["headers"])["cookie"]
    assert sorted(cookie.split("; ")) == ["flavour=oat", "size=big"]


async def test_client_cookies_are_sent(make_client, server: str) -> None:
    async with make_client(cookies={"session": "abc"}) as client:
        response = await client.get(server + "/echo")
    assert dict(response.json()["headers"])["cookie"] == "session=abc"


async def test_response_cookies(make_client, server: str) -> None:
    async with make_client() as client:
        response = await client.get(server + "/set-cookie?a=1")
    assert response.cookies["a"] == "1"


async def test_basic_auth_tuple(make_client, server: str) -> None:
    async with make_client(auth=("alice", "s3cret")) as client:
        response = await client.get(server + "/basic-auth/alice/s3cret")
    assert response.json() == {"user": "alice"}


async def test_basic_auth_per_request(make_client, server: str) -> None:
    async with make_client() as client:
        denied = await client.get(server + "/basic-auth/alice/s3cret")
        allowed = await client.get(
            server + "/basic-auth/alice/s3cret", auth=darter.BasicAuth("alice", "s3cret")
        )
    assert denied.status_code == 401
    assert allowed.status_code == 200


async def test_basic_auth_from_url(make_client, server: str) -> None:
    url = server.replace("http://", "http://alice:s3cret@") + "/basic-auth/alice/s3cret"
    async with make_client() as client:
        response = await client.get(url)
    assert response.status_code == 200


async def test_function_auth(make_client, server: str) -> None:
    def add_token(request: darter.Request) -> darter.Request:
        request.headers["Authorization"] = "Bearer token"
        return request

    async with make_client(auth=add_token) as client:
        response = await client.get(server + "/echo")
    assert dict(response.json()["headers"])["authorization"] == "Bearer token"


async def test_custom_auth_flow_with_retry(make_client, server: str) -> None:
    class RetryWithCredentials(darter.Auth):
        def auth_flow(
            self, request: darter.Request
        ) -> Generator[darter.Request, darter.Response, None]:
            response = yield request
            if response.status_code == 401:
                request.headers["Authorization"] = darter.BasicAuth("bob", "pw")._auth_header
                yield request

    async with make_client(auth=RetryWithCredentials()) as client:
        response = await client.get(server + "/basic-auth/bob/pw")
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [401]


@pytest.mark.parametrize(
    "algorithm", ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256"]
)
async def test_digest_auth(make_client, server: str, algorithm: str) -> None:
    auth = darter.DigestAuth("carol", "pa55")
    async with make_client(auth=auth) as client:
        response = await client.get(server + f"/digest-auth/auth/carol/pa55/{algorithm}")
    assert response.status_code == 200
    assert response.json() == {"user": "carol"}


async def test_digest_auth_wrong_password(make_client, server: str) -> None:
    async with make_client(auth=darter.DigestAuth("carol", "wrong")) as client:
        response = await client.get(server + "/digest-auth/auth/carol/pa55/MD5")
    assert response.status_code == 401


async def test_netrc_auth(make_client, server: str, netrc_file: str) -> None:
    async with make_client(auth=darter.NetRCAuth(netrc_file)) as client:
        response = await client.get(server + "/basic-auth/netrc-user/netrc-pass")
    assert response.status_code == 200
