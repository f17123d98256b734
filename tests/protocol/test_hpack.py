"""The HPACK header-block decoder: RFC 7541's examples, ``hpack``'s encoder as an
oracle for random lists, and every way a block can be malformed."""

from __future__ import annotations

import hpack
import pytest
from hpack import NeverIndexedHeaderTuple
from hpack.exceptions import (
    HPACKDecodingError,
    InvalidTableIndex,
    InvalidTableSizeError,
    OversizedHeaderListError,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from darter._protocol._hpack import HeaderBlockDecoder, HeaderBlockEncoder

#: A dynamic table size update to 256 bytes (RFC 7541 §6.3), as the examples use.
SIZE_256 = bytes.fromhex("3fe101")
DATE_1 = b"Mon, 21 Oct 2013 20:13:21 GMT"
DATE_2 = b"Mon, 21 Oct 2013 20:13:22 GMT"
LOCATION = b"https://www.example.com"


def test_request_examples_with_huffman_share_the_dynamic_table() -> None:
    # RFC 7541 C.4: three requests on one connection.
    decoder = HeaderBlockDecoder()
    first = decoder.decode(bytes.fromhex("828684418cf1e3c2e5f23a6ba0ab90f4ff"))
    assert first == [
        (b":method", b"GET"),
        (b":scheme", b"http"),
        (b":path", b"/"),
        (b":authority", b"www.example.com"),
    ]
    second = decoder.decode(bytes.fromhex("828684be5886a8eb10649cbf"))
    assert second == [*first, (b"cache-control", b"no-cache")]
    third = decoder.decode(bytes.fromhex("828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf"))
    assert third == [
        (b":method", b"GET"),
        (b":scheme", b"https"),
        (b":path", b"/index.html"),
        (b":authority", b"www.example.com"),
        (b"custom-key", b"custom-value"),
    ]


def test_response_examples_evict_the_oldest_entries() -> None:
    # RFC 7541 C.6: responses with a 256-byte table, entries evicted as it fills.
    decoder = HeaderBlockDecoder()
    decoder.max_allowed_table_size = 256
    first = decoder.decode(
        SIZE_256
        + bytes.fromhex(
            "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff"
            "6e919d29ad171863c78f0b97c8e9ae82ae43d3"
        )
    )
    assert first == [
        (b":status", b"302"),
        (b"cache-control", b"private"),
        (b"date", DATE_1),
        (b"location", LOCATION),
    ]
    assert decoder.header_table_size == 256
    second = decoder.decode(bytes.fromhex("4883640effc1c0bf"))
    assert second == [(b":status", b"307"), *first[1:]]
    third = decoder.decode(
        bytes.fromhex(
            "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7"
            "821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed"
            "4ee5b1063d5007"
        )
    )
    assert third == [
        (b":status", b"200"),
        (b"cache-control", b"private"),
        (b"date", DATE_2),
        (b"location", LOCATION),
        (b"content-encoding", b"gzip"),
        (b"set-cookie", b"foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"),
    ]
    # Only the three newest entries fit: the old ":status 307" (62 + 3) is gone.
    with pytest.raises(InvalidTableIndex):
        decoder.decode(bytes.fromhex("c2"))


_token = st.binary(min_size=1, max_size=12).map(lambda b: bytes(c % 26 + 97 for c in b))
_headers = st.lists(
    st.tuples(
        st.one_of(_token, st.sampled_from([b"content-type", b"date", b"server", b":status"])),
        st.binary(max_size=40),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(blocks=st.lists(_headers, min_size=1, max_size=5), huffman=st.booleans())
def test_blocks_from_hpack_encoder_decode_to_what_was_encoded(
    blocks: list[list[tuple[bytes, bytes]]], huffman: bool
) -> None:
    encoder = hpack.Encoder()
    decoder = HeaderBlockDecoder()
    for block in blocks:
        assert decoder.decode(encoder.encode(block, huffman=huffman)) == block


def test_a_repeated_huffman_string_decodes_the_same_every_time() -> None:
    block = hpack.Encoder().encode([(b"server", b"nginx/1.22.1")], huffman=True)
    decoder = HeaderBlockDecoder()
    assert decoder.decode(block) == decoder.decode(memoryview(block))


@pytest.mark.parametrize(
    ("block", "error"),
    [
        pytest.param("80", InvalidTableIndex, id="index-zero"),
        pytest.param("be", InvalidTableIndex, id="index-past-empty-dynamic-table"),
        pytest.param("7f00", InvalidTableIndex, id="literal-name-index-past-table"),
        pytest.param("3fe21f", InvalidTableSizeError, id="table-larger-than-allowed"),
        pytest.param("8220", HPACKDecodingError, id="size-update-after-a-field"),
        pytest.param("0003616263", HPACKDecodingError, id="truncated-value"),
        pytest.param("000a61", HPACKDecodingError, id="truncated-name"),
        pytest.param("ff", HPACKDecodingError, id="truncated-integer"),
        pytest.param("ff8080808001", HPACKDecodingError, id="integer-too-long"),
        pytest.param("0081000161", HPACKDecodingError, id="huffman-padding-not-ones"),
        pytest.param("0084ffffffff0161", HPACKDecodingError, id="huffman-eos-symbol"),
    ],
)
def test_malformed_blocks_raise_hpack_errors(block: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        HeaderBlockDecoder().decode(bytes.fromhex(block))


def test_a_header_list_over_the_limit_is_refused() -> None:
    decoder = HeaderBlockDecoder(max_header_list_size=100)
    fits = [(b"a" * 30, b"b" * 30)]  # 30 + 30 + 32 = 92 bytes
    assert decoder.decode(hpack.Encoder().encode(fits)) == fits
    with pytest.raises(OversizedHeaderListError):
        decoder.decode(hpack.Encoder().encode([(b"a" * 30, b"b" * 40)]))


def test_an_entry_larger_than_the_table_empties_it() -> None:
    decoder = HeaderBlockDecoder()
    decoder.max_allowed_table_size = 100
    # Table size 100; add "a: b" (34 bytes), then a 70-byte value entry (103 bytes).
    assert decoder.decode(bytes.fromhex("3f45") + b"\x40\x01a\x01b") == [(b"a", b"b")]
    assert decoder.decode(b"\xbe") == [(b"a", b"b")]
    big = b"\x40\x01c\x46" + b"v" * 70
    assert decoder.decode(big) == [(b"c", b"v" * 70)]
    with pytest.raises(InvalidTableIndex):
        decoder.decode(b"\xbe")


_fields = st.lists(
    st.tuples(
        st.one_of(
            _token,
            st.sampled_from([b":method", b":path", b":authority", b"accept", b"cookie"]),
        ),
        st.one_of(st.binary(max_size=40), st.sampled_from([b"GET", b"/", b"*/*"])),
    ).map(lambda field: field if field[0] != b"cookie" else NeverIndexedHeaderTuple(*field)),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(
    blocks=st.lists(_fields, min_size=1, max_size=6),
    table_sizes=st.lists(st.sampled_from([None, 0, 64, 256, 4096, 65536]), min_size=6, max_size=6),
)
def test_blocks_from_our_encoder_decode_with_hpack_and_with_ours(
    blocks: list[list[tuple[bytes, bytes]]], table_sizes: list[int | None]
) -> None:
    encoder = HeaderBlockEncoder()
    oracle = hpack.Decoder()
    ours = HeaderBlockDecoder()
    for block, table_size in zip(blocks, table_sizes, strict=False):
        if table_size is not None:
            encoder.header_table_size = table_size
        encoded = encoder.encode(block)
        assert [tuple(field) for field in oracle.decode(encoded, raw=True)] == block
        assert ours.decode(encoded) == block


def test_the_encoder_refers_to_repeated_fields_by_index() -> None:
    encoder = HeaderBlockEncoder()
    fields = [(b":method", b"GET"), (b":authority", b"example.com"), (b"user-agent", b"darter")]
    first = encoder.encode(fields)
    second = encoder.encode(fields)
    # GET is in the static table (index 2); the two others were added to the
    # dynamic table by the first block (newest first: 62, 63).
    assert second == bytes((0x82, 0x80 | 63, 0x80 | 62))
    assert len(first) > len(second)


def test_paths_and_never_indexed_fields_stay_out_of_the_table() -> None:
    encoder = HeaderBlockEncoder()
    fields = [(b":path", b"/a"), NeverIndexedHeaderTuple(b"authorization", b"secret")]
    first = encoder.encode(fields)
    assert encoder.encode(fields) == first
    assert first[0] == 0x04  # literal without indexing, name :path (index 4)
    assert (
        first[4] == 0x1F
    )  # after "/a" (3 bytes): never indexed, name authorization (index 23 = 15 + 8)


def test_a_smaller_table_size_is_announced_at_the_start_of_the_next_block() -> None:
    encoder = HeaderBlockEncoder()
    encoder.encode([(b"x-a", b"1")])
    encoder.header_table_size = 0
    assert encoder.header_table_size == 0
    block = encoder.encode([(b"x-a", b"1")])
    assert block[0] == 0x20  # size update to 0
    assert hpack.Decoder().decode(block, raw=True) == [(b"x-a", b"1")]
