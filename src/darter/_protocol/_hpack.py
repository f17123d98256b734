"""HPACK (RFC 7541) header-block coding for the HTTP/2 client machine.

``h2`` codes header blocks with ``hpack.Encoder`` and ``hpack.Decoder``; the
machine puts ``HeaderBlockEncoder`` and ``HeaderBlockDecoder`` in their place
(``H2Connection.encoder`` and ``.decoder``), with the same interface as far as
``h2`` uses it: ``encode(fields)`` and ``header_table_size``; ``decode(block,
raw=True)``, ``max_header_list_size`` and ``max_allowed_table_size``, raising
``hpack``'s exceptions, which ``h2`` turns into connection errors. The Huffman
code itself and the static table are ``hpack``'s.

Why our own: coding the heads was the largest single cost of an HTTP/2 request.
The same strings come back request after request, and Huffman coding in Python
costs a loop step per byte (encoding) or per four bits (decoding). Here a coded
string is kept in a small process-wide table keyed by its input, so a repeated
string costs one dictionary lookup; blocks are walked with offsets, without
slicing the rest of a block at every field; the encoder finds a field in its
dynamic table with one dictionary lookup.

Encoder decisions:

* Fields that are in the static table are sent as an index; others are sent as
  a literal with incremental indexing, so that the next request refers to them by
  index, except: ``:path`` (it changes from request to request and would push the
  fields that repeat out of the table), fields marked never-indexed
  (``hpack.NeverIndexedHeaderTuple``: credentials, short cookies) and fields
  larger than half the table.
* A string is Huffman-coded when that is shorter (RFC 7541 §5.2).
* When the server changes SETTINGS_HEADER_TABLE_SIZE, the table shrinks at once
  and the next block starts with a dynamic table size update (§4.2). The table
  never grows beyond the 4,096 bytes every peer allows by default.

Decoder decisions:

* Integers are at most ``_MAX_INTEGER_OCTETS`` continuation bytes long, enough for
  any size or index this decoder accepts, so a run of 0x80 bytes cannot make it
  build a huge number.
* A dynamic table size update is accepted only at the start of a block
  (RFC 7541 §4.2) and up to ``max_allowed_table_size`` (§6.3).
* The decoded list is bounded by ``max_header_list_size`` as SETTINGS count it
  (name + value + 32 per field, RFC 9113 §6.5.2), checked as fields are decoded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Final

from hpack import NeverIndexedHeaderTuple
from hpack.exceptions import (
    HPACKDecodingError,
    InvalidTableIndex,
    InvalidTableSizeError,
    OversizedHeaderListError,
)
from hpack.huffman import HuffmanEncoder
from hpack.huffman_constants import REQUEST_CODES, REQUEST_CODES_LENGTH
from hpack.huffman_table import decode_huffman
from hpack.table import HeaderTable

__all__ = ["HeaderBlockDecoder", "HeaderBlockEncoder"]

#: (name, value) pairs of the static table (RFC 7541 Appendix A), index 1 first.
_STATIC: Final[tuple[tuple[bytes, bytes], ...]] = HeaderTable.STATIC_TABLE
_STATIC_SIZE: Final = len(_STATIC)
#: Overhead counted per table entry and per header list field (RFC 7541 §4.1).
_ENTRY_OVERHEAD: Final = 32
_DEFAULT_TABLE_SIZE: Final = 4_096
#: Continuation octets of an integer: 2**28 - 1 and more is never a valid value here.
_MAX_INTEGER_OCTETS: Final = 4

#: Huffman-decoded strings by their encoded bytes, shared by every connection.
_HUFFMAN_CACHE: dict[bytes, bytes] = {}
_HUFFMAN_CACHE_ENTRIES: Final = 1_024
#: Longer strings are decoded every time (they are rarely repeated, and keeping
#: them would let a server grow the table's memory).
_HUFFMAN_CACHE_MAX_LENGTH: Final = 96


#: Fields of the static table by (name, value), and the first index of each name.
_STATIC_FIELDS: Final = {field: index for index, field in reversed(list(enumerate(_STATIC, 1)))}
_STATIC_NAMES: Final = {name: index for index, (name, _) in reversed(list(enumerate(_STATIC, 1)))}
#: Coded string literals (length prefix included) by the string, for the encoder.
_LITERAL_CACHE: dict[bytes, bytes] = {}
_huffman_encode: Final = HuffmanEncoder(REQUEST_CODES, REQUEST_CODES_LENGTH).encode


def _cached(cache: dict[bytes, bytes], key: bytes, value: bytes) -> bytes:
    """Keep ``value`` under ``key`` if it is short; the table is emptied when full."""
    if len(key) <= _HUFFMAN_CACHE_MAX_LENGTH:
        if len(cache) >= _HUFFMAN_CACHE_ENTRIES:
            cache.clear()
        cache[key] = value
    return value


def _huffman(encoded: bytes) -> bytes:
    decoded = _HUFFMAN_CACHE.get(encoded)
    if decoded is None:
        decoded = _cached(_HUFFMAN_CACHE, encoded, decode_huffman(encoded))
    return decoded


def _literal(string: bytes) -> bytes:
    """The string literal (RFC 7541 §5.2) of ``string``: Huffman-coded if shorter."""
    coded = _LITERAL_CACHE.get(string)
    if coded is None:
        huffman = _huffman_encode(string)
        if len(huffman) < len(string):
            coded = _integer_bytes(len(huffman), 7, 0x80) + huffman
        else:
            coded = _integer_bytes(len(string), 7, 0) + string
        _cached(_LITERAL_CACHE, string, coded)
    return coded


def _integer_bytes(value: int, prefix: int, flags: int) -> bytes:
    """``value`` as an integer with a ``prefix``-bit prefix (RFC 7541 §5.1), the
    first byte's other bits set to ``flags``."""
    mask = (1 << prefix) - 1
    if value < mask:
        return bytes((flags | value,))
    out = bytearray((flags | mask,))
    value -= mask
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


class HeaderBlockEncoder:
    """Encodes the header blocks of one connection (it owns its dynamic table).

    Set ``header_table_size`` to the server's SETTINGS_HEADER_TABLE_SIZE.
    """

    __slots__ = ("_entries", "_inserted", "_limit", "_numbers", "_pending_update", "_size")

    def __init__(self) -> None:
        self._limit = _DEFAULT_TABLE_SIZE
        #: The dynamic table, oldest first, with each entry's insertion number.
        self._entries: deque[tuple[tuple[bytes, bytes], int]] = deque()
        self._numbers: dict[tuple[bytes, bytes], int] = {}
        self._inserted = 0
        self._size = 0
        self._pending_update = False

    @property
    def header_table_size(self) -> int:
        """The size of the dynamic table in use."""
        return self._limit

    @header_table_size.setter
    def header_table_size(self, size: int) -> None:
        size = min(size, _DEFAULT_TABLE_SIZE)
        if size != self._limit:
            self._limit = size
            self._pending_update = True
            self._make_room(0)

    def encode(self, fields: Iterable[tuple[bytes, bytes]], huffman: bool = True) -> bytes:
        """Encode one header block. ``huffman`` is accepted for ``hpack``
        compatibility: a string is Huffman-coded whenever that is shorter."""
        out: list[bytes] = []
        if self._pending_update:
            self._pending_update = False
            out.append(_integer_bytes(self._limit, 5, 0x20))
        numbers = self._numbers
        for field in fields:
            key = (field[0], field[1])
            index = _STATIC_FIELDS.get(key)
            if index is not None:
                out.append(_integer_bytes(index, 7, 0x80))
                continue
            number = numbers.get(key)
            if number is not None:
                out.append(_integer_bytes(_STATIC_SIZE + 1 + self._inserted - number, 7, 0x80))
                continue
            name, value = key
            size = len(name) + len(value) + _ENTRY_OVERHEAD
            if isinstance(field, NeverIndexedHeaderTuple):
                prefix, flags = 4, 0x10
            elif name == b":path" or size > self._limit // 2:
                prefix, flags = 4, 0x00
            else:
                prefix, flags = 6, 0x40
                self._add(key, size)
            name_index = _STATIC_NAMES.get(name)
            if name_index is None:
                out.append(bytes((flags,)))
                out.append(_literal(name))
            else:
                out.append(_integer_bytes(name_index, prefix, flags))
            out.append(_literal(value))
        return b"".join(out)

    def _add(self, key: tuple[bytes, bytes], size: int) -> None:
        self._make_room(size)
        self._inserted += 1
        self._entries.append((key, self._inserted))
        self._numbers[key] = self._inserted
        self._size += size

    def _make_room(self, size: int) -> None:
        entries = self._entries
        while entries and self._size + size > self._limit:
            (name, value), number = entries.popleft()
            self._size -= len(name) + len(value) + _ENTRY_OVERHEAD
            if self._numbers.get((name, value)) == number:
                del self._numbers[(name, value)]


class HeaderBlockDecoder:
    """Decodes the header blocks of one connection (it owns its dynamic table).

    ``max_allowed_table_size`` is the SETTINGS_HEADER_TABLE_SIZE we announced:
    the largest dynamic table the server may ask for. ``max_header_list_size``
    bounds a decoded block.
    """

    __slots__ = (
        "_entries",
        "_size",
        "_table_size",
        "max_allowed_table_size",
        "max_header_list_size",
    )

    def __init__(self, max_header_list_size: int = 65_536) -> None:
        self.max_header_list_size = max_header_list_size
        self.max_allowed_table_size = _DEFAULT_TABLE_SIZE
        self._table_size = _DEFAULT_TABLE_SIZE
        #: The dynamic table, oldest first: index 62 is the last entry.
        self._entries: list[tuple[bytes, bytes]] = []
        self._size = 0

    @property
    def header_table_size(self) -> int:
        """The dynamic table's current maximum size, as the server last set it."""
        return self._table_size

    def decode(self, block: bytes | memoryview, raw: bool = True) -> list[tuple[bytes, bytes]]:
        """Decode one complete header block into ``(name, value)`` byte pairs.

        ``raw`` is accepted for ``hpack`` compatibility; names and values are always
        bytes. Raises ``HPACKDecodingError`` (or a subclass: ``InvalidTableIndex``,
        ``InvalidTableSizeError``, ``OversizedHeaderListError``) if the block is
        malformed or too large; the connection cannot go on after that.
        """
        data = block if isinstance(block, bytes) else bytes(block)
        end = len(data)
        pos = 0
        fields: list[tuple[bytes, bytes]] = []
        list_size = 0
        limit = self.max_header_list_size
        first = True
        while pos < end:
            byte = data[pos]
            if byte & 0x80:  # indexed field (§6.1)
                index, pos = _integer(data, pos, 7)
                field = self._field(index)
            elif byte & 0x40:  # literal with incremental indexing (§6.2.1)
                field, pos = self._literal(data, pos, 6)
                self._add(field)
            elif byte & 0x20:  # dynamic table size update (§6.3)
                if not first:
                    raise HPACKDecodingError(
                        "A dynamic table size update came after the first field of a block."
                    )
                size, pos = _integer(data, pos, 5)
                if size > self.max_allowed_table_size:
                    raise InvalidTableSizeError(
                        f"The server asked for a {size}-byte table, more than the "
                        f"{self.max_allowed_table_size} allowed."
                    )
                self._table_size = size
                self._evict(0)
                continue
            else:  # literal without indexing or never indexed (§6.2.2, §6.2.3)
                field, pos = self._literal(data, pos, 4)
            first = False
            list_size += len(field[0]) + len(field[1]) + _ENTRY_OVERHEAD
            if list_size > limit:
                raise OversizedHeaderListError(
                    f"A header list larger than {limit} bytes was received."
                )
            fields.append(field)
        return fields

    def _field(self, index: int) -> tuple[bytes, bytes]:
        if 0 < index <= _STATIC_SIZE:
            return _STATIC[index - 1]
        position = len(self._entries) - (index - _STATIC_SIZE)
        if index > _STATIC_SIZE and position >= 0:
            return self._entries[position]
        raise InvalidTableIndex(f"Invalid HPACK table index {index}.")

    def _literal(self, data: bytes, pos: int, prefix: int) -> tuple[tuple[bytes, bytes], int]:
        index, pos = _integer(data, pos, prefix)
        if index:
            name = self._field(index)[0]
        else:
            name, pos = _string(data, pos)
        value, pos = _string(data, pos)
        return (name, value), pos

    def _add(self, field: tuple[bytes, bytes]) -> None:
        size = len(field[0]) + len(field[1]) + _ENTRY_OVERHEAD
        if size > self._table_size:  # empties the table, is not added (§4.4)
            self._entries.clear()
            self._size = 0
            return
        self._evict(size)
        self._entries.append(field)
        self._size += size

    def _evict(self, room: int) -> None:
        """Drop the oldest entries until ``room`` more bytes fit the table size."""
        entries = self._entries
        dropped = 0
        while self._size + room > self._table_size and dropped < len(entries):
            name, value = entries[dropped]
            self._size -= len(name) + len(value) + _ENTRY_OVERHEAD
            dropped += 1
        if dropped:
            del entries[:dropped]


def _integer(data: bytes, pos: int, prefix: int) -> tuple[int, int]:
    """Decode the integer whose prefix is in ``data[pos]`` (RFC 7541 §5.1); return
    it and the position after it."""
    mask = (1 << prefix) - 1
    value = data[pos] & mask
    pos += 1
    if value < mask:
        return value, pos
    shift = 0
    stop = min(pos + _MAX_INTEGER_OCTETS, len(data))
    while pos < stop:
        byte = data[pos]
        pos += 1
        value += (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise HPACKDecodingError("Truncated or oversized HPACK integer.")


def _string(data: bytes, pos: int) -> tuple[bytes, int]:
    """Decode the string literal at ``pos`` (RFC 7541 §5.2); return it and the
    position after it."""
    if pos >= len(data):
        raise HPACKDecodingError("Truncated header block: a field has no value.")
    huffman = data[pos] & 0x80
    length, pos = _integer(data, pos, 7)
    end = pos + length
    if end > len(data):
        raise HPACKDecodingError("Truncated header block: a string runs past its end.")
    raw = data[pos:end]
    return (_huffman(raw) if huffman and raw else raw), end
