"""The sync adapters: one client per library, reused for every request.

Each opens the library's client the way its documentation shows (default settings)
and returns a ``SyncSession`` whose ``fetch`` sends one request, reads the full
body, checks the status and returns the body. The library is imported only when its
adapter is opened.

Peers: darter, httpx, requests, urllib3 (both checked to be urllib3 itself, not the
copy urllib3-future can leave in its place), and, in ``sync_peers``, niquests
(``Session``), pyreqwest (``SyncClient``, a Rust core), pycurl (one ``Curl`` handle,
reused, so libcurl keeps its connection alive) and curl_cffi (``Session``, libcurl
too).

Every adapter also takes ``SyncOptions`` (defaults: none of them), set the same way
for every library where its documentation offers it (here for the first four,
``sync_peers`` says how for the others):

- ``pool_size``: darter and httpx ``Limits(max_connections=N,
  max_keepalive_connections=N)``, requests an ``HTTPAdapter(pool_maxsize=N)``
  mounted for both schemes (its default pool keeps 10), urllib3
  ``PoolManager(maxsize=N)``;
- ``close_connections``: ``Connection: close`` in the client's default headers
  (darter and httpx ``headers=``, requests ``Session.headers``, urllib3
  ``PoolManager(headers=)``);
- ``ca_file``: one ``ssl.SSLContext`` trusting it, made when the client is opened:
  darter and httpx ``verify=``, urllib3 ``PoolManager(ssl_context=)``, requests
  through its adapter's pool manager (``init_poolmanager``, the way requests'
  documentation customises TLS), else urllib3 would build a context per connection.
  requests also gets ``Session.verify = PATH``: it hands a CA file to every new
  connection whatever the context, which urllib3 loads into it, and that file
  would otherwise be certifi's whole bundle (tens of milliseconds per connection),
  which the benchmark's certificate is not even in.

``SYNC_CLIENTS`` opens them with the defaults; ``CONFIGURABLE_SYNC_CLIENTS`` holds
the same adapters for the workloads that pass options (``workloads``).
"""

from __future__ import annotations

from typing import Any

from .sessions import (
    CLOSE_HEADERS,
    DEFAULT_SYNC_OPTIONS,
    ClientSpec,
    ConfiguredSyncOpener,
    SyncOpener,
    SyncOptions,
    SyncSession,
    check_real_urllib3,
    check_status,
    ssl_context,
)
from .sync_peers import open_curl_cffi, open_niquests, open_pycurl, open_pyreqwest


def _httpx_style_settings(module: Any, options: SyncOptions) -> dict[str, Any]:
    """The ``Client`` arguments of ``options`` for darter and httpx (the same API)."""
    settings: dict[str, Any] = {}
    if options.pool_size is not None:
        size = options.pool_size
        settings["limits"] = module.Limits(max_connections=size, max_keepalive_connections=size)
    if options.close_connections:
        settings["headers"] = dict(CLOSE_HEADERS)
    if options.ca_file is not None:
        settings["verify"] = ssl_context(options.ca_file)
    return settings


def _open_darter(url: str, options: SyncOptions = DEFAULT_SYNC_OPTIONS) -> SyncSession:
    import darter

    client = darter.Client(**_httpx_style_settings(darter, options))

    def fetch() -> bytes:
        response = client.get(url)
        check_status(response.status_code, "darter")
        return response.content

    return SyncSession(fetch, client.close)


def _open_httpx(url: str, options: SyncOptions = DEFAULT_SYNC_OPTIONS) -> SyncSession:
    import httpx

    client = httpx.Client(**_httpx_style_settings(httpx, options))

    def fetch() -> bytes:
        response = client.get(url)
        check_status(response.status_code, "httpx")
        return response.content

    return SyncSession(fetch, client.close)


def _requests_adapter(options: SyncOptions) -> Any:
    """A requests ``HTTPAdapter`` with the pool size and TLS context of ``options``."""
    from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter

    context = None if options.ca_file is None else ssl_context(options.ca_file)

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            if context is not None:
                kwargs["ssl_context"] = context
            super().init_poolmanager(*args, **kwargs)

    return Adapter(pool_maxsize=options.pool_size or DEFAULT_POOLSIZE)


def _open_requests(url: str, options: SyncOptions = DEFAULT_SYNC_OPTIONS) -> SyncSession:
    import requests

    check_real_urllib3()
    session = requests.Session()
    if options.close_connections:
        session.headers.update(CLOSE_HEADERS)
    if options.ca_file is not None:
        # Else requests has urllib3 load certifi's bundle at every new connection.
        session.verify = options.ca_file
    if options.pool_size is not None or options.ca_file is not None:
        adapter = _requests_adapter(options)
        session.mount("http://", adapter)
        session.mount("https://", adapter)

    def fetch() -> bytes:
        response = session.get(url)
        check_status(response.status_code, "requests")
        return response.content

    return SyncSession(fetch, session.close)


def _open_urllib3(url: str, options: SyncOptions = DEFAULT_SYNC_OPTIONS) -> SyncSession:
    import urllib3

    check_real_urllib3()
    settings: dict[str, Any] = {}
    if options.close_connections:
        settings["headers"] = dict(CLOSE_HEADERS)
    if options.ca_file is not None:
        settings["ssl_context"] = ssl_context(options.ca_file)
    pool = urllib3.PoolManager(maxsize=options.pool_size or 1, **settings)

    def fetch() -> bytes:
        response = pool.request("GET", url)  # preload_content: the body is read
        check_status(response.status, "urllib3")
        return response.data

    return SyncSession(fetch, pool.clear)


_SPECS: list[ClientSpec[ConfiguredSyncOpener]] = [
    ClientSpec("darter", "darter", "darter", "darter.Client", _open_darter),
    ClientSpec("httpx", "httpx", "httpx", "httpx.Client", _open_httpx),
    ClientSpec("requests", "requests", "requests", "requests.Session", _open_requests),
    ClientSpec("urllib3", "urllib3", "urllib3", "urllib3.PoolManager", _open_urllib3),
    ClientSpec("niquests", "niquests", "niquests", "niquests.Session", open_niquests),
    ClientSpec(
        "pyreqwest", "pyreqwest", "pyreqwest", "pyreqwest.client.SyncClient", open_pyreqwest
    ),
    ClientSpec("pycurl", "pycurl", "pycurl", "pycurl.Curl", open_pycurl),
    ClientSpec(
        "curl_cffi", "curl_cffi", "curl_cffi", "curl_cffi.requests.Session", open_curl_cffi
    ),
]

#: Every sync adapter, opened with ``SyncOptions``: ``open(url, options)``.
CONFIGURABLE_SYNC_CLIENTS: dict[str, ClientSpec[ConfiguredSyncOpener]] = {
    spec.name: spec for spec in _SPECS
}


def _with_defaults(spec: ClientSpec[ConfiguredSyncOpener]) -> ClientSpec[SyncOpener]:
    """``spec`` opened with the library's defaults (``DEFAULT_SYNC_OPTIONS``)."""
    open_with = spec.open
    return spec.with_opener(lambda url: open_with(url, DEFAULT_SYNC_OPTIONS))


#: Every sync adapter with the library's default settings: ``open(url)``.
SYNC_CLIENTS: dict[str, ClientSpec[SyncOpener]] = {
    spec.name: _with_defaults(spec) for spec in _SPECS
}
