"""TLS servers whose certificate must not be trusted: self-signed, issued for another
name, expired, or issued by an unknown authority (RFC 9110 §4.3.4, RFC 6125,
RFC 5280 §6). With verification on, each is refused with ``ConnectError`` before
any request is sent; a certificate issued by a CA the client was told to trust is
accepted.
"""

from __future__ import annotations

import ssl

import pytest

import darter
from tests.clients import ClientFactory
from tests.hostile.support import (
    TIMEOUT,
    Scripted,
    StartServer,
    assert_pool_clean,
    over_tls,
    serve_ok,
)

pytestmark = pytest.mark.anyio


#: id -> (server certificate, whether the client trusts the test CA)
REFUSED = {
    "self-signed": ("self_signed", False),
    "self-signed-with-test-ca": ("self_signed", True),
    "wrong-host": ("wrong_host", False),
    "wrong-host-with-test-ca": ("wrong_host", True),
    "expired": ("expired", False),
    "expired-with-test-ca": ("expired", True),
    "unknown-ca": ("good", False),
}


@pytest.mark.parametrize(("cert", "trust_test_ca"), list(REFUSED.values()), ids=list(REFUSED))
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_untrustworthy_certificate_is_refused(
    make_client: ClientFactory,
    scripted: StartServer,
    server_contexts: dict[str, ssl.SSLContext],
    cert_files: dict[str, str],
    good_url: str,
    cert: str,
    trust_test_ca: bool,
    host: str,
) -> None:
    handler = Scripted(serve_ok)
    server = scripted(over_tls(server_contexts[cert], handler))
    verify: bool | ssl.SSLContext = True
    if trust_test_ca:
        verify = ssl.create_default_context(cafile=cert_files["ca"])
    async with make_client(timeout=TIMEOUT, verify=verify) as client:
        with pytest.raises(darter.ConnectError) as info:
            await client.get(f"https://{host}:{server.port}/")
        assert info.value.phase == "tls"
        await assert_pool_clean(client, good_url)
    assert handler.log.exchanges == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_certificate_from_a_trusted_ca_is_accepted(
    make_client: ClientFactory,
    scripted: StartServer,
    server_contexts: dict[str, ssl.SSLContext],
    cert_files: dict[str, str],
    host: str,
) -> None:
    handler = Scripted(serve_ok)
    server = scripted(over_tls(server_contexts["good"], handler))
    verify = ssl.create_default_context(cafile=cert_files["ca"])
    async with make_client(timeout=TIMEOUT, verify=verify) as client:
        response = await client.get(f"https://{host}:{server.port}/")
        again = await client.get(f"https://{host}:{server.port}/")
        await assert_pool_clean(client)
    assert response.text == again.text == "ok"
    assert handler.connections == 1
