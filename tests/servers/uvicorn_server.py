"""Run an ASGI app with uvicorn in a background thread, on 127.0.0.1 and a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # pragma: no cover - older uvicorn only
        pass


@contextmanager
def serve(
    app: Any,
    *,
    certfile: str | None = None,
    keyfile: str | None = None,
    client_ca: str | None = None,
) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields the base URL ("http://127.0.0.1:PORT").

    With ``certfile``/``keyfile`` it serves HTTPS; with ``client_ca`` too, it
    requires a client certificate signed by that CA.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="error",
        lifespan="off",
        loop="asyncio",
        http="h11",
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        ssl_ca_certs=client_ca,
        ssl_cert_reqs=2 if client_ca else 0,
        timeout_keep_alive=30,
    )
    server = _ThreadedServer(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("The test server did not start.")
        time.sleep(0.01)
    scheme = "https" if certfile else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
