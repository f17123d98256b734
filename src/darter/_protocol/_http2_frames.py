"""A frame-header scanner that runs ahead of ``h2`` in the HTTP/2 client machine.

``FrameScanner.scan`` reads the 9-byte header of every frame the server sends
(RFC 9113 §4.1), one ``struct`` call per frame, skipping payloads, and returns the
bytes to hand to ``h2`` — in as few pieces as possible, usually the very object it
was given — with the GOAWAY frames taken out and parsed. It refuses, by raising
``FrameError`` before any byte of the offending chunk reaches ``h2``:

* a frame longer than our SETTINGS_MAX_FRAME_SIZE (16384, never changed):
  ``h2`` only checks a frame's length once all of it is buffered, so a header
  announcing 16 MiB would otherwise make it wait for, and keep, 16 MiB;
* a header block (HEADERS and its CONTINUATION frames) of more than
  ``max_continuation_frames`` CONTINUATION frames or more than
  ``max_block_bytes`` bytes: ``h2`` accepts 64 frames, up to 1 MiB of fragments
  buffered before any check, and its limit is not configurable;
* any other frame inside a header block (§6.10);
* PUSH_PROMISE: push is disabled by our SETTINGS_ENABLE_PUSH=0 (§8.4);
* HEADERS on an even stream: only we open streams, and a client-side ``h2``
  connection would take such a frame for a request;
* a GOAWAY that is not on stream 0 or is shorter than 8 bytes (§6.8).

GOAWAY is handled by the machine rather than by ``h2`` because ``h2`` stops
accepting every frame once it has received one, while the streams up to the
GOAWAY's last stream id may still be answered.

A frame header split between two chunks is kept back (at most 8 bytes) and
prepended to the next chunk, so that ``h2`` never sees part of a frame the scanner
has not checked; a GOAWAY payload split between chunks is collected.
"""

from __future__ import annotations

import struct
from typing import Final, NamedTuple

from darter._exceptions import LimitExceeded, RemoteProtocolError

__all__ = ["MAX_FRAME_SIZE", "FrameError", "FrameScanner", "GoAway"]

#: Our SETTINGS_MAX_FRAME_SIZE: the protocol's default, which we never change.
MAX_FRAME_SIZE: Final = 16_384

# Error codes (RFC 9113 §7).
_PROTOCOL_ERROR: Final = 0x1
_FRAME_SIZE_ERROR: Final = 0x6
_ENHANCE_YOUR_CALM: Final = 0xB

# Frame header: length (high byte, low 16 bits), type, flags, stream id.
_FRAME_HEADER: Final = struct.Struct(">BHBBL")
_DATA: Final = 0x0
_HEADERS: Final = 0x1
_PUSH_PROMISE: Final = 0x5
_GOAWAY: Final = 0x7
_CONTINUATION: Final = 0x9
_END_HEADERS: Final = 0x4


class GoAway(NamedTuple):
    """A GOAWAY frame's payload (RFC 9113 §6.8)."""

    last_stream_id: int
    error_code: int
    additional_data: bytes


class FrameError(RemoteProtocolError):
    """The server broke a framing rule; ``error_code`` is the one for our GOAWAY."""

    def __init__(self, error_code: int, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code


class FrameLimitError(FrameError, LimitExceeded):
    """A header block went past a limit (``limit`` names the ``ResponseLimits`` field)."""

    def __init__(self, error_code: int, message: str, limit: str) -> None:
        super().__init__(error_code, message)
        self.limit = limit


class FrameScanner:
    """Checks the frames of one connection, chunk after chunk (see the module docs).

    ``max_block_bytes`` bounds the encoded size of a header block,
    ``max_continuation_frames`` the CONTINUATION frames in one.
    """

    __slots__ = (
        "_block_bytes",
        "_block_frames",
        "_frame_left",
        "_goaway",
        "_goaway_need",
        "_head",
        "_max_block",
        "_max_continuation",
    )

    def __init__(self, max_block_bytes: int, max_continuation_frames: int) -> None:
        self._max_block = max_block_bytes
        self._max_continuation = max_continuation_frames
        # Payload bytes of the current frame still to come.
        self._frame_left = 0
        # An incomplete frame header, kept back until the next chunk.
        self._head = b""
        # CONTINUATION frames of the header block being received; -1 when none.
        self._block_frames = -1
        self._block_bytes = 0
        # A GOAWAY payload being collected, and how many bytes of it are missing.
        self._goaway = bytearray()
        self._goaway_need = 0

    def scan(self, data: bytes) -> list[bytes | memoryview | GoAway]:
        """Check the frames that ``data`` holds or completes; return, in order, the
        bytes to give ``h2`` and the complete GOAWAY frames.

        Raises ``FrameError`` if a frame breaks one of the rules above.
        """
        if self._head:
            data = self._head + data
            self._head = b""
        parts: list[bytes | memoryview | GoAway] = []
        pos = 0
        if self._goaway_need:  # the rest of a GOAWAY payload comes first
            pos = self._collect_goaway(data, 0, parts)
        start = pos
        pos += self._frame_left
        self._frame_left = 0
        size = len(data)
        unpack = _FRAME_HEADER.unpack_from
        while pos + 9 <= size:
            high, low, kind, flags, stream_id = unpack(data, pos)
            length = high << 16 | low
            if length > MAX_FRAME_SIZE:
                raise FrameError(
                    _FRAME_SIZE_ERROR,
                    f"The server sent a frame of {length} bytes, more than the "
                    f"{MAX_FRAME_SIZE} allowed.",
                )
            if kind != _DATA or self._block_frames >= 0:
                if kind == _GOAWAY and self._block_frames < 0:
                    if start < pos:
                        parts.append(memoryview(data)[start:pos])
                    # Taken whole, or up to the end of data (the rest comes next).
                    pos = start = self._start_goaway(data, pos, length, stream_id, parts)
                    continue
                self._check_block(kind, flags, length, stream_id)
            pos += 9 + length
        if pos >= size:
            self._frame_left = pos - size
            end = size
        else:
            self._head = bytes(data[pos:])
            end = pos
        if start < end:
            parts.append(data if start == 0 and end == size else memoryview(data)[start:end])
        return parts

    def _check_block(self, kind: int, flags: int, length: int, stream_id: int) -> None:
        """Header-block rules, for any frame but a DATA frame outside a block."""
        if self._block_frames >= 0:
            if kind != _CONTINUATION:
                raise FrameError(
                    _PROTOCOL_ERROR,
                    "The server sent another frame in the middle of a header block.",
                )
            self._block_frames += 1
            self._block_bytes += length
            if self._block_frames > self._max_continuation:
                raise FrameLimitError(
                    _ENHANCE_YOUR_CALM,
                    f"The server sent a header block in more than {self._max_continuation} "
                    "CONTINUATION frames (a CONTINUATION flood?).",
                    "max_http2_header_list_size",
                )
        elif kind == _HEADERS:
            if not stream_id & 1:
                raise FrameError(
                    _PROTOCOL_ERROR,
                    f"The server sent HEADERS on stream {stream_id}, which it cannot open.",
                )
            self._block_bytes = length
        elif kind == _PUSH_PROMISE:
            raise FrameError(
                _PROTOCOL_ERROR, "The server sent PUSH_PROMISE, but push is disabled."
            )
        else:
            return
        if self._block_bytes > self._max_block:
            raise FrameLimitError(
                _ENHANCE_YOUR_CALM,
                f"The server sent a header block larger than max_http2_header_list_size "
                f"({self._max_block} bytes): raise it with darter.ResponseLimits("
                "max_http2_header_list_size=...) if the server is trusted.",
                "max_http2_header_list_size",
            )
        self._block_frames = -1 if flags & _END_HEADERS else max(self._block_frames, 0)

    def _start_goaway(
        self,
        data: bytes,
        pos: int,
        length: int,
        stream_id: int,
        parts: list[bytes | memoryview | GoAway],
    ) -> int:
        if stream_id:
            raise FrameError(_PROTOCOL_ERROR, "The server sent GOAWAY on a stream.")
        if length < 8:
            raise FrameError(_FRAME_SIZE_ERROR, "The server sent a GOAWAY shorter than 8 bytes.")
        self._goaway_need = length
        return self._collect_goaway(data, pos + 9, parts)

    def _collect_goaway(
        self, data: bytes, pos: int, parts: list[bytes | memoryview | GoAway]
    ) -> int:
        """Take the GOAWAY payload bytes that ``data`` holds from ``pos``; once
        complete, add the GOAWAY to ``parts``. Return the position after them."""
        end = min(pos + self._goaway_need, len(data))
        self._goaway += data[pos:end]
        self._goaway_need -= end - pos
        if not self._goaway_need:
            payload = bytes(self._goaway)
            self._goaway = bytearray()
            last, code = struct.unpack_from(">LL", payload)
            parts.append(GoAway(last & 0x7FFF_FFFF, code, payload[8:]))
        return end
