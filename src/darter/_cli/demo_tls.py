"""A throwaway certificate for the demo's HTTPS listener, made on the spot.

With trustme (in the ``cli`` extra): a certificate authority of its own and a
certificate for ``localhost``/``127.0.0.1`` signed by it. Without trustme but with
the ``cryptography`` package: one self-signed certificate. With neither, the demo
skips HTTPS (and so HTTP/2) and says why. Nothing is written outside a temporary
directory, and the client trusts this certificate only (never the system's store).
"""

from __future__ import annotations

import datetime
import importlib.util
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass

__all__ = ["DemoTLS", "make_demo_tls"]

_NAMES = ("localhost", "127.0.0.1", "::1")


@dataclass
class DemoTLS:
    """The server's and the client's TLS contexts; ``origin`` says how they were made."""

    server_context: ssl.SSLContext
    client_context: ssl.SSLContext
    origin: str


def _server_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    # The server speaks HTTP/2 only with h2 installed: offer it only then.
    has_h2 = importlib.util.find_spec("h2") is not None
    context.set_alpn_protocols(["h2", "http/1.1"] if has_h2 else ["http/1.1"])
    return context


def _with_trustme() -> DemoTLS:
    import trustme

    ca = trustme.CA(organization_name="darter demo", organization_unit_name="throwaway CA")
    leaf = ca.issue_cert(
        *_NAMES,
        common_name="localhost",
        organization_name="darter demo",
        organization_unit_name="demo server",
    )
    server = _server_context()
    leaf.configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return DemoTLS(server, client, "a throwaway certificate authority (trustme)")


def _with_cryptography() -> DemoTLS:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "darter demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    server = _server_context()
    # load_cert_chain() reads files only: they live just long enough to be read.
    with tempfile.TemporaryDirectory(prefix="darter-demo-") as directory:
        cert_path = os.path.join(directory, "cert.pem")
        key_path = os.path.join(directory, "key.pem")
        with open(cert_path, "wb") as file:
            file.write(cert_pem)
        with open(key_path, "wb") as file:
            file.write(key_pem)
        server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cadata=cert_pem.decode("ascii"))
    return DemoTLS(server, client, "a self-signed certificate (cryptography)")


def make_demo_tls() -> DemoTLS | str:
    """TLS contexts for the demo, or a one-line reason why there are none."""
    for make in (_with_trustme, _with_cryptography):
        try:
            return make()
        except ImportError:
            continue
    return (
        "HTTPS and HTTP/2 skipped: making a certificate needs trustme or cryptography "
        "(pip install 'darter[cli]')"
    )
