"""An HPACK header-block decoder (RFC 7541) for the HTTP/2 client machine.

``h2`` decodes header blocks with ``hpack.Decoder``; the machine puts this one in
its place (``H2Connection.decoder``), with the same interface as far as ``h2``
uses it: ``decode(block, raw=True)``, ``max_header_list_size`` and
``max_allowed_table_size``, raising ``hpack``'s exceptions, which ``h2`` turns into
connection errors.

Why a decoder of our own: decoding the response heads was the largest single cost
of an HTTP/2 request. Servers send the same strings again and again (nginx, for
one, sends every field as a Huffman-coded literal without indexing), and Huffman
decoding in Python costs a loop step per four bits. Here a decoded string is kept
in a small process-wide table keyed by its encoded bytes, so a repeated string
costs one dictionary lookup; the block is walked with offsets into one ``bytes``
object, without slicing the rest of it at every field.

Decisions:

* Integers are at most ``_MAX_INTEGER_OCTETS`` continuation bytes long, enough for
  any size or index this decoder accepts, so a run of 0x80 bytes cannot make it
  build a huge number.
* A dynamic table size update is accepted only at the start of a block
  (RFC 7541 §4.2) and up to ``max_allowed_table_size`` (§6.3).
* The decoded list is bounded by ``max_header_list_size`` as SETTINGS count it
  (name + value + 32 per field, RFC 9113 §6.5.2), checked as fields are decoded.
"""

from __future__ import annotations

from typing import Final

from hpack.exceptions import (
    HPACKDecodingError,
    InvalidTableIndex,
    InvalidTableSizeError,
    OversizedHeaderListError,
)
from hpack.huffman_table import decode_huffman
from hpack.table import HeaderTable

__all__ = ["HeaderBlockDecoder"]

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


def _huffman(encoded: bytes) -> bytes:
    decoded = _HUFFMAN_CACHE.get(encoded)
    if decoded is None:
        decoded = decode_huffman(encoded)
        if len(encoded) <= _HUFFMAN_CACHE_MAX_LENGTH:
            if len(_HUFFMAN_CACHE) >= _HUFFMAN_CACHE_ENTRIES:
                _HUFFMAN_CACHE.clear()
            _HUFFMAN_CACHE[encoded] = decoded
    return decoded


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
