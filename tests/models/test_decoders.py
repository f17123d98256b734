"""Content decoders, decompression limits, and the text helpers behind iter_text/iter_lines."""

from __future__ import annotations

import gzip
import itertools
import struct
import sys
import time
import tracemalloc
import types
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

import brotli
import httpx
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from darter import _decoders
from darter._decoders import (
    DEFAULT_DECODING_LIMITS,
    DEFAULT_MAX_ENCODINGS,
    DEFAULT_MAX_RATIO,
    DEFAULT_RATIO_FLOOR,
    BodyDecoder,
    BrotliDecoder,
    ByteChunker,
    CodecDecoder,
    ContentDecoder,
    DecodingLimits,
    DeflateDecoder,
    GZipDecoder,
    IdentityDecoder,
    LineDecoder,
    MultiDecoder,
    TextChunker,
    TextDecoder,
    ZStandardDecoder,
    accept_encoding,
    make_content_decoder,
)
from darter._exceptions import DecodingError

MiB = 1024 * 1024
TEXT = b"The quick brown fox jumps over the lazy dog. " * 200


def compress(encoding: str, data: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.compress(data)
    if encoding == "deflate":
        return zlib.compress(data)
    if encoding == "br":
        return bytes(brotli.compress(data, quality=5))
    if encoding == "zstd":
        return bytes(zstandard.ZstdCompressor().compress(data))
    assert encoding == "identity"
    return data


def encode(encodings: Sequence[str], data: bytes) -> bytes:
    """Apply codings in header order, as a server would."""
    for encoding in encodings:
        data = compress(encoding, data)
    return data


def split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def run(decoder: ContentDecoder, chunks: Sequence[bytes]) -> bytes:
    return b"".join(decoder.decode(chunk) for chunk in chunks) + decoder.flush()


def decode_header(value: str, chunks: Sequence[bytes], **limits: Any) -> bytes:
    decoder = make_content_decoder([value], DecodingLimits(**limits))
    assert decoder is not None
    return run(decoder, chunks)


def httpx_decode(value: str, body: bytes) -> bytes:
    return httpx.Response(200, headers={"Content-Encoding": value}, content=body).read()


ENCODINGS = ["gzip", "deflate", "br", "zstd"]


# Round trips


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("chunk_size", [1, 3, 64, 1000, 10**9])
def test_round_trip_in_chunks(encoding: str, chunk_size: int) -> None:
    body = compress(encoding, TEXT)
    assert decode_header(encoding, split(body, chunk_size)) == TEXT


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_two_way_split(encoding: str) -> None:
    data = b"hello, world! " * 20
    body = compress(encoding, data)
    for cut in range(len(body) + 1):
        assert decode_header(encoding, [body[:cut], b"", body[cut:]]) == data, cut


@pytest.mark.parametrize("encoding", ENCODINGS)
@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 4000), max_size=8))
def test_round_trip_any_chunking(encoding: str, data: bytes, cuts: list[int]) -> None:
    body = compress(encoding, data)
    points = sorted({0, len(body), *(c % (len(body) + 1) for c in cuts)})
    chunks = [body[a:b] for a, b in itertools.pairwise(points)]
    assert decode_header(encoding, chunks) == data


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_large_body_matches_httpx(encoding: str) -> None:
    data = b"".join(b"row %d: %s\n" % (i, b"x" * (i % 50)) for i in range(40000))
    body = compress(encoding, data)
    assert decode_header(encoding, split(body, 65536)) == data == httpx_decode(encoding, body)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_empty_body_decodes_to_nothing(encoding: str) -> None:
    assert decode_header(encoding, []) == b""
    assert decode_header(encoding, [b""]) == b""
    assert httpx_decode(encoding, b"") == b""


def test_deflate_raw_and_zlib_wrapped() -> None:
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw_body = raw.compress(TEXT) + raw.flush()
    wrapped = zlib.compress(TEXT)
    for body in (raw_body, wrapped):
        assert decode_header("deflate", split(body, 1)) == TEXT
        assert httpx_decode("deflate", body) == TEXT


def test_deflate_single_byte_body_is_incomplete() -> None:
    with pytest.raises(DecodingError, match=r"deflate.*incomplete"):
        decode_header("deflate", [b"x"])


def test_identity_decoder() -> None:
    decoder = IdentityDecoder()
    assert decoder.decode(b"abc") == b"abc"
    assert decoder.flush() == b""


# Header handling


@pytest.mark.parametrize("values", [[], [""], ["identity"], ["Identity, identity"], ["x-gzip"]])
def test_nothing_to_decode_gives_none(values: list[str]) -> None:
    assert make_content_decoder(values) is None


@pytest.mark.parametrize(
    ("values", "cls"),
    [
        (["gzip"], GZipDecoder),
        (["GZIP"], GZipDecoder),
        ([" deflate "], DeflateDecoder),
        (["br"], BrotliDecoder),
        (["zstd"], ZStandardDecoder),
        (["identity, gzip, foo"], GZipDecoder),
        (["gzip", "deflate"], MultiDecoder),
    ],
)
def test_decoder_choice(values: list[str], cls: type[ContentDecoder]) -> None:
    assert type(make_content_decoder(values)) is cls


@pytest.mark.parametrize(
    "value",
    ["foo", "gzip, foo", "foo, gzip", " GZip ,, ", "identity", "x-gzip", "gzip, identity, br"],
)
def test_unknown_and_identity_codings_match_httpx(value: str) -> None:
    known = [t.strip().lower() for t in value.split(",")]
    body = encode([t for t in known if t in ENCODINGS], TEXT)
    decoder = make_content_decoder([value])
    ours = body if decoder is None else run(decoder, [body])
    assert ours == httpx_decode(value, body)


@pytest.mark.parametrize(
    "encodings",
    [
        ["gzip", "br"],
        ["br", "gzip"],
        ["deflate", "zstd", "gzip"],
        ["zstd", "zstd"],
        ["gzip", "deflate", "br", "zstd", "gzip"],
    ],
)
def test_stacked_codings_are_undone_last_first(encodings: list[str]) -> None:
    body = encode(encodings, TEXT)
    assert decode_header(", ".join(encodings), split(body, 7)) == TEXT
    decoder = make_content_decoder(encodings)  # one header line per coding
    assert decoder is not None
    assert run(decoder, [body]) == TEXT
    if "zstd" not in encodings[1:]:  # httpx fails on a zstd layer that is not the outermost
        assert httpx_decode(", ".join(encodings), body) == TEXT


def test_too_many_stacked_codings() -> None:
    values = ["gzip"] * (DEFAULT_MAX_ENCODINGS + 1)
    with pytest.raises(
        DecodingError, match=r"6 stacked content codings.*limit of 5.*max_content_encodings"
    ):
        make_content_decoder(values)
    limits = DecodingLimits(max_encodings=6)
    decoder = make_content_decoder(values, limits)
    assert decoder is not None
    assert run(decoder, [encode(values, TEXT)]) == TEXT


def test_unknown_codings_do_not_count_towards_the_limit() -> None:
    assert make_content_decoder(["identity"] * 20 + ["gzip"]) is not None


# Bad and truncated data


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", b"this is not gzip"),
        ("deflate", b"\xff\xff\xff\xff"),
        ("br", b"\xff\xff\xff\xff\xff"),
        ("zstd", b"this is not zstd"),
        ("gzip", gzip.compress(b"abc")[:10] + b"\xff" * 20),
    ],
)
def test_bad_data_raises_decoding_error_naming_the_coding(encoding: str, body: bytes) -> None:
    with pytest.raises(DecodingError, match=f"the {encoding}-encoded response body") as info:
        decode_header(encoding, [body])
    assert info.value.__cause__ is not None
    with pytest.raises(httpx.DecodingError):
        httpx_decode(encoding, body)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_truncated_stream_raises(encoding: str) -> None:
    # Unlike httpx, which returns the part it could decode: a compressed stream cut
    # short must never pass for a complete body.
    body = compress(encoding, TEXT)
    for cut in (1, 5, len(body) // 2, len(body) - 3, len(body) - 1):
        with pytest.raises(DecodingError, match=rf"{encoding}.*incomplete"):
            decode_header(encoding, [body[:cut]])


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_empty_encoded_body_is_not_an_error(encoding: str) -> None:
    # HEAD, 204 and 304 responses carry Content-Encoding without a body.
    assert decode_header(encoding, []) == b""


def test_truncated_zstd_raises() -> None:
    body = compress("zstd", TEXT)
    for cut in (1, 4, len(body) // 2, len(body) - 1):
        with pytest.raises(DecodingError, match=r"zstd.*incomplete"):
            decode_header("zstd", [body[:cut]])
        with pytest.raises(httpx.DecodingError):
            httpx_decode("zstd", body[:cut])


def test_gzip_trailing_garbage_is_ignored() -> None:
    body = gzip.compress(TEXT) + b"\x00\x00garbage"
    assert decode_header("gzip", split(body, 5)) == TEXT == httpx_decode("gzip", body)
    assert decode_header("gzip", [gzip.compress(TEXT) + b"\x1f"]) == TEXT


def test_gzip_members_are_all_decoded() -> None:
    # httpx stops after the first member; gzip tools decode them all.
    members = [gzip.compress(b"first "), gzip.compress(b"second "), gzip.compress(b"third")]
    body = b"".join(members)
    for size in (1, 2, 3, len(body)):
        assert decode_header("gzip", split(body, size)) == b"first second third"
    assert gzip.decompress(body) == b"first second third"
    assert httpx_decode("gzip", body) == b"first "


def test_deflate_trailing_data_is_ignored() -> None:
    body = zlib.compress(TEXT) + b"garbage"
    assert decode_header("deflate", split(body, 100)) == TEXT == httpx_decode("deflate", body)


def test_brotli_trailing_data_is_an_error() -> None:
    body = brotli.compress(b"abc") + b"garbage"
    with pytest.raises(DecodingError, match="br-encoded"):
        decode_header("br", [body])


def test_zstd_frames_are_all_decoded() -> None:
    body = compress("zstd", b"one ") + compress("zstd", b"") + compress("zstd", b"three")
    for cut in range(len(body) + 1):
        assert decode_header("zstd", [body[:cut], body[cut:]]) == b"one three"
    assert httpx_decode("zstd", body) == b"one three"


def test_zstd_skippable_frame() -> None:
    skippable = struct.pack("<II", 0x184D2A50, 4) + b"skip"
    body = skippable + compress("zstd", b"data") + skippable
    assert decode_header("zstd", split(body, 3)) == b"data"


def test_zstd_trailing_garbage_is_an_error() -> None:
    with pytest.raises(DecodingError, match="zstd-encoded"):
        decode_header("zstd", [compress("zstd", b"abc") + b"garbage"])


# Decompression bombs


def gzip_bomb(size: int) -> bytes:
    """A gzip body that expands to ``size`` zero bytes, built without compressing them all.

    A full flush makes each megabyte's compressed form independent, so it can be repeated.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // MiB):
        crc = zlib.crc32(bytes(MiB), crc)
    final = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()  # an empty last block
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + block * (size // MiB) + final + struct.pack("<II", crc, size & 0xFFFFFFFF)


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    size = 200 * MiB
    gz = gzip_bomb(size)
    assert zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(gz[:100_000], 1) == b"\x00"
    zeros = bytes(size)
    compressor = brotli.Compressor(quality=5)
    br = compressor.process(zeros) + compressor.finish()
    return {
        "gzip": gz,
        "deflate": zlib.compress(zeros, 9),
        "br": bytes(br),
        "zstd": bytes(zstandard.ZstdCompressor(level=1).compress(zeros)),
        "gzip, gzip": gzip.compress(gz, 9),
        "gzip, br": bytes(brotli.compress(gz, quality=5)),
    }


def measure(value: str, chunks: list[bytes]) -> tuple[float, int]:
    decoder = make_content_decoder([value])
    assert decoder is not None
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(DecodingError) as info:
            run(decoder, chunks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert "decompression limit of 500:1" in message
    assert "max_decompression_ratio" in message
    assert "ratio_floor" in message
    assert value.split(",")[0] + "-encoded" in message  # the innermost layer tripped
    return time.perf_counter() - started, peak


@pytest.mark.parametrize("value", ["gzip", "deflate", "br", "zstd", "gzip, gzip", "gzip, br"])
@pytest.mark.parametrize("chunk_size", [None, 64 * 1024])
def test_bomb_is_stopped_early_with_little_memory(
    bombs: dict[str, bytes], value: str, chunk_size: int | None
) -> None:
    body = bombs[value]
    assert len(body) < 1 * MiB  # 200 MiB of output from a small body
    chunks = [body] if chunk_size is None else split(body, chunk_size)
    elapsed, peak = measure(value, chunks)
    assert elapsed < 5
    assert peak < DEFAULT_RATIO_FLOOR + 6 * MiB


def test_one_big_chunk_of_a_bomb_never_materialises() -> None:
    # 1 MiB of gzip bomb would be ~1 GiB at once; the check must fire long before.
    body = gzip_bomb(1024 * MiB)[: 1 * MiB]
    _, peak = measure("gzip", [body])
    assert peak < DEFAULT_RATIO_FLOOR + 6 * MiB


def test_limit_can_be_raised_or_turned_off() -> None:
    body = gzip_bomb(20 * MiB)
    for limits in (DecodingLimits(max_ratio=None), DecodingLimits(ratio_floor=32 * MiB)):
        decoder = make_content_decoder(["gzip"], limits)
        assert decoder is not None
        assert len(run(decoder, split(body, 65536))) == 20 * MiB


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_unlimited_decoding_of_large_output(encoding: str) -> None:
    data = bytes(12 * MiB)
    decoder = make_content_decoder([encoding], DecodingLimits(max_ratio=None))
    assert decoder is not None
    assert run(decoder, [compress(encoding, data)]) == data


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_extreme_but_small_bodies_pass_under_the_floor(encoding: str) -> None:
    data = bytes(DEFAULT_RATIO_FLOOR)  # 8 MiB of zeros: far beyond 500:1, but small
    assert decode_header(encoding, [compress(encoding, data)]) == data


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_large_realistic_body_passes(encoding: str) -> None:
    rows = b"".join(
        b'{"id":%d,"name":"user %d","active":true,"score":%d},' % (i, i * 7, i % 97)
        for i in range(300_000)
    )
    assert len(rows) > 2 * DEFAULT_RATIO_FLOOR
    assert decode_header(encoding, split(compress(encoding, rows), 65536)) == rows


def test_ratio_is_checked_on_every_layer_against_the_whole_body() -> None:
    # The inner zstd layer sees only skippable frames (no output), but the gzip layer
    # feeding it expands past the limit: it is stopped all the same.
    skippable = struct.pack("<II", 0x184D2A50, 16 * MiB) + bytes(16 * MiB)
    body = gzip.compress(skippable)
    with pytest.raises(DecodingError, match="gzip-encoded"):
        decode_header("zstd, gzip", [body])
    assert decode_header("zstd, gzip", [body], max_ratio=None) == b""


def test_decoding_limits_defaults_and_validation() -> None:
    limits = DecodingLimits(
        max_ratio=DEFAULT_MAX_RATIO,
        ratio_floor=DEFAULT_RATIO_FLOOR,
        max_encodings=DEFAULT_MAX_ENCODINGS,
    )
    assert limits == DEFAULT_DECODING_LIMITS
    assert limits.max_ratio == 500
    assert limits.ratio_floor == 8 * MiB
    assert limits.max_encodings == 5
    with pytest.raises(ValueError, match="max_ratio"):
        DecodingLimits(max_ratio=0)
    with pytest.raises(ValueError, match="ratio_floor"):
        DecodingLimits(ratio_floor=-1)
    with pytest.raises(ValueError, match="max_encodings"):
        DecodingLimits(max_encodings=0)


def test_single_decoders_take_limits() -> None:
    tight = DecodingLimits(max_ratio=2, ratio_floor=0)
    for cls in (GZipDecoder, DeflateDecoder, BrotliDecoder, ZStandardDecoder):
        encoding = cls.encoding
        decoder = cls(tight)
        with pytest.raises(DecodingError, match=f"{encoding}-encoded.*2:1"):
            run(decoder, [compress(encoding, bytes(1000))])
        assert run(cls(), [compress(encoding, bytes(1000))]) == bytes(1000)


# Optional libraries


@pytest.fixture
def fresh_library_lookup() -> Iterator[None]:
    caches = (_decoders._brotli, _decoders._zstandard, accept_encoding)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def test_accept_encoding_lists_what_can_be_decoded(fresh_library_lookup: None) -> None:
    assert accept_encoding() == "gzip, deflate, br, zstd"
    with httpx.Client() as client:
        assert client.headers["Accept-Encoding"] == accept_encoding()


def test_without_optional_libraries(
    fresh_library_lookup: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "brotli", None)
    monkeypatch.setitem(sys.modules, "brotlicffi", None)
    monkeypatch.setitem(sys.modules, "zstandard", None)
    assert accept_encoding() == "gzip, deflate"
    # Codings that cannot be decoded pass through untouched, as in httpx.
    assert make_content_decoder(["br"]) is None
    assert make_content_decoder(["zstd, gzip"]).__class__ is GZipDecoder
    with pytest.raises(ImportError, match=r"darter\[brotli\]"):
        BrotliDecoder()
    with pytest.raises(ImportError, match=r"darter\[zstd\]"):
        ZStandardDecoder()


def test_brotli_needs_a_bounded_decompressor(
    fresh_library_lookup: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = types.ModuleType("brotli")
    old.Decompressor = type("Decompressor", (), {})  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "brotli", old)
    monkeypatch.setitem(sys.modules, "brotlicffi", None)
    assert _decoders._brotli() is None
    assert "br" not in accept_encoding()


def test_brotlicffi_is_used_when_brotli_is_missing(
    fresh_library_lookup: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cffi = types.ModuleType("brotlicffi")
    cffi.Decompressor = brotli.Decompressor  # type: ignore[attr-defined]
    cffi.error = brotli.error  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "brotli", None)
    monkeypatch.setitem(sys.modules, "brotlicffi", cffi)
    assert _decoders._brotli() is cffi
    assert decode_header("br", [compress("br", TEXT)]) == TEXT


# Re-chunking


@pytest.mark.parametrize("cls", [ByteChunker, TextChunker])
def test_chunker_rejects_bad_sizes(cls: type[ByteChunker] | type[TextChunker]) -> None:
    for size in (0, -1):
        with pytest.raises(ValueError, match="chunk_size"):
            cls(size)


def test_byte_chunker_matches_httpx() -> None:
    chunker = ByteChunker(3)
    out = [
        *chunker.decode(b"ab"),
        *chunker.decode(b"cdefg"),
        *chunker.decode(b""),
        *chunker.flush(),
    ]
    assert out == [b"abc", b"def", b"g"]
    expected = list(httpx.Response(200, content=iter([b"ab", b"cdefg", b""])).iter_bytes(3))
    assert out == expected


def test_chunker_pass_through_drops_empty_chunks() -> None:
    chunker = TextChunker()
    assert chunker.decode("") == []
    assert chunker.decode("abc") == ["abc"]
    assert chunker.flush() == []


@settings(max_examples=200)
@given(chunks=st.lists(st.binary(max_size=20), max_size=10), size=st.integers(1, 8))
def test_byte_chunker_property(chunks: list[bytes], size: int) -> None:
    chunker = ByteChunker(size)
    out = [piece for chunk in chunks for piece in chunker.decode(chunk)] + chunker.flush()
    assert b"".join(out) == b"".join(chunks)
    assert all(len(piece) == size for piece in out[:-1])
    assert all(0 < len(piece) <= size for piece in out)


@settings(max_examples=100)
@given(chunks=st.lists(st.text(max_size=20), max_size=10), size=st.integers(1, 8))
def test_text_chunker_property(chunks: list[str], size: int) -> None:
    chunker = TextChunker(size)
    out = [piece for chunk in chunks for piece in chunker.decode(chunk)] + chunker.flush()
    assert "".join(out) == "".join(chunks)
    assert all(len(piece) == size for piece in out[:-1])


# Text


def test_text_decoder_joins_split_characters() -> None:
    decoder = TextDecoder("utf-8")
    assert decoder.decode(b"caf\xc3") == "caf"
    assert decoder.decode(b"\xa9!") == "\xe9!"
    assert decoder.flush() == ""


def test_text_decoder_replaces_bad_bytes() -> None:
    decoder = TextDecoder()
    assert decoder.decode(b"a\xffb") == "a\ufffdb"
    assert decoder.decode(b"\xc3") == ""
    assert decoder.flush() == "\ufffd"
    assert TextDecoder("latin-1").decode(b"\xe9") == "\xe9"


def test_text_decoder_unknown_encoding() -> None:
    with pytest.raises(LookupError):
        TextDecoder("no-such-encoding")


def lines_of(chunks: Sequence[str]) -> list[str]:
    decoder = LineDecoder()
    return [line for chunk in chunks for line in decoder.decode(chunk)] + decoder.flush()


def httpx_lines(chunks: Sequence[str]) -> list[str]:
    content = iter([chunk.encode("utf-8") for chunk in chunks])
    return list(httpx.Response(200, content=content).iter_lines())


@pytest.mark.parametrize(
    "chunks",
    [
        ["a\r", "\nb"],
        ["a\r", "b"],
        ["a\r"],
        ["a\r", "", "\nb"],
        ["\r", "\r", "\n"],
        ["\r"],
        ["a\n\n"],
        ["abc", "def\n", "ghi"],
        ["a\x0bb\x0cc\x1cd\x1de\x1ef\x85g\u2028h\u2029i"],
        ["", "a", ""],
        ["\n"],
        [],
        ["a\n\r", "x"],
        ["long ", "line ", "in ", "pieces\r\n", "next"],
    ],
)
def test_line_decoder_cases_match_httpx(chunks: list[str]) -> None:
    text = "".join(chunks)
    assert lines_of(chunks) == text.splitlines() == httpx_lines(chunks)


@settings(max_examples=500)
@given(st.lists(st.text(st.sampled_from(list("ab \r\n\x0b\x85\u2028")), max_size=8), max_size=8))
def test_line_decoder_is_splitlines_across_any_chunking(chunks: list[str]) -> None:
    assert lines_of(chunks) == "".join(chunks).splitlines()


# The iter_bytes pipeline


def test_body_decoder_without_coding_passes_chunks_through() -> None:
    body = BodyDecoder([])
    chunk = b"abc"
    assert body.decode(chunk)[0] is chunk
    assert body.decode(b"") == []
    assert body.flush() == []


def test_body_decoder_decodes_and_rechunks() -> None:
    payload = compress("gzip", TEXT)
    assert len(TEXT) == 9000
    body = BodyDecoder(["gzip"], 1000)
    out = [piece for raw in split(payload, 10) for piece in body.decode(raw)] + body.flush()
    assert b"".join(out) == TEXT
    assert [len(piece) for piece in out] == [1000] * 9
    response = httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=iter([payload]))
    assert list(response.iter_bytes(1000)) == out


def test_body_decoder_flushes_the_decoder_tail() -> None:
    class Tail(IdentityDecoder):
        def flush(self) -> bytes:
            return b"tail"

    body = BodyDecoder(["gzip"], 3)
    body._decoder = Tail()
    assert body.decode(b"ab") == []
    assert body.flush() == [b"abt", b"ail"]


def test_body_decoder_limits() -> None:
    with pytest.raises(DecodingError, match="max_content_encodings"):
        BodyDecoder(["gzip"] * 2, limits=DecodingLimits(max_encodings=1))
    body = BodyDecoder(["gzip"], limits=DecodingLimits(max_ratio=1, ratio_floor=0))
    with pytest.raises(DecodingError, match="1:1"):
        body.decode(compress("gzip", bytes(10000)))


def test_codec_decoders_share_one_interface() -> None:
    for cls in (GZipDecoder, DeflateDecoder, BrotliDecoder, ZStandardDecoder):
        assert issubclass(cls, CodecDecoder)
        assert cls.is_available()


def test_decoding_limits_are_values() -> None:
    import pickle

    limits = DecodingLimits(max_ratio=None, max_size=10)
    assert limits == DecodingLimits(max_ratio=None, max_size=10) != DecodingLimits()
    assert hash(limits) == hash(DecodingLimits(max_ratio=None, max_size=10))
    assert pickle.loads(pickle.dumps(limits)) == limits
    assert "max_size=10" in repr(limits)
    with pytest.raises(AttributeError):
        limits.max_size = 5  # type: ignore[misc]
