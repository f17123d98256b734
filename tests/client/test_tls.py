"""TLS: verification on by default, custom CAs, verify=False, client certificates."""

from __future__ import annotations

import ssl

import pytest

import darter

pytestmark = pytest.mark.anyio


async def test_https_with_a_trusted_ca(make_client, https_server: str, client_ssl_context) -> None:  # type: ignore[no-untyped-def]
    async with make_client(verify=client_ssl_context) as client:
        response = await client.get(https_server + "/echo")
        ssl_object = response.extensions["network_stream"].get_extra_info("ssl_object")
        assert ssl_object.version() in ("TLSv1.2", "TLSv1.3")
        assert ssl_object.getpeercert()["subjectAltName"]
    assert response.status_code == 200
    assert response.url.scheme == "https"


async def test_untrusted_certificate_is_refused(make_client, https_server: str) -> None:  # type: ignore[no-untyped-def]
    async with make_client() as client:
        with pytest.raises(darter.ConnectError) as info:
            await client.get(https_server + "/")
    assert info.value.phase == "tls"
    assert "certificate" in str(info.value).lower()


async def test_verify_false(make_client, https_server: str) -> None:  # type: ignore[no-untyped-def]
    async with make_client(verify=False) as client:
        response = await client.get(https_server + "/")
    assert response.text == "Hello, world!"


async def test_verify_with_a_ca_path(make_client, https_server: str, cert_files) -> None:  # type: ignore[no-untyped-def]
    with pytest.warns(DeprecationWarning, match="verify"):
        client = make_client(verify=cert_files["ca"])
    async with client:
        response = await client.get(https_server + "/")
    assert response.status_code == 200


async def test_hostname_is_checked(make_client, https_server: str, ca) -> None:  # type: ignore[no-untyped-def]
    # A CA that did not sign the server's certificate: verification must fail.
    other = darter.create_ssl_context()
    ca.configure_trust(other)
    async with make_client(verify=other) as client:
        response = await client.get(https_server.replace("127.0.0.1", "localhost") + "/")
    assert response.status_code == 200
    mismatched = ssl.create_default_context()
    ca.configure_trust(mismatched)
    async with make_client(verify=mismatched) as client:
        with pytest.raises(darter.ConnectError):
            # The certificate names localhost, 127.0.0.1 and ::1, not 127.0.0.2.
            await client.get(https_server.replace("127.0.0.1", "127.0.0.2") + "/")


async def test_ssl_cert_file_from_environment(
    make_client, https_server: str, cert_files, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SSL_CERT_FILE", cert_files["ca"])
    async with make_client() as client:
        response = await client.get(https_server + "/")
    assert response.status_code == 200
    async with make_client(trust_env=False) as client:
        with pytest.raises(darter.ConnectError):
            await client.get(https_server + "/")


async def test_client_certificate(
    make_client, mtls_server: str, cert_files, client_cert_file
) -> None:  # type: ignore[no-untyped-def]
    context = ssl.create_default_context(cafile=cert_files["ca"])
    async with make_client(verify=context) as client:
        with pytest.raises((darter.ConnectError, darter.ReadError, darter.RemoteProtocolError)):
            await client.get(mtls_server + "/")
    with pytest.warns(DeprecationWarning, match="cert"):
        client = make_client(
            verify=ssl.create_default_context(cafile=cert_files["ca"]), cert=client_cert_file
        )
    async with client:
        response = await client.get(mtls_server + "/")
    assert response.status_code == 200


@pytest.mark.parametrize("tls_version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_sync_client_resumes_the_tls_session_on_new_connections(
    https_server: str, cert_files: dict[str, str], tls_version: ssl.TLSVersion
) -> None:
    context = ssl.create_default_context(cafile=cert_files["ca"])
    context.maximum_version = tls_version
    reused = []
    with darter.Client(verify=context, headers={"Connection": "close"}) as client:
        for _ in range(3):
            with client.stream("GET", https_server + "/echo") as response:
                stream = response.extensions["network_stream"]
                ssl_object = stream.get_extra_info("ssl_object")
                assert ssl_object.version() == tls_version.name.replace("_", ".")
                reused.append(ssl_object.session_reused)
                response.read()
    # A new connection each time (Connection: close); the first one in full, the
    # others resuming the session of the one before.
    assert reused == [False, True, True]


def test_sessions_are_not_offered_to_another_server(
    https_server: str, mtls_server: str, cert_files: dict[str, str], client_cert_file: str
) -> None:
    context = ssl.create_default_context(cafile=cert_files["ca"])
    context.load_cert_chain(client_cert_file)
    with darter.Client(verify=context, headers={"Connection": "close"}) as client:
        client.get(https_server + "/echo")
        with client.stream("GET", mtls_server + "/echo") as response:
            ssl_object = response.extensions["network_stream"].get_extra_info("ssl_object")
            assert not ssl_object.session_reused
            assert response.read()
