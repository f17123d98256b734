"""The request the command makes, and making it: sync client or async on a backend.

``perform(spec, renderer)`` sends ``spec`` with ``darter.Client`` (the default) or
``darter.AsyncClient(backend=spec.backend)`` run on the matching event loop. The
renderer sees each response head as it arrives (so redirects followed show up one
by one), then the final body, or a progress bar while ``--download`` streams it to
a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import darter

from .items import RequestBody
from .render import Renderer

__all__ = ["ASYNC_BACKENDS", "RequestSpec", "perform"]

#: ``--backend`` names: each runs the request on ``AsyncClient(backend=name)``.
ASYNC_BACKENDS = ("auto", "asyncio", "trio", "anyio")

#: The extra that provides each event loop library.
_LIBRARY_EXTRAS = {"trio": "trio", "anyio": "anyio"}


@dataclass
class RequestSpec:
    """Everything about one invocation that decides what is sent and how."""

    method: str
    url: str
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    cookies: list[tuple[str, str]] = field(default_factory=list)
    body: RequestBody = field(default_factory=RequestBody)
    auth: tuple[str, str] | None = None
    proxy: str | None = None
    timeout: float | None = 5.0
    follow_redirects: bool = False
    verify: bool | ssl.SSLContext = True
    http2: bool = False
    #: ``None`` for the sync client, else an ``AsyncClient`` backend name.
    backend: str | None = None
    download: str | None = None
    #: Honour the proxy and CA variables of the environment (the demo does not).
    trust_env: bool = True


def _client_options(spec: RequestSpec) -> dict[str, Any]:
    return {
        "auth": spec.auth,
        "cookies": dict(spec.cookies),
        "proxy": spec.proxy,
        "timeout": spec.timeout,
        "follow_redirects": spec.follow_redirects,
        "verify": spec.verify,
        "http2": spec.http2,
        "trust_env": spec.trust_env,
    }


def _form(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Form pairs as ``data=``: a name given more than once maps to a list."""
    form: dict[str, str | list[str]] = {}
    for name, value in pairs:
        previous = form.get(name)
        if previous is None:
            form[name] = value
        elif isinstance(previous, list):
            previous.append(value)
        else:
            form[name] = [previous, value]
    return form


def _request_arguments(spec: RequestSpec, stack: contextlib.ExitStack) -> dict[str, Any]:
    """Arguments for ``client.stream()``; files are opened on ``stack``."""
    body = spec.body
    arguments: dict[str, Any] = {"params": spec.params, "headers": spec.headers}
    if body.content is not None:
        arguments["content"] = body.content
    elif body.has_json:
        arguments["json"] = body.json
    if body.data:
        arguments["data"] = _form(body.data)
    if body.files:
        files = []
        for name, path in body.files:
            file = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - closed by the stack
            files.append((name, (os.path.basename(path), file)))
        arguments["files"] = files
    return arguments


class _Download:
    """Writes a streamed body to a file, with the renderer's progress bar and summary."""

    def __init__(self, path: str, renderer: Renderer, response: darter.Response) -> None:
        self.path = path
        self.renderer = renderer
        self.response = response
        self._stack = contextlib.ExitStack()
        self._started = 0.0

    def __enter__(self) -> _Download:
        self.file = self._stack.enter_context(open(self.path, "wb"))
        total = _content_length(self.response)
        progress = self.renderer.progress(os.path.basename(self.path), total)
        self._update = self._stack.enter_context(progress)
        self._started = time.perf_counter()
        return self

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self._update(self.response.num_bytes_downloaded)

    def __exit__(self, *exc_info: object) -> None:
        size = self.file.tell()
        self._stack.close()
        if exc_info[0] is None:
            self.renderer.downloaded(self.path, size, time.perf_counter() - self._started)


def perform(
    spec: RequestSpec,
    renderer: Renderer,
    *,
    transport: darter.BaseTransport | darter.AsyncBaseTransport | None = None,
) -> darter.Response:
    """Send ``spec`` and print the exchange; returns the final (closed) response.

    ``transport`` replaces the network (tests give a ``MockTransport``). Raises
    darter's exceptions, ``OSError`` for files, ``ImportError`` for a missing
    library.
    """
    if spec.backend is None:
        return _perform_sync(spec, renderer, transport)
    return run_async(lambda: _perform_async(spec, renderer, transport), spec.backend)


def run_async(function: Callable[[], Awaitable[darter.Response]], backend: str) -> darter.Response:
    """Run ``function()`` on the event loop that ``backend`` needs."""
    if backend in _LIBRARY_EXTRAS:
        try:
            library = __import__(backend)
        except ImportError:
            raise ImportError(
                f"--backend {backend} needs {backend}: pip install 'darter[{backend}]'"
            ) from None
        return cast(darter.Response, library.run(function))

    async def main() -> darter.Response:
        return await function()

    return asyncio.run(main())


def _perform_sync(spec: RequestSpec, renderer: Renderer, transport: Any) -> darter.Response:
    options = _client_options(spec)
    hooks = {"response": [renderer.on_response]}
    with (
        contextlib.ExitStack() as stack,
        darter.Client(**options, transport=transport, event_hooks=hooks) as client,
    ):
        arguments = _request_arguments(spec, stack)
        with client.stream(spec.method, spec.url, **arguments) as response:
            if spec.download is None:
                response.read()
                renderer.response_body(response)
            else:
                with _Download(spec.download, renderer, response) as download:
                    for chunk in response.iter_bytes():
                        download.write(chunk)
            return response


async def _perform_async(spec: RequestSpec, renderer: Renderer, transport: Any) -> darter.Response:
    async def on_response(response: darter.Response) -> None:
        renderer.on_response(response)

    options = _client_options(spec)
    backend: dict[str, Any] = {} if transport is not None else {"backend": spec.backend}
    hooks = {"response": [on_response]}
    with contextlib.ExitStack() as stack:
        async with darter.AsyncClient(
            **options, **backend, transport=transport, event_hooks=hooks
        ) as client:
            arguments = _request_arguments(spec, stack)
            async with client.stream(spec.method, spec.url, **arguments) as response:
                if spec.download is None:
                    await response.aread()
                    renderer.response_body(response)
                else:
                    with _Download(spec.download, renderer, response) as download:
                        async for chunk in response.aiter_bytes():
                            download.write(chunk)
                return response


def _content_length(response: darter.Response) -> int | None:
    """The declared length of the body as sent, for the progress bar."""
    try:
        length = int(response.headers.get("content-length", ""))
    except ValueError:
        return None
    return length if length >= 0 else None
