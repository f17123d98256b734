"""darter: a fast, httpx-compatible HTTP client for Python.

``import darter as httpx`` runs code written for httpx 0.28; ``backend=`` on the
clients chooses the concurrency library (see ``darter.backends``).
"""

from typing import TYPE_CHECKING, Any

from ._api import delete as delete
from ._api import get as get
from ._api import head as head
from ._api import options as options
from ._api import patch as patch
from ._api import post as post
from ._api import put as put
from ._api import request as request
from ._api import stream as stream
from ._auth import Auth as Auth
from ._auth import BasicAuth as BasicAuth
from ._auth import NetRCAuth as NetRCAuth
from ._client_base import USE_CLIENT_DEFAULT as USE_CLIENT_DEFAULT
from ._config import Limits as Limits
from ._config import Proxy as Proxy
from ._config import ResponseLimits as ResponseLimits
from ._config import Timeout as Timeout
from ._config import create_ssl_context as create_ssl_context
from ._exceptions import BackendError as BackendError
from ._exceptions import CloseError as CloseError
from ._exceptions import ConnectError as ConnectError
from ._exceptions import ConnectTimeout as ConnectTimeout
from ._exceptions import CookieConflict as CookieConflict
from ._exceptions import DarterError as DarterError
from ._exceptions import DecodingError as DecodingError
from ._exceptions import HTTPError as HTTPError
from ._exceptions import HTTPStatusError as HTTPStatusError
from ._exceptions import InvalidURL as InvalidURL
from ._exceptions import LimitExceeded as LimitExceeded
from ._exceptions import LocalProtocolError as LocalProtocolError
from ._exceptions import NetworkError as NetworkError
from ._exceptions import PoolTimeout as PoolTimeout
from ._exceptions import ProtocolError as ProtocolError
from ._exceptions import ProxyError as ProxyError
from ._exceptions import ReadError as ReadError
from ._exceptions import ReadTimeout as ReadTimeout
from ._exceptions import RemoteProtocolError as RemoteProtocolError
from ._exceptions import RequestError as RequestError
from ._exceptions import RequestNotRead as RequestNotRead
from ._exceptions import ResponseNotRead as ResponseNotRead
from ._exceptions import StreamClosed as StreamClosed
from ._exceptions import StreamConsumed as StreamConsumed
from ._exceptions import StreamError as StreamError
from ._exceptions import TimeoutException as TimeoutException
from ._exceptions import TooManyRedirects as TooManyRedirects
from ._exceptions import TransportError as TransportError
from ._exceptions import UnsupportedProtocol as UnsupportedProtocol
from ._exceptions import WriteError as WriteError
from ._exceptions import WriteTimeout as WriteTimeout
from ._main import main as main
from ._models._cookies import Cookies as Cookies
from ._models._headers import Headers as Headers
from ._models._queryparams import QueryParams as QueryParams
from ._models._request import Request as Request
from ._models._response import Response as Response
from ._models._status_codes import codes as codes
from ._models._urls import URL as URL
from ._streams import AsyncByteStream as AsyncByteStream
from ._streams import ByteStream as ByteStream
from ._streams import SyncByteStream as SyncByteStream
from ._sync.client import Client as Client
from ._sync.transport import HTTPTransport as HTTPTransport
from ._transports.asgi import ASGITransport as ASGITransport
from ._transports.base import AsyncBaseTransport as AsyncBaseTransport
from ._transports.base import BaseTransport as BaseTransport
from ._transports.mock import MockTransport as MockTransport
from ._transports.wsgi import WSGITransport as WSGITransport
from ._version import __description__ as __description__
from ._version import __title__ as __title__
from ._version import __version__ as __version__

__all__ = [
    "ASGITransport",
    "AsyncBaseTransport",
    "AsyncByteStream",
    "AsyncClient",
    "AsyncHTTPTransport",
    "Auth",
    "BackendError",
    "BaseTransport",
    "BasicAuth",
    "ByteStream",
    "Client",
    "CloseError",
    "ConnectError",
    "ConnectTimeout",
    "CookieConflict",
    "Cookies",
    "DarterError",
    "DecodingError",
    "DigestAuth",
    "HTTPError",
    "HTTPStatusError",
    "HTTPTransport",
    "Headers",
    "InvalidURL",
    "LimitExceeded",
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
    "ResponseLimits",
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

if TYPE_CHECKING:  # pragma: no cover
    from ._async.client import AsyncClient as AsyncClient
    from ._async.transport import AsyncHTTPTransport as AsyncHTTPTransport
    from ._digest import DigestAuth as DigestAuth

#: Public names imported on first use, to keep `import darter` quick for programs
#: that do not use them (the async client pulls in the async I/O shells).
_LAZY = {
    "AsyncClient": "._async.client",
    "AsyncHTTPTransport": "._async.transport",
    "DigestAuth": "._digest",
}


def _claim(value: Any) -> None:
    """Public names report the package they are used from, not the private module."""
    if isinstance(value, type) or (callable(value) and hasattr(value, "__code__")):
        value.__module__ = "darter"


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'darter' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    _claim(value)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


for _name in __all__:
    if _name not in _LAZY:
        _claim(globals()[_name])
del _name
