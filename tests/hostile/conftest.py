"""Fixtures of the hostile suite: a well-behaved server for follow-up requests,
decompression bombs built once, and certificates gone wrong."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import brotli
import pytest
import trustme
import zstandard
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.hostile.h2_hostile import H2Script, h2_handler, serve_h2
from tests.hostile.support import Scripted, serve_ok
from tests.servers.scripted import ScriptedServer

#: Decompressed size of every bomb: 1 GiB of zeros.
BOMB_SIZE = 1 << 30
_MIB = bytes(1 << 20)


@pytest.fixture(scope="session")
def good_url() -> Iterator[str]:
    """A server answering ``ok`` to every request, with keep-alive: the follow-up
    request of every case, proving the client still works."""
    server = ScriptedServer(Scripted(serve_ok))
    server.start()
    try:
        yield server.url + "/follow-up"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def good_h2_url() -> Iterator[str]:
    """The same, over h2c (prior knowledge)."""
    server = ScriptedServer(h2_handler(H2Script(serve_h2)))
    server.start()
    try:
        yield server.url + "/follow-up"
    finally:
        server.stop()


@dataclass(frozen=True)
class Bombs:
    """Bodies that each decompress to ``BOMB_SIZE`` bytes of zeros, by coding name."""

    bodies: dict[str, bytes]

    def __getitem__(self, coding: str) -> bytes:
        return self.bodies[coding]


def _deflate_bomb() -> tuple[bytes, int]:
    """1 GiB of zeros as a raw deflate stream of about 1 MB, and its CRC-32, built in
    well under a second.

    Deflate is fed one MiB of zeros; a full flush after it empties the compressor's
    window, so every later MiB compresses to the very same bytes, which are then
    repeated instead of recomputed.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = compressor.compress(_MIB) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(_MIB) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(BOMB_SIZE >> 20):
        crc = zlib.crc32(_MIB, crc)
    return first + repeated * ((BOMB_SIZE >> 20) - 1) + end, crc


def _brotli_bomb() -> bytes:
    compressor = brotli.Compressor(quality=1)
    parts = [compressor.process(_MIB) for _ in range(BOMB_SIZE >> 20)]
    return b"".join(parts) + compressor.finish()


def _zstd_bomb() -> bytes:
    compressor = zstandard.ZstdCompressor(level=1).compressobj()
    parts = [compressor.compress(_MIB) for _ in range(BOMB_SIZE >> 20)]
    return b"".join(parts) + compressor.flush()


@pytest.fixture(scope="session")
def bombs() -> Bombs:
    deflate, crc = _deflate_bomb()
    gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    gzip = gzip_header + deflate + struct.pack("<II", crc, BOMB_SIZE & 0xFFFFFFFF)
    return Bombs({"gzip": gzip, "deflate": deflate, "br": _brotli_bomb(), "zstd": _zstd_bomb()})


# ------------------------------------------------------------------------ certificates


@dataclass(frozen=True)
class CertFiles:
    cert: str
    key: str


def _self_signed(directory: Path) -> CertFiles:
    """A certificate for 127.0.0.1 and localhost that is valid in every way but one:
    it signed itself."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    files = CertFiles(cert=str(directory / "self.pem"), key=str(directory / "self.key"))
    Path(files.cert).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    Path(files.key).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@pytest.fixture(scope="session")
def server_contexts(
    ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, ssl.SSLContext]:
    """Server-side TLS contexts: ``good`` (issued by the test CA for 127.0.0.1 and
    localhost), ``self_signed``, ``wrong_host`` (issued by the test CA for another
    name) and ``expired`` (issued by the test CA, validity over yesterday)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    leaves = {
        "good": ca.issue_cert("127.0.0.1", "localhost"),
        "wrong_host": ca.issue_cert("wrong.example.org"),
        "expired": ca.issue_cert(
            "127.0.0.1",
            "localhost",
            not_before=now - datetime.timedelta(days=10),
            not_after=now - datetime.timedelta(days=1),
        ),
    }
    contexts: dict[str, ssl.SSLContext] = {}
    for name, leaf in leaves.items():
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(context)
        contexts[name] = context
    files = _self_signed(tmp_path_factory.mktemp("self-signed"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    contexts["self_signed"] = context
    return contexts
