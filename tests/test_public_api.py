"""The public API is a contract: names and signatures must match the committed snapshot.

When this fails, the diff shows what changed. If the change is intended, regenerate
the snapshot with ``python scripts/api_snapshot.py --update`` and commit it.
"""

from __future__ import annotations

import difflib
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_snapshot_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "api_snapshot", ROOT / "scripts" / "api_snapshot.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["api_snapshot"] = module
    spec.loader.exec_module(module)
    return module


def test_public_api_matches_snapshot() -> None:
    script = _load_snapshot_script()
    expected = script.SNAPSHOT.read_text()
    actual = script.snapshot()
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                "tests/snapshots/public_api.txt",
                "current API",
            )
        )
        raise AssertionError(
            "The public API changed. If intended, run "
            "'python scripts/api_snapshot.py --update' and commit the snapshot.\n" + diff
        )


#: The names httpx 0.28 exports: darter offers every one of them.
HTTPX_NAMES = [
    "ASGITransport",
    "AsyncBaseTransport",
    "AsyncByteStream",
    "AsyncClient",
    "AsyncHTTPTransport",
    "Auth",
    "BaseTransport",
    "BasicAuth",
    "ByteStream",
    "Client",
    "CloseError",
    "ConnectError",
    "ConnectTimeout",
    "CookieConflict",
    "Cookies",
    "DecodingError",
    "DigestAuth",
    "HTTPError",
    "HTTPStatusError",
    "HTTPTransport",
    "Headers",
    "InvalidURL",
    "Limits",
    "LocalProtocolError",
    "MockTransport",
    "NetRCAuth",
    "NetworkError",
    "PoolTimeout",
    "ProtocolError",
    "Proxy",
    "ProxyError",
    "QueryParams",
    "ReadError",
    "ReadTimeout",
    "RemoteProtocolError",
    "Request",
    "RequestError",
    "RequestNotRead",
    "Response",
    "ResponseNotRead",
    "StreamClosed",
    "StreamConsumed",
    "StreamError",
    "SyncByteStream",
    "Timeout",
    "TimeoutException",
    "TooManyRedirects",
    "TransportError",
    "URL",
    "USE_CLIENT_DEFAULT",
    "UnsupportedProtocol",
    "WSGITransport",
    "WriteError",
    "WriteTimeout",
    "__description__",
    "__title__",
    "__version__",
    "codes",
    "create_ssl_context",
    "delete",
    "get",
    "head",
    "main",
    "options",
    "patch",
    "post",
    "put",
    "request",
    "stream",
]


def test_every_httpx_name_is_exported() -> None:
    import darter

    assert len(HTTPX_NAMES) == 69
    missing = [name for name in HTTPX_NAMES if name not in darter.__all__]
    assert missing == []
    assert len(darter.__all__) == len(set(darter.__all__))
    for name in darter.__all__:
        assert hasattr(darter, name), name


def test_exceptions_have_a_single_root() -> None:
    import darter

    for name in darter.__all__:
        obj = getattr(darter, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, darter.DarterError), name
