"""Tests of the configuration values: Timeout, Limits, Proxy, and TLS contexts."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest
import trustme
from cryptography.hazmat.primitives import serialization

import darter
from darter import _config
from darter._config import (
    DEFAULT_LIMITS,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_TIMEOUT_CONFIG,
    UNSET,
    Limits,
    Proxy,
    Timeout,
    create_ssl_context,
    shared_ssl_context,
)

TLS_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "SSLKEYLOGFILE")


@pytest.fixture(autouse=True)
def _clean_tls_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No TLS variable from the outside, and no context cached by another test."""
    for name in TLS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    _config._cached_context.cache_clear()
    yield
    _config._cached_context.cache_clear()


# Timeout

TIMEOUTS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((5.0,), {}),
    ((None,), {}),
    ((5,), {}),
    ((5.0,), {"connect": 1.0}),
    ((None,), {"read": 3.0}),
    ((5.0,), {"pool": None}),
    ((), {"connect": 1, "read": 2, "write": 3, "pool": 4}),
    ((), {"connect": None, "read": None, "write": None, "pool": None}),
    ((5.0,), {"connect": 1, "read": 2, "write": 3, "pool": 4}),
    (((1, 2),), {}),
    (((1, 2, 3),), {}),
    (((1, 2, 3, 4),), {}),
    (((None, None, None, None),), {}),
]


@pytest.mark.parametrize(("args", "kwargs"), TIMEOUTS)
def test_timeout_same_as_httpx(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    ours = Timeout(*args, **kwargs)
    theirs = httpx.Timeout(*args, **kwargs)
    assert ours.as_dict() == theirs.as_dict()
    assert repr(ours) == repr(theirs)
    assert ours == Timeout(**ours.as_dict())
    assert Timeout(ours) == ours


def test_timeout_values() -> None:
    timeout = Timeout(5.0, connect=60.0)
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (60.0, 5.0, 5.0, 5.0)
    assert timeout.as_dict() == {"connect": 60.0, "read": 5.0, "write": 5.0, "pool": 5.0}
    assert repr(timeout) == "Timeout(connect=60.0, read=5.0, write=5.0, pool=5.0)"
    assert repr(Timeout(2.5)) == "Timeout(timeout=2.5)"
    assert repr(Timeout(None)) == "Timeout(timeout=None)"
    assert Timeout(timeout=3).as_dict() == Timeout(3).as_dict()


def test_timeout_tuples_leave_missing_values_unset() -> None:
    assert Timeout((1,)).as_dict() == {"connect": 1, "read": None, "write": None, "pool": None}
    assert Timeout(()).as_dict() == {"connect": None, "read": None, "write": None, "pool": None}
    assert Timeout((1, 2)).as_dict() == {"connect": 1, "read": 2, "write": None, "pool": None}


def test_timeout_copy() -> None:
    original = Timeout(1.0, read=2.0)
    copied = Timeout(original)
    assert copied == original
    assert copied is not original


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"connect": 1.0},
        {"connect": 1.0, "read": 2.0, "write": 3.0},
        {"read": None, "write": None, "pool": None},
    ],
)
def test_timeout_needs_a_default_or_all_four(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="Timeout needs a default"):
        Timeout(**kwargs)
    with pytest.raises(ValueError):
        httpx.Timeout(**kwargs)


@pytest.mark.parametrize("name", ["connect", "read", "write", "pool"])
def test_timeout_copy_with_an_override_is_ambiguous(name: str) -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        Timeout(Timeout(1.0), **{name: 2.0})


def test_timeout_equality_and_hash() -> None:
    assert Timeout(5.0) == Timeout(5.0)
    assert Timeout(5.0) == Timeout(connect=5.0, read=5.0, write=5.0, pool=5.0)
    assert Timeout(5.0) != Timeout(5.0, pool=None)
    assert Timeout(5.0) != 5.0
    assert Timeout(5.0) != httpx.Timeout(5.0)
    assert hash(Timeout(5.0)) == hash(Timeout(5.0))
    assert len({Timeout(1.0), Timeout(1.0), Timeout(2.0)}) == 2


def test_timeout_slots() -> None:
    with pytest.raises(AttributeError):
        Timeout(1.0).other = 1  # type: ignore[attr-defined]


def test_unset_marker() -> None:
    assert repr(UNSET) == "UNSET"
    assert Timeout(UNSET, connect=1, read=2, write=3, pool=4).connect == 1


def test_defaults() -> None:
    assert Timeout(5.0) == DEFAULT_TIMEOUT_CONFIG
    assert Limits(max_connections=100, max_keepalive_connections=20) == DEFAULT_LIMITS
    assert DEFAULT_MAX_REDIRECTS == 20
    assert DEFAULT_TIMEOUT_CONFIG.as_dict() == httpx.Timeout(5.0).as_dict()


# Limits


def test_limits() -> None:
    limits = Limits()
    assert (limits.max_connections, limits.max_keepalive_connections) == (None, None)
    assert limits.keepalive_expiry == 5.0
    assert repr(limits) == repr(httpx.Limits())
    limits = Limits(max_connections=10, max_keepalive_connections=2, keepalive_expiry=None)
    assert repr(limits) == (
        "Limits(max_connections=10, max_keepalive_connections=2, keepalive_expiry=None)"
    )
    assert repr(limits) == repr(
        httpx.Limits(max_connections=10, max_keepalive_connections=2, keepalive_expiry=None)
    )


def test_limits_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        Limits(10)  # type: ignore[misc]


@pytest.mark.parametrize(
    "other",
    [
        Limits(max_connections=1),
        Limits(max_keepalive_connections=1),
        Limits(keepalive_expiry=1.0),
        "Limits()",
        None,
    ],
)
def test_limits_inequality(other: Any) -> None:
    assert Limits() != other


def test_limits_equality_and_hash() -> None:
    assert Limits(max_connections=1) == Limits(max_connections=1)
    assert hash(Limits(max_connections=1)) == hash(Limits(max_connections=1))
    assert len({Limits(), Limits(), DEFAULT_LIMITS}) == 2


# Proxy

PROXIES: list[tuple[str, dict[str, Any]]] = [
    ("http://proxy:3128", {}),
    ("https://proxy", {}),
    ("socks5://p:1080", {}),
    ("socks5h://p", {}),
    ("http://user:pa%20ss@proxy:3128", {}),
    ("http://user@proxy", {}),
    ("http://:pw@proxy", {}),
    ("http://proxy", {"auth": ("u", "p")}),
    ("http://proxy", {"headers": {"X-Proxy": "1"}}),
    ("http://u:p@proxy/", {"auth": ("a", "b"), "headers": [("X", "1"), ("X", "2")]}),
]


@pytest.mark.parametrize(("url", "kwargs"), PROXIES)
def test_proxy_same_as_httpx(url: str, kwargs: dict[str, Any]) -> None:
    ours, theirs = Proxy(url, **kwargs), httpx.Proxy(url, **kwargs)
    assert repr(ours) == repr(theirs)
    assert str(ours.url) == str(theirs.url)
    assert ours.auth == theirs.auth
    assert ours.raw_auth == theirs.raw_auth
    assert ours.headers.raw == theirs.headers.raw


def test_proxy() -> None:
    proxy = Proxy("http://proxy:3128")
    assert proxy.url == darter.URL("http://proxy:3128")
    assert proxy.auth is None
    assert proxy.raw_auth is None
    assert proxy.headers == {}
    assert proxy.ssl_context is None
    assert repr(proxy) == "Proxy('http://proxy:3128')"


def test_proxy_credentials_move_out_of_the_url() -> None:
    proxy = Proxy("http://us%C3%A9r:p%40ss@proxy:3128")
    assert str(proxy.url) == "http://proxy:3128"
    assert proxy.auth == ("usér", "p@ss")
    assert proxy.raw_auth == ("usér".encode(), b"p@ss")
    assert repr(proxy) == "Proxy('http://proxy:3128', auth=('usér', '********'))"
    assert "p@ss" not in repr(proxy)


def test_proxy_credentials_in_the_url_win_over_auth() -> None:
    proxy = Proxy("http://a:b@proxy", auth=("c", "d"))
    assert proxy.auth == ("a", "b")


def test_proxy_headers_and_context() -> None:
    context = ssl.create_default_context()
    url = darter.URL("https://proxy")
    proxy = Proxy(url, headers={"X-A": "1"}, ssl_context=context)
    assert proxy.url == url
    assert proxy.ssl_context is context
    assert proxy.headers == {"x-a": "1"}
    assert repr(proxy) == "Proxy('https://proxy', headers={'x-a': '1'})"


@pytest.mark.parametrize("url", ["ftp://proxy", "proxy:3128", "//proxy", "ws://proxy"])
def test_proxy_scheme_must_be_known(url: str) -> None:
    with pytest.raises(ValueError, match="Unknown scheme for proxy URL"):
        Proxy(url)
    with pytest.raises(ValueError):
        httpx.Proxy(url)


# TLS contexts


def handshake(
    client: ssl.SSLContext, server: ssl.SSLContext, hostname: str
) -> tuple[ssl.SSLObject, ssl.SSLObject]:
    """Run a TLS handshake between two contexts in memory; raises ``ssl.SSLError``.

    Returns the client's and the server's ends of the connection.
    """
    client_in, client_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    server_in, server_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    client_side = client.wrap_bio(client_in, client_out, server_hostname=hostname)
    server_side = server.wrap_bio(server_in, server_out, server_side=True)
    done = {"client": False, "server": False}
    for _ in range(20):
        for name, side in (("client", client_side), ("server", server_side)):
            if not done[name]:
                try:
                    side.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        server_in.write(client_out.read())
        client_in.write(server_out.read())
        if all(done.values()):
            # The client's certificate is checked once the server reads its first data.
            client_side.write(b"ping")
            server_in.write(client_out.read())
            assert server_side.read(4) == b"ping"
            return client_side, server_side
    raise AssertionError("the handshake did not finish")  # pragma: no cover


@pytest.fixture
def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("server.example").configure_cert(context)
    return context


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def test_default_context_verifies_with_certifi() -> None:
    context = create_ssl_context()
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.protocol == ssl.PROTOCOL_TLS_CLIENT
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    certifi_context = ssl.create_default_context(cafile=certifi.where())
    assert context.get_ca_certs() == certifi_context.get_ca_certs()
    assert context.keylog_filename is None


def test_default_context_is_a_new_one_each_time() -> None:
    assert create_ssl_context() is not create_ssl_context()


def test_default_context_rejects_an_unknown_ca(server_context: ssl.SSLContext) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(create_ssl_context(), server_context, "server.example")


def test_verify_false() -> None:
    context = create_ssl_context(verify=False)
    assert context.verify_mode == ssl.CERT_NONE
    assert not context.check_hostname
    assert context.protocol == ssl.PROTOCOL_TLS_CLIENT
    assert context.get_ca_certs() == []
    theirs = httpx.create_ssl_context(verify=False)
    assert (theirs.verify_mode, theirs.check_hostname) == (ssl.CERT_NONE, False)


def test_verify_false_accepts_any_server(server_context: ssl.SSLContext) -> None:
    handshake(create_ssl_context(verify=False), server_context, "other.example")


def test_verify_context_is_used_as_it_is() -> None:
    context = ssl.create_default_context()
    assert create_ssl_context(verify=context) is context


def test_verify_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match=r"verify must be a bool, a path or an ssl\.SSLContext"):
        create_ssl_context(verify=5)  # type: ignore[arg-type]


def test_verify_path_to_a_file_is_deprecated(ca_file: str, server_context: ssl.SSLContext) -> None:
    with pytest.warns(DeprecationWarning, match=r"verify=<path> is deprecated") as record:
        context = create_ssl_context(verify=ca_file)
    # The warning points at the caller.
    assert record[0].filename == __file__
    assert len(context.get_ca_certs()) == 1
    assert context.verify_mode == ssl.CERT_REQUIRED
    handshake(context, server_context, "server.example")
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(context, server_context, "wrong.example")


def test_verify_path_to_a_directory_is_deprecated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = spy_on_default_contexts(monkeypatch)
    with pytest.warns(DeprecationWarning, match=r"verify=<path>"):
        context = create_ssl_context(verify=str(tmp_path))
    assert calls == [{"capath": str(tmp_path)}]
    assert context.verify_mode == ssl.CERT_REQUIRED


def test_verify_path_that_does_not_exist() -> None:
    with pytest.warns(DeprecationWarning, match="verify="), pytest.raises(OSError):
        create_ssl_context(verify="/no/such/ca-bundle.pem")


def spy_on_default_contexts(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record the CA locations given to ``ssl.create_default_context``."""
    calls: list[dict[str, Any]] = []
    real = ssl.create_default_context

    def spy(**kwargs: Any) -> ssl.SSLContext:
        calls.append({key: value for key, value in kwargs.items() if value is not None})
        return real(**kwargs)

    monkeypatch.setattr(ssl, "create_default_context", spy)
    return calls


def test_ssl_cert_file_is_trusted_with_trust_env(
    ca_file: str, server_context: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    context = create_ssl_context()
    assert len(context.get_ca_certs()) == 1
    handshake(context, server_context, "server.example")
    # Without trust_env the variable is ignored.
    untrusting = create_ssl_context(trust_env=False)
    assert len(untrusting.get_ca_certs()) > 1
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(untrusting, server_context, "server.example")


def test_ssl_cert_dir_is_trusted_with_trust_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    calls = spy_on_default_contexts(monkeypatch)
    create_ssl_context()
    create_ssl_context(trust_env=False)
    assert calls == [{"capath": str(tmp_path)}, {"cafile": certifi.where()}]


def test_ssl_cert_file_wins_over_ssl_cert_dir(
    ca_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    calls = spy_on_default_contexts(monkeypatch)
    create_ssl_context()
    assert calls == [{"cafile": ca_file}]


@pytest.mark.parametrize("name", ["SSL_CERT_FILE", "SSL_CERT_DIR"])
@pytest.mark.parametrize("value", ["", "/no/such/place"])
def test_tls_variables_naming_nothing_fall_back_to_certifi(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    calls = spy_on_default_contexts(monkeypatch)
    create_ssl_context()
    assert calls == [{"cafile": certifi.where()}]


def test_ssl_cert_file_naming_a_directory_is_not_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path))
    calls = spy_on_default_contexts(monkeypatch)
    create_ssl_context()
    assert calls == [{"cafile": certifi.where()}]


def test_sslkeylogfile_with_trust_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keylog = str(tmp_path / "keys.log")
    monkeypatch.setenv("SSLKEYLOGFILE", keylog)
    assert create_ssl_context().keylog_filename == keylog
    assert create_ssl_context(verify=False).keylog_filename == keylog


@pytest.mark.parametrize("verify", [True, False])
def test_sslkeylogfile_is_ignored_without_trust_env(
    verify: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression: the standard library's default context reads SSLKEYLOGFILE itself,
    # so keys were logged even with trust_env=False.
    monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "keys.log"))
    assert create_ssl_context(verify=verify, trust_env=False).keylog_filename is None


def test_sslkeylogfile_leaves_a_given_context_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "keys.log"))
    mine = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    assert create_ssl_context(verify=mine).keylog_filename is None
    own_log = str(tmp_path / "mine.log")
    mine.keylog_filename = own_log
    assert create_ssl_context(verify=mine, trust_env=False).keylog_filename == own_log


def test_empty_sslkeylogfile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSLKEYLOGFILE", "")
    assert create_ssl_context().keylog_filename is None


@pytest.fixture
def client_cert(ca: trustme.CA, tmp_path: Path) -> dict[str, str]:
    """A client certificate: chain, key, the two in one file, and a password-protected key."""
    leaf = ca.issue_cert("client@example.org")
    paths = {name: str(tmp_path / f"{name}.pem") for name in ("cert", "key", "both", "locked")}
    leaf.cert_chain_pems[0].write_to_path(paths["cert"])
    leaf.private_key_pem.write_to_path(paths["key"])
    leaf.private_key_and_cert_chain_pem.write_to_path(paths["both"])
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), password=None)
    locked = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    Path(paths["locked"]).write_bytes(locked)
    return paths


@pytest.fixture
def server_requiring_a_client_cert(
    server_context: ssl.SSLContext, ca: trustme.CA
) -> ssl.SSLContext:
    server_context.verify_mode = ssl.CERT_REQUIRED
    ca.configure_trust(server_context)
    return server_context


@pytest.mark.parametrize("form", ["single file", "pair", "with password"])
def test_client_certificate(
    form: str,
    client_cert: dict[str, str],
    ca: trustme.CA,
    server_requiring_a_client_cert: ssl.SSLContext,
) -> None:
    cert: Any = {
        "single file": client_cert["both"],
        "pair": (client_cert["cert"], client_cert["key"]),
        "with password": (client_cert["cert"], client_cert["locked"], "secret"),
    }[form]
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    with pytest.warns(DeprecationWarning, match=r"cert=\.\.\. is deprecated") as record:
        context = create_ssl_context(verify=trusting, cert=cert)
    assert record[0].filename == __file__
    assert context is trusting
    handshake(context, server_requiring_a_client_cert, "server.example")


def test_without_a_client_certificate_the_server_refuses(
    ca: trustme.CA, server_requiring_a_client_cert: ssl.SSLContext
) -> None:
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    with pytest.raises(ssl.SSLError):
        handshake(trusting, server_requiring_a_client_cert, "server.example")


def test_client_certificate_with_a_wrong_password(client_cert: dict[str, str]) -> None:
    with pytest.warns(DeprecationWarning, match="cert="), pytest.raises(ssl.SSLError):
        create_ssl_context(cert=(client_cert["cert"], client_cert["locked"], "wrong"))


def test_client_certificate_that_does_not_exist() -> None:
    with pytest.warns(DeprecationWarning, match="cert="), pytest.raises(OSError):
        create_ssl_context(cert="/no/such/cert.pem")


def test_both_deprecated_arguments_warn(ca_file: str, client_cert: dict[str, str]) -> None:
    with pytest.warns(DeprecationWarning, match="is deprecated") as record:
        create_ssl_context(verify=ca_file, cert=client_cert["both"])
    messages = [str(warning.message) for warning in record]
    assert len(messages) == 2
    assert messages[0].startswith("verify=<path> is deprecated")
    assert messages[1].startswith("cert=... is deprecated")


def test_public_name() -> None:
    assert darter.create_ssl_context is create_ssl_context


# The process-wide contexts of the transports


def test_shared_context_is_built_once_per_configuration() -> None:
    first = shared_ssl_context(True, None, True, ("http/1.1",))
    assert shared_ssl_context(True, None, True, ("http/1.1",)) is first
    assert shared_ssl_context(True, None, False, ("http/1.1",)) is not first
    assert shared_ssl_context(False, None, True, ("http/1.1",)) is not first
    assert shared_ssl_context(True, None, True, ("h2", "http/1.1")) is not first
    assert first.verify_mode == ssl.CERT_REQUIRED
    unverified = shared_ssl_context(False, None, True, ("http/1.1",))
    assert unverified.verify_mode == ssl.CERT_NONE
    assert unverified is shared_ssl_context(False, None, True, ("http/1.1",))


def test_shared_context_follows_the_environment(
    ca_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = shared_ssl_context(True, None, True, ())
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    with_file = shared_ssl_context(True, None, True, ())
    assert with_file is not before
    assert len(with_file.get_ca_certs()) == 1
    assert shared_ssl_context(True, None, True, ()) is with_file
    keylog = str(tmp_path / "keys.log")
    monkeypatch.setenv("SSLKEYLOGFILE", keylog)
    with_keylog = shared_ssl_context(True, None, True, ())
    assert with_keylog is not with_file
    assert with_keylog.keylog_filename == keylog
    # Without trust_env the environment is no part of the configuration.
    untrusting = shared_ssl_context(True, None, False, ())
    assert untrusting.keylog_filename is None
    assert len(untrusting.get_ca_certs()) > 1
    monkeypatch.delenv("SSL_CERT_FILE")
    assert shared_ssl_context(True, None, False, ()) is untrusting


def test_shared_context_with_a_users_context_sets_only_alpn(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "keys.log"))
    mine = ssl.create_default_context()
    mine.keylog_filename = None  # type: ignore[assignment]
    assert shared_ssl_context(mine, None, True, ("h2", "http/1.1")) is mine
    assert mine.keylog_filename is None
    assert mine.verify_mode == ssl.CERT_REQUIRED


def test_shared_context_sets_alpn(ca: trustme.CA, server_context: ssl.SSLContext) -> None:
    server_context.set_alpn_protocols(["h2", "http/1.1"])
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    client = shared_ssl_context(trusting, None, True, ("http/1.1",))
    client_side, server_side = handshake(client, server_context, "server.example")
    assert client_side.selected_alpn_protocol() == "http/1.1"
    assert server_side.selected_alpn_protocol() == "http/1.1"


def test_shared_context_warns_for_deprecated_arguments(
    ca_file: str, client_cert: dict[str, str]
) -> None:
    with pytest.warns(DeprecationWarning, match="verify=<path>"):
        context = shared_ssl_context(ca_file, None, True, ())
    assert len(context.get_ca_certs()) == 1
    with pytest.warns(DeprecationWarning, match="verify=<path>"):
        assert shared_ssl_context(ca_file, None, True, ()) is context
    with pytest.warns(DeprecationWarning, match="cert=..."):
        shared_ssl_context(True, client_cert["both"], True, ())
