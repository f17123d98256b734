"""Response body decoding: content codings (gzip, deflate, br, zstd) and text helpers.

Content decoders turn the body as received into the body as sent, chunk by chunk:
``decode(data) -> bytes`` for each chunk, then ``flush() -> bytes`` once at the end.
``make_content_decoder`` builds the right one from the ``Content-Encoding`` header
values, or returns ``None`` when there is nothing to undo, so an uncompressed body
costs nothing.

Decompression-bomb protection
-----------------------------

A small body can expand enormously: deflate reaches about 1,030:1 on a run of one
byte, zstandard about 32,000:1 and brotli over 500,000:1. Two limits, gathered in
``DecodingLimits``, keep a hostile server from exhausting memory:

* ``max_ratio`` (default 500): the decoded size may not exceed ``max_ratio`` times
  the compressed bytes consumed so far, once past ``ratio_floor`` (default 8 MiB)
  of decoded output. No deflate stream can exceed about 1,030:1, so a limit below
  that is needed to catch a plain gzip bomb at all; 500 still leaves a wide margin
  over real bodies, which compress 3:1 to 20:1 (HTML, JSON, logs) and a few
  hundred to one at most when very repetitive. Only a body larger than the floor
  made of long exact repeats (megabytes of zeros, one record over and over) sent
  with brotli or zstd can go past it, and the error says how to raise the limit.
  The floor lets small but extreme bodies through. With stacked codings every
  layer is held to the limit against the compressed bytes of the whole body, so a
  bomb nested in a bomb trips too.
* ``max_encodings`` (default 5): at most that many stacked codings are decoded.
  Real servers send one; each extra layer multiplies the work.

The limits are only useful if they are checked before the memory is spent, so each
decoder expands in bounded steps and counts the compressed bytes it has actually
consumed: zlib's ``max_length`` with ``unconsumed_tail``, brotli's output buffer
limit, and for zstandard input slices small enough that even at the format's
densest (a 4-byte block can stand for 128 KiB) one step cannot go past the room
left. A bomb is therefore stopped after about ``ratio_floor`` bytes of output
whatever the size of the chunks it comes in.

Choices made to match httpx: unknown codings (and ``br``/``zstd`` when their library
is missing) are skipped, so the bytes pass through as received; a gzip, deflate or
brotli stream cut short yields what could be decoded without an error, while a
truncated zstd frame raises ``DecodingError``; bytes after the end of a deflate
stream are ignored. One deliberate difference: a gzip body made of several members
(as ``cat a.gz b.gz`` makes) is decoded in full, as gzip tools and RFC 1952 do,
where httpx stops after the first member; bytes after the last member that do not
start another member are ignored.
"""

from __future__ import annotations

import codecs
import functools
import importlib
import sys
import zlib
from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import Any, AnyStr, ClassVar, Generic

from ._exceptions import DecodingError, DecodingLimitExceeded

__all__ = [
    "DEFAULT_DECODING_LIMITS",
    "DEFAULT_MAX_ENCODINGS",
    "DEFAULT_MAX_RATIO",
    "DEFAULT_RATIO_FLOOR",
    "BodyDecoder",
    "BrotliDecoder",
    "ByteChunker",
    "CodecDecoder",
    "ContentDecoder",
    "DecodingLimits",
    "DeflateDecoder",
    "GZipDecoder",
    "IdentityDecoder",
    "LineDecoder",
    "MultiDecoder",
    "TextChunker",
    "TextDecoder",
    "ZStandardDecoder",
    "accept_encoding",
    "make_content_decoder",
]

#: Decoded bytes allowed per compressed byte, once past the floor.
DEFAULT_MAX_RATIO = 500
#: Decoded bytes always allowed, whatever the ratio.
DEFAULT_RATIO_FLOOR = 8 * 1024 * 1024
#: Stacked codings decoded at most.
DEFAULT_MAX_ENCODINGS = 5

# Bounds on the output of one decoding step. Near the limit a step may still produce
# _MIN_STEP, so the limit is overshot by at most that much (brotli's buffer may round
# a step up to about twice its bound). _MAX_STEP keeps steps, and so the memory
# spent between two checks, small even when the limit is far away.
_MIN_STEP = 64 * 1024
_MAX_STEP = 1024 * 1024
# brotli is fed input in slices of at most this size, so the count of consumed
# compressed bytes (hence the room left) never runs far ahead of the output.
_INPUT_SLICE = 16 * 1024
# A zstd RLE block of 4 bytes decodes to up to 128 KiB: the most one input byte can
# yield, which bounds the output of a slice.
_ZSTD_MAX_EXPANSION = 32 * 1024
_ZSTD_MIN_SLICE = 16

_GZIP_WBITS = 16 + zlib.MAX_WBITS
_GZIP_MAGIC = b"\x1f\x8b"


class DecodingLimits:
    """Bounds on decompression, against decompression bombs.

    ``max_ratio``: decoded bytes allowed per compressed byte (``None`` turns the
    check off); ``ratio_floor``: decoded bytes always allowed; ``max_encodings``:
    stacked codings allowed in one ``Content-Encoding``; ``max_size``: decoded bytes
    allowed in all (``None``: no absolute cap). Clients set them from
    ``darter.ResponseLimits``. Read-only once made.

    Raises ``ValueError`` for a limit that is not positive.
    """

    __slots__ = ("max_encodings", "max_ratio", "max_size", "ratio_floor")

    max_ratio: float | None
    ratio_floor: int
    max_encodings: int
    max_size: int | None

    def __init__(
        self,
        max_ratio: float | None = DEFAULT_MAX_RATIO,
        ratio_floor: int = DEFAULT_RATIO_FLOOR,
        max_encodings: int = DEFAULT_MAX_ENCODINGS,
        max_size: int | None = None,
    ) -> None:
        if max_ratio is not None and not max_ratio > 0:
            raise ValueError(f"max_ratio must be positive or None, not {max_ratio!r}")
        if ratio_floor < 0:
            raise ValueError(f"ratio_floor must not be negative, not {ratio_floor!r}")
        if max_encodings < 1:
            raise ValueError(f"max_encodings must be at least 1, not {max_encodings!r}")
        # A plain class rather than a frozen dataclass: dataclasses imports
        # inspect, which would make `import darter` slower by a tenth.
        set_field = object.__setattr__
        set_field(self, "max_ratio", max_ratio)
        set_field(self, "ratio_floor", ratio_floor)
        set_field(self, "max_encodings", max_encodings)
        set_field(self, "max_size", max_size)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"DecodingLimits are read-only (cannot set {name!r}).")

    def _fields(self) -> tuple[float | None, int, int, int | None]:
        return (self.max_ratio, self.ratio_floor, self.max_encodings, self.max_size)

    def __reduce__(self) -> tuple[type[DecodingLimits], tuple[Any, ...]]:
        return (DecodingLimits, self._fields())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DecodingLimits):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"DecodingLimits(max_ratio={self.max_ratio!r}, ratio_floor={self.ratio_floor!r}, "
            f"max_encodings={self.max_encodings!r}, max_size={self.max_size!r})"
        )


DEFAULT_DECODING_LIMITS = DecodingLimits()


# Optional libraries, imported on first use only.


@functools.cache
def _brotli() -> Any | None:
    """The brotli module (or brotlicffi), or ``None`` when neither fits.

    Only releases whose decompressor can bound its output (1.2 and later) are used:
    without that bound one call can expand a few bytes into many megabytes.
    """
    for name in ("brotli", "brotlicffi"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module.Decompressor, "can_accept_more_data"):
            return module
    return None


@functools.cache
def _zstandard() -> Any | None:
    """The zstandard module, or ``None`` when it is not installed."""
    try:
        return importlib.import_module("zstandard")
    except ImportError:
        return None


@functools.cache
def accept_encoding() -> str:
    """The default ``Accept-Encoding`` value: the codings this process can decode."""
    value = "gzip, deflate"
    if _brotli() is not None:
        value += ", br"
    if _zstandard() is not None:
        value += ", zstd"
    return value


# Limit accounting


class _Meter:
    """Compressed bytes of the body consumed so far, shared by the layers of a stack."""

    __slots__ = ("consumed",)

    def __init__(self) -> None:
        self.consumed = 0


class _Budget:
    """The output allowance of one decoding layer.

    Every layer's output is measured against the compressed input of the whole body
    (the ``_Meter``), which only the outermost layer advances.
    """

    __slots__ = ("_encoding", "_limits", "_meter", "_outermost", "produced")

    def __init__(
        self, encoding: str, limits: DecodingLimits, meter: _Meter, *, outermost: bool
    ) -> None:
        self._encoding = encoding
        self._limits = limits
        self._meter = meter
        self._outermost = outermost
        self.produced = 0

    def _limit(self, ratio: float) -> int:
        return max(self._limits.ratio_floor, int(ratio * self._meter.consumed))

    def room(self) -> int:
        """How many more bytes may be produced before the limit."""
        ratio = self._limits.max_ratio
        room = sys.maxsize if ratio is None else self._limit(ratio) - self.produced
        size = self._limits.max_size
        return room if size is None else min(room, size - self.produced + 1)

    def step(self) -> int:
        """How many bytes the next step may produce."""
        return min(max(self.room(), _MIN_STEP), _MAX_STEP)

    def spend(self, consumed: int, produced: int) -> None:
        """Record a step; raise ``DecodingError`` when the output passed the limit."""
        if self._outermost:
            self._meter.consumed += consumed
        self.produced += produced
        ratio = self._limits.max_ratio
        if ratio is not None and self.produced > self._limit(ratio):
            raise DecodingLimitExceeded(
                f"The {self._encoding}-encoded response body has expanded to "
                f"{self.produced:,} bytes from {self._meter.consumed:,} compressed bytes, "
                f"past the decompression limit of {ratio:g}:1 beyond the first "
                f"{self._limits.ratio_floor:,} bytes. This looks like a decompression "
                "bomb; if the server is trusted, raise darter.ResponseLimits("
                "max_decompression_ratio=..., decompression_ratio_floor=...), or set "
                "max_decompression_ratio=None.",
                limit="max_decompression_ratio",
            )
        size = self._limits.max_size
        if size is not None and self.produced > size:
            raise DecodingLimitExceeded(
                f"The {self._encoding}-encoded response body decodes to more than "
                f"max_decoded_size ({size:,} bytes): raise it with darter.ResponseLimits("
                "max_decoded_size=...) if the server is trusted.",
                limit="max_decoded_size",
            )


# Content decoders


class ContentDecoder:
    """Undoes one or more content codings, one chunk at a time.

    ``decode(data)`` returns the decoded bytes available so far; ``flush()`` returns
    the rest once the body has ended. Both raise ``DecodingError`` on bad data or
    when a decompression limit is exceeded.
    """

    def decode(self, data: bytes) -> bytes:
        """The decoded bytes that ``data`` completes."""
        raise NotImplementedError()

    def flush(self) -> bytes:
        """The decoded bytes still held back, once the body has ended."""
        raise NotImplementedError()


class IdentityDecoder(ContentDecoder):
    """The ``identity`` coding: bytes pass through unchanged."""

    def decode(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


class CodecDecoder(ContentDecoder):
    """Base of the decoders of one compression format.

    Subclasses implement ``_expand`` (and ``finish`` when the end of the body needs
    a check) as generators of output pieces, reporting each step to the budget they
    are given. Used alone, the decoder has a budget of its own; in a
    ``MultiDecoder`` the stack hands each layer a budget tied to the whole body.
    """

    encoding: ClassVar[str]
    _errors: tuple[type[Exception], ...] = (zlib.error,)

    def __init__(self, limits: DecodingLimits = DEFAULT_DECODING_LIMITS) -> None:
        self._budget = _Budget(self.encoding, limits, _Meter(), outermost=True)

    @classmethod
    def is_available(cls) -> bool:
        """Whether the library this coding needs can be imported."""
        return True

    def decode(self, data: bytes) -> bytes:
        return b"".join(self.expand(data, self._budget))

    def flush(self) -> bytes:
        return b"".join(self.finish(self._budget))

    def expand(self, data: bytes, budget: _Budget) -> Iterator[bytes]:
        """Decoded pieces of ``data``; raises ``DecodingError`` naming the coding."""
        try:
            yield from self._expand(data, budget)
        except self._errors as exc:
            raise DecodingError(
                f"Failed to decode the {self.encoding}-encoded response body: {exc}"
            ) from exc

    def finish(self, budget: _Budget) -> Iterator[bytes]:
        """The last decoded pieces, at the end of the body; raises ``DecodingError``.

        A compressed stream cut short is an error, never a shorter body passed off as
        complete. An empty body (HEAD, 204, 304) has nothing to check.
        """
        if self._is_incomplete():
            raise DecodingError(
                f"Failed to decode the {self.encoding}-encoded response body: the data is "
                "incomplete (the body ended inside the compressed stream)."
            )
        return iter(())

    def _is_incomplete(self) -> bool:
        return False

    def _expand(self, data: bytes, budget: _Budget) -> Iterator[bytes]:
        raise NotImplementedError()


def _inflate(inflater: Any, data: bytes, budget: _Budget) -> Generator[bytes, None, bytes]:
    """Run a zlib decompressor over ``data`` in bounded steps.

    Yields the output pieces and returns the bytes found after the end of the
    compressed stream (``b""`` while the stream goes on).
    """
    while True:
        step = budget.step()
        out = inflater.decompress(data, step)
        tail = inflater.unconsumed_tail
        consumed = len(data) - len(tail)
        if inflater.eof:
            consumed -= len(inflater.unused_data)
        budget.spend(consumed, len(out))
        if out:
            yield out
        if inflater.eof:
            return bytes(inflater.unused_data)
        # A full step may leave output pending inside zlib even with no input left.
        if not tail and len(out) < step:
            return b""
        data = tail


class GZipDecoder(CodecDecoder):
    """The ``gzip`` coding (RFC 1952), including bodies of several members."""

    encoding = "gzip"

    def __init__(self, limits: DecodingLimits = DEFAULT_DECODING_LIMITS) -> None:
        super().__init__(limits)
        self._inflater = zlib.decompressobj(_GZIP_WBITS)
        self._between_members = False
        self._held = b""  # the first byte of what may be the next member
        self._ignoring = False
        self._started = False

    def _expand(self, data: bytes, budget: _Budget) -> Iterator[bytes]:
        while data and not self._ignoring:
            if self._between_members:
                data = self._held + data
                if len(data) < len(_GZIP_MAGIC):
                    self._held = data
                    return
                if not data.startswith(_GZIP_MAGIC):
                    # Trailing bytes after a complete member (padding, junk): gzip
                    # tools ignore them, and so does httpx.
                    self._ignoring = True
                    return
                self._held = b""
                self._inflater = zlib.decompressobj(_GZIP_WBITS)
            data = yield from _inflate(self._inflater, data, budget)
            self._between_members = self._inflater.eof
            self._started = True

    def _is_incomplete(self) -> bool:
        return self._started and not self._between_members and not self._ignoring


def _has_zlib_header(data: bytes) -> bool:
    """Whether ``data`` starts with a zlib header (RFC 1950), not raw deflate."""
    cmf, flg = data[0], data[1]
    return cmf & 0x0F == 8 and cmf >> 4 <= 7 and ((cmf << 8) | flg) % 31 == 0


class DeflateDecoder(CodecDecoder):
    """The ``deflate`` coding: zlib-wrapped as RFC 9110 says, or raw as some servers send.

    The first two bytes tell which, as browsers do: a raw stream practically never
    starts with a valid zlib header.
    """

    encoding = "deflate"

    def __init__(self, limits: DecodingLimits = DEFAULT_DECODING_LIMITS) -> None:
        super().__init__(limits)
        self._inflater: Any = None
        self._head = b""

    def _expand(self, data: bytes, budget: _Budget) -> Iterator[bytes]:
        if self._inflater is None:
            data = self._head + data
            if len(data) < 2:
                self._head = data
                return
            wbits = zlib.MAX_WBITS if _has_zlib_header(data) else -zlib.MAX_WBITS
            self._inflater = zlib.decompressobj(wbits)
            self._head = b""
        if not self._inflater.eof:  # bytes after the end of the stream are ignored
            yield from _inflate(self._inflater, data, budget)

    def _is_incomplete(self) -> bool:
        if self._inflater is None:
            return bool(self._head)
        return not self._inflater.eof


class BrotliDecoder(CodecDecoder):
    """The ``br`` coding (RFC 7932), with the brotli or brotlicffi library.

    Raises ``ImportError`` when neither is installed in a release of 1.2 or later.
    """

    encoding = "br"

    def __init__(self, limits: DecodingLimits = DEFAULT_DECODING_LIMITS) -> None:
        super().__init__(limits)
        module = _brotli()
        if module is None:
            raise ImportError(
                "Decoding 'br' needs the brotli package, release 1.2 or later "
                "(brotlicffi on PyPy): install darter[brotli]."
            )
        self._decompressor = module.Decompressor()
        self._errors = (module.error,)
        self._started = False

    @classmethod
    def is_available(cls) -> bool:
        return _brotli() is not None

    def _expand(self, data: bytes, budget: _Budget) -> Iterator[bytes]:
        decompressor = self._decompressor
        # Slices are bytes, not memoryviews: brotlicffi only takes bytes.
        for start in range(0, len(data), _INPUT_SLICE):
            piece = data[start : start + _INPUT_SLICE]
            consumed = len(piece)
            while True:
                step = budget.step()
                out = decompressor.process(piece, output_buffer_limit=step)
                budget.spend(consumed, len(out))
                if out:
                    yield out
                # A full output buffer may leave output behind even when the decoder
                # says it can take more input: drain it with empty input first.
                if len(out) < step and decompressor.can_accept_more_data():
                    break
                piece, consumed = b"", 0
            self._started = True

    def _is_incomplete(self) -> bool:
        return self._started and not self._decompressor.is_finished()


class ZStandardDecoder(CodecDecoder):
    """The ``zstd`` coding (RFC 8878), with the zstandard library; several frames allowed.

    Raises ``ImportError`` when zstandard is not installed.
    """

    encoding = "zstd"

    def __init__(self, limits: DecodingLimits = DEFAULT_DECODING_LIMITS) -> None:
        super().__init__(limits)
        module = _zstandard()
        if module is None:
            raise ImportError("Decoding 'zstd' needs the zstandard package: install darter[zstd].")
        self._context = module.ZstdDecompressor()
        self._frame: Any = None  # the decompressor of the frame in progress
        self._errors = (module.ZstdError,)

    @classmethod
    def is_available(cls) -> bool:
        return _zstandard() is not None

    def _expand(self, data: bytes, budget: _Budget) -> Iterator[bytes]:
        view = memoryview(data)
        position = 0
        while position < len(view):
            if self._frame is None:
                self._frame = self._context.decompressobj()
            # zstandard cannot cap its output, so cap the input instead: a slice can
            # produce at most _ZSTD_MAX_EXPANSION times its size (plus one block begun
            # earlier), so a step never goes past the room left before the limit.
            step = max(budget.room() // _ZSTD_MAX_EXPANSION, _ZSTD_MIN_SLICE)
            piece = view[position : position + step]
            out = self._frame.decompress(piece)
            consumed = len(piece)
            if self._frame.eof:
                # The frame ended inside this slice: what follows starts the next one.
                consumed -= len(self._frame.unused_data)
                self._frame = None
            position += consumed
            budget.spend(consumed, len(out))
            if out:
                yield out

    def finish(self, budget: _Budget) -> Iterator[bytes]:
        if self._frame is not None:
            raise DecodingError(
                "Failed to decode the zstd-encoded response body: the data is incomplete "
                "(the body ended inside a zstd frame)."
            )
        return iter(())


class MultiDecoder(ContentDecoder):
    """Stacked codings, given in decoding order (the reverse of the header's order).

    Each layer's output is fed to the next one piece by piece, so no layer holds
    more than one bounded piece at a time, and every layer is held to the limits.
    """

    def __init__(
        self, children: Sequence[CodecDecoder], limits: DecodingLimits = DEFAULT_DECODING_LIMITS
    ) -> None:
        meter = _Meter()
        self._layers = [
            (child, _Budget(child.encoding, limits, meter, outermost=index == 0))
            for index, child in enumerate(children)
        ]

    def decode(self, data: bytes) -> bytes:
        return b"".join(self._push(0, (data,)))

    def flush(self) -> bytes:
        out: list[bytes] = []
        for index, (child, budget) in enumerate(self._layers):
            out.extend(self._push(index + 1, child.finish(budget)))
        return b"".join(out)

    def _push(self, layer: int, pieces: Iterable[bytes]) -> Iterator[bytes]:
        """Feed ``pieces`` to layer ``layer`` and the ones after it; yield the output."""
        if layer == len(self._layers):
            yield from pieces
            return
        child, budget = self._layers[layer]
        for piece in pieces:
            yield from self._push(layer + 1, child.expand(piece, budget))


_DECODERS: dict[str, type[CodecDecoder]] = {
    "gzip": GZipDecoder,
    "deflate": DeflateDecoder,
    "br": BrotliDecoder,
    "zstd": ZStandardDecoder,
}


def make_content_decoder(
    values: Iterable[str], limits: DecodingLimits = DEFAULT_DECODING_LIMITS
) -> ContentDecoder | None:
    """The decoder for a response's ``Content-Encoding`` header values.

    Returns ``None`` when there is nothing to decode (no header, ``identity``, or
    only codings this process cannot decode, which are passed through as httpx
    does). Raises ``DecodingError`` when more codings are stacked than
    ``limits.max_encodings`` allows.
    """
    classes: list[type[CodecDecoder]] = []
    for value in values:
        for token in value.split(","):
            cls = _DECODERS.get(token.strip().lower())
            if cls is not None and cls.is_available():
                classes.append(cls)
    if not classes:
        return None
    if len(classes) > limits.max_encodings:
        raise DecodingLimitExceeded(
            f"The response lists {len(classes)} stacked content codings, more than the "
            f"limit of {limits.max_encodings}: raise it with darter.ResponseLimits("
            "max_content_encodings=...) if the server is trusted.",
            limit="max_content_encodings",
        )
    # Codings are listed in the order they were applied: undo them last first.
    decoders = [cls(limits) for cls in reversed(classes)]
    if len(decoders) == 1:
        return decoders[0]
    return MultiDecoder(decoders, limits)


# Re-chunking and text


class _Chunker(Generic[AnyStr]):
    """Re-cut a stream of chunks into chunks of exactly ``chunk_size`` (the last may be
    shorter); with ``chunk_size=None`` chunks pass through, empty ones dropped."""

    def __init__(self, chunk_size: int | None, empty: AnyStr) -> None:
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive integer or None, not {chunk_size!r}")
        self._size = chunk_size
        self._buffer: AnyStr = empty
        self._empty: AnyStr = empty

    def decode(self, data: AnyStr) -> list[AnyStr]:
        """The complete chunks available after ``data``."""
        size = self._size
        if size is None:
            return [data] if data else []
        if self._buffer:
            data = self._buffer + data
        end = len(data) - len(data) % size
        self._buffer = data[end:]
        return [data[start : start + size] for start in range(0, end, size)]

    def flush(self) -> list[AnyStr]:
        """The last, possibly short, chunk."""
        rest, self._buffer = self._buffer, self._empty
        return [rest] if rest else []


class ByteChunker(_Chunker[bytes]):
    """Re-chunk bytes to ``chunk_size``; raises ``ValueError`` for a size below 1."""

    def __init__(self, chunk_size: int | None = None) -> None:
        super().__init__(chunk_size, b"")


class TextChunker(_Chunker[str]):
    """Re-chunk text to ``chunk_size``; raises ``ValueError`` for a size below 1."""

    def __init__(self, chunk_size: int | None = None) -> None:
        super().__init__(chunk_size, "")


class TextDecoder:
    """Incremental bytes-to-text decoding; undecodable bytes become U+FFFD.

    Raises ``LookupError`` for an unknown encoding.
    """

    def __init__(self, encoding: str = "utf-8") -> None:
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")

    def decode(self, data: bytes) -> str:
        return self._decoder.decode(data)

    def flush(self) -> str:
        return self._decoder.decode(b"", True)


# What str.splitlines() splits on.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


class LineDecoder:
    """Split a stream of text into lines exactly as ``str.splitlines()`` splits the whole.

    A ``\\r`` at the end of a chunk is held back, since a ``\\n`` starting the next
    chunk belongs to the same line break.
    """

    def __init__(self) -> None:
        self._partial: list[str] = []  # the start of the current, unfinished line
        self._held_cr = False

    def decode(self, text: str) -> list[str]:
        """The lines completed by ``text``."""
        if self._held_cr:
            text = "\r" + text
            self._held_cr = False
        if text.endswith("\r"):
            self._held_cr = True
            text = text[:-1]
        if not text:
            return []
        lines = text.splitlines()
        unfinished = text[-1] not in _LINE_BREAKS
        if unfinished and len(lines) == 1:
            self._partial.append(text)
            return []
        if self._partial:
            self._partial.append(lines[0])
            lines[0] = "".join(self._partial)
            self._partial = []
        if unfinished:
            self._partial.append(lines.pop())
        return lines

    def flush(self) -> list[str]:
        """The last line, if the text did not end with a line break."""
        if not self._partial and not self._held_cr:
            return []
        line = "".join(self._partial)
        self._partial = []
        self._held_cr = False
        return [line]


class BodyDecoder:
    """Raw body chunks in, decoded chunks of ``chunk_size`` out: ``iter_bytes`` in one place.

    ``content_encoding`` is the list of ``Content-Encoding`` header values. The sync
    and async loops only move chunks::

        body = BodyDecoder(headers.get_list("content-encoding", True), chunk_size)
        for raw in raw_chunks:
            yield from body.decode(raw)
        yield from body.flush()

    Raises ``DecodingError`` (from the constructor when too many codings are
    stacked, from ``decode``/``flush`` on bad data or past a limit) and
    ``ValueError`` for a ``chunk_size`` below 1.
    """

    __slots__ = ("_chunker", "_decoder")

    def __init__(
        self,
        content_encoding: Iterable[str] = (),
        chunk_size: int | None = None,
        *,
        limits: DecodingLimits = DEFAULT_DECODING_LIMITS,
    ) -> None:
        self._chunker = ByteChunker(chunk_size)
        self._decoder = make_content_decoder(content_encoding, limits)

    def decode(self, raw: bytes) -> list[bytes]:
        """The decoded chunks ready after the raw chunk ``raw``."""
        if self._decoder is not None:
            raw = self._decoder.decode(raw)
        return self._chunker.decode(raw)

    def flush(self) -> list[bytes]:
        """The remaining chunks, once the raw body has ended."""
        if self._decoder is None:
            return self._chunker.flush()
        return [*self._chunker.decode(self._decoder.flush()), *self._chunker.flush()]
