"""Fuzz darter's sans-I/O HTTP/1.1 response parser with arbitrary bytes.

Run under atheris (``python fuzz/http11_response.py [libFuzzer options]``) or call
``check(data)`` from anywhere: without atheris, a small stand-in provider splits the
input the same way each time, so a corpus can be replayed with plain Python.

Each input picks the parser's limits and the request method, then the rest is fed
to the machine in arbitrary chunks, followed by an EOF. Responses ending in time on
a reusable connection start the next cycle, so pipelined responses are covered.
The only exceptions allowed to escape are darter's own (``DarterError``).
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

try:
    import atheris
except ImportError:  # replay without atheris
    atheris = None

# Instrument darter's modules only: instrumenting everything loaded takes ~20 s.
with (
    atheris.instrument_imports(include=["darter"])
    if atheris is not None and __name__ == "__main__"
    else contextlib.nullcontext()
):
    from darter._exceptions import DarterError
    from darter._protocol.http11 import NEED_DATA, RESPONSE_END, HTTP11Machine, ResponseHead

METHODS = (b"GET", b"HEAD", b"POST", b"CONNECT", b"OPTIONS")


class _Provider:
    """The few ``atheris.FuzzedDataProvider`` methods used here (same names), in plain
    Python."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def remaining_bytes(self) -> int:
        return len(self._data) - self._pos

    def ConsumeIntInRange(self, low: int, high: int) -> int:
        span = high - low + 1
        width = max(1, (span.bit_length() + 7) // 8)
        raw = self._data[self._pos : self._pos + width]
        self._pos += len(raw)
        return low + int.from_bytes(raw, "little") % span

    def ConsumeBytes(self, count: int) -> bytes:
        raw = self._data[self._pos : self._pos + count]
        self._pos += len(raw)
        return raw


def _provider(data: bytes) -> Any:
    if atheris is not None:
        return atheris.FuzzedDataProvider(data)
    return _Provider(data)


def check(data: bytes) -> None:
    """Feed ``data`` to an ``HTTP11Machine``; raise AssertionError if the parser
    misbehaves (a non-darter exception, or events that consume nothing)."""
    fdp = _provider(data)
    try:
        machine = HTTP11Machine(
            max_head_size=fdp.ConsumeIntInRange(1, 4096),
            max_header_count=fdp.ConsumeIntInRange(1, 64),
            max_informational_responses=fdp.ConsumeIntInRange(0, 8),
        )
    except ValueError as exc:  # pragma: no cover - the ranges above are valid
        raise AssertionError(f"valid limits refused: {exc}") from exc
    method = METHODS[fdp.ConsumeIntInRange(0, len(METHODS) - 1)]
    try:
        _drive(fdp, machine, method)
    except DarterError:
        pass
    except Exception as exc:
        raise AssertionError(f"a non-darter exception escaped: {exc!r}") from exc


def _drive(fdp: Any, machine: HTTP11Machine, method: bytes) -> None:
    machine.send_request(method, b"/", [(b"Host", b"example.org")])
    machine.end_request()
    # Every event but a head (or a response end) consumes at least one byte.
    budget = fdp.remaining_bytes() + 16
    eof = False
    while True:
        if fdp.remaining_bytes() > 0:
            size = fdp.ConsumeIntInRange(1, 64)
            piece = fdp.ConsumeBytes(size)
        else:
            piece = b""
        eof = not piece
        machine.receive_data(piece)
        while (event := machine.next_event()) is not NEED_DATA:
            budget -= 1
            assert budget >= 0, "the parser returns events without consuming bytes"
            if event is RESPONSE_END:
                if not machine.is_reusable or eof:
                    return
                machine.start_next_cycle()
                machine.send_request(method, b"/", [(b"Host", b"example.org")])
                machine.end_request()
            elif not isinstance(event, ResponseHead):
                assert type(event) is bytes and event, f"unexpected event {event!r}"
        if eof:
            raise AssertionError("NEED_DATA after the EOF")


def main() -> None:
    if atheris is None:
        sys.exit("atheris is not installed: pip install atheris")
    atheris.Setup(sys.argv, lambda data: check(data))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
