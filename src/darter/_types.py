"""Type aliases for the values darter's public API accepts."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Optional, Union

if TYPE_CHECKING:  # pragma: no cover
    from http.cookiejar import CookieJar

    from ._auth import Auth
    from ._config import Proxy, Timeout
    from ._models._cookies import Cookies
    from ._models._headers import Headers
    from ._models._queryparams import QueryParams
    from ._models._request import Request
    from ._models._urls import URL

PrimitiveData = Optional[str | int | float | bool]

URLTypes = Union["URL", str]

QueryParamTypes = Union[
    "QueryParams",
    Mapping[str, PrimitiveData | Sequence[PrimitiveData]],
    list[tuple[str, PrimitiveData]],
    tuple[tuple[str, PrimitiveData], ...],
    str,
    bytes,
]

HeaderTypes = Union[
    "Headers",
    Mapping[str, str],
    Mapping[bytes, bytes],
    Sequence[tuple[str, str]],
    Sequence[tuple[bytes, bytes]],
]

CookieTypes = Union["Cookies", "CookieJar", dict[str, str], list[tuple[str, str]]]

TimeoutTypes = Union[
    float | None,
    tuple[float | None, float | None, float | None, float | None],
    "Timeout",
]
ProxyTypes = Union["URL", str, "Proxy"]
CertTypes = Union[str, tuple[str, str], tuple[str, str, str]]
VerifyTypes = Union[ssl.SSLContext, str, bool]

AuthTypes = Union[
    tuple[str | bytes, str | bytes],
    Callable[["Request"], "Request"],
    "Auth",
]

RequestContent = Union[str, bytes, Iterable[bytes], AsyncIterable[bytes]]
ResponseContent = Union[str, bytes, Iterable[bytes], AsyncIterable[bytes]]
ResponseExtensions = Mapping[str, Any]

RequestData = Mapping[str, Any]

FileContent = Union[IO[bytes], bytes, str]
FileTypes = Union[
    # file (or bytes)
    FileContent,
    # (filename, file (or bytes))
    tuple[str | None, FileContent],
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None],
    # (filename, file (or bytes), content_type, headers)
    tuple[str | None, FileContent, str | None, Mapping[str, str]],
]
RequestFiles = Union[Mapping[str, FileTypes], Sequence[tuple[str, FileTypes]]]

RequestExtensions = Mapping[str, Any]

SocketOption = Union[
    tuple[int, int, int],
    tuple[int, int, bytes | bytearray],
    tuple[int, int, None, int],
]

EventHook = Callable[..., Any]

__all__ = [
    "AuthTypes",
    "CertTypes",
    "CookieTypes",
    "EventHook",
    "FileContent",
    "FileTypes",
    "HeaderTypes",
    "PrimitiveData",
    "ProxyTypes",
    "QueryParamTypes",
    "RequestContent",
    "RequestData",
    "RequestExtensions",
    "RequestFiles",
    "ResponseContent",
    "ResponseExtensions",
    "SocketOption",
    "TimeoutTypes",
    "URLTypes",
    "VerifyTypes",
]
