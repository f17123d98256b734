"""The sync adapters of niquests, pyreqwest, pycurl and curl_cffi.

Same contract as ``sync_clients`` (whose tables include these): open one client,
return a ``SyncSession`` whose ``fetch`` does one GET and returns the body. Each
takes ``SyncOptions`` and sets them the way its library's documentation shows:

- ``pool_size``: niquests ``Session(pool_maxsize=N)``, pyreqwest
  ``max_connections(N)`` and ``pool_max_idle_per_host(N)``; curl_cffi's ``Session``
  gives each thread a libcurl handle of its own (with its own connection), so its
  pool grows with the threads; pycurl's one handle is never shared by threads
  (libcurl forbids using a handle from two threads at once), so it has no pool size;
- ``close_connections``: ``Connection: close`` among the client's default headers
  (niquests ``Session.headers``, pyreqwest ``default_headers``, curl_cffi
  ``Session(headers=)``, pycurl ``HTTPHEADER``);
- ``ca_file``: the CA file itself (niquests and curl_cffi ``verify=PATH``, pycurl
  ``CAINFO``), or its PEM bytes (pyreqwest ``add_root_certificate_pem``). Over TLS
  each speaks HTTP/1.1 like the other sync peers (niquests ``disable_http2`` and
  ``disable_http3``, pyreqwest ``http1_only()``, libcurl's ``HTTP_VERSION`` 1.1):
  left to themselves they would negotiate HTTP/2, where ``Connection: close`` means
  nothing. niquests also ignores the environment (``trust_env``).

libcurl (pycurl, curl_cffi) keeps the TLS session of each handshake and offers it
on the handle's next connection, so its reconnections resume; so does rustls under
pyreqwest. Python's ``ssl`` (niquests) does not unless told to.
"""

from __future__ import annotations

from typing import Any

from .sessions import (
    CLOSE_HEADERS,
    DEFAULT_SYNC_OPTIONS,
    SyncOptions,
    SyncSession,
    check_status,
)


def open_niquests(url: str, options: SyncOptions = DEFAULT_SYNC_OPTIONS) -> SyncSession:
    """niquests ``Session`` (on urllib3-future), set up as ``options`` say."""
    import niquests

    settings: dict[str, Any] = {}
    if options.pool_size is not None:
        settings["pool_maxsize"] = options.pool_size
    if options.ca_file is not None:
        settings.update(verify=options.ca_file, disable_http2=True, disable_http3=True)
    session = niquests.Session(**settings)
    if options.close_connections:
        for name, value in CLOSE_HEADERS.items():
            session.headers[name] = value
    if options.ca_file is not None:
        session.trust_env = False

    def fetch() -> bytes:
        response = session.get(url)
        check_status(response.status_code or 0, "niquests")
        return response.content or b""

    return SyncSession(fetch, session.close)


def open_pyreqwest(url: str, options: SyncOptions = DEFAULT_SYNC_OPTIONS) -> SyncSession:
    """pyreqwest ``SyncClient`` (reqwest and hyper in Rust), set up as ``options`` say."""
    from pyreqwest.client import SyncClientBuilder

    builder = SyncClientBuilder()
    if options.pool_size is not None:
        builder = builder.max_connections(options.pool_size).pool_max_idle_per_host(
            options.pool_size
        )
    if options.close_connections:
        builder = builder.default_headers(CLOSE_HEADERS)
    if options.ca_file is not None:
        with open(options.ca_file, "rb") as pem:
            builder = builder.add_root_certificate_pem(pem.read()).http1_only()
    client = builder.build()

    def fetch() -> bytes:
        response = client.get(url).build().send()
        check_status(response.status, "pyreqwest")
        return bytes(response.bytes())

    return SyncSession(fetch, client.close)


def open_pycurl(url: str, options: SyncOptions = DEFAULT_SYNC_OPTIONS) -> SyncSession:
    """One pycurl ``Curl`` handle, reused for every request, set up as ``options`` say."""
    import pycurl

    handle = pycurl.Curl()
    chunks: list[bytes] = []
    handle.setopt(pycurl.URL, url)
    handle.setopt(pycurl.WRITEFUNCTION, chunks.append)
    if options.close_connections:
        handle.setopt(pycurl.HTTPHEADER, [f"{k}: {v}" for k, v in CLOSE_HEADERS.items()])
    if options.ca_file is not None:
        handle.setopt(pycurl.CAINFO, options.ca_file)
        handle.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)

    def fetch() -> bytes:
        chunks.clear()
        handle.perform()
        check_status(handle.getinfo(pycurl.RESPONSE_CODE), "pycurl")
        return b"".join(chunks)

    return SyncSession(fetch, handle.close)


def open_curl_cffi(url: str, options: SyncOptions = DEFAULT_SYNC_OPTIONS) -> SyncSession:
    """curl_cffi ``requests.Session`` (libcurl), set up as ``options`` say."""
    from curl_cffi import requests as curl_requests

    settings: dict[str, Any] = {}
    if options.close_connections:
        settings["headers"] = dict(CLOSE_HEADERS)
    if options.ca_file is not None:
        # A CA file, as requests takes it (annotated bool, read as CAINFO when a str).
        settings.update(verify=options.ca_file, http_version="v1")
    session: curl_requests.Session[curl_requests.Response] = curl_requests.Session(**settings)

    def fetch() -> bytes:
        response = session.get(url)
        check_status(response.status_code, "curl_cffi")
        return bytes(response.content)

    return SyncSession(fetch, session.close)
