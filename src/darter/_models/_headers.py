"""``Headers``: a case-insensitive multi-dict of HTTP fields that keeps the raw bytes.

Fields are stored as a list of ``(name as given, name lower-cased, value)`` byte
triples, in order, so that what is sent on the wire is exactly what the user gave,
lookups need no re-normalisation, and parsed responses can hand their list over
without a copy. Text views decode with ``Headers.encoding``, detected lazily.

Differences from httpx, on purpose: ``headers[name] = text`` with non-ASCII text,
on headers without an explicit encoding, stores UTF-8 (ISO-8859-1 if the fields
already are) where httpx may raise or store bytes that read back differently; and
``Headers(other)`` and ``copy()`` keep ``other``'s encoding, explicit or detected.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping, MutableMapping, ValuesView
from typing import Any

from .._exceptions import LocalProtocolError
from .._types import HeaderTypes

__all__ = ["Headers", "HeaderEncodingError"]

Field = tuple[bytes, bytes, bytes]

# Lower-cased lookup keys of the header names asked for (a small, bounded cache:
# programs ask for the same few names all the time).
_LOOKUP_KEYS: dict[str, bytes] = {}
_LOOKUP_KEYS_SIZE = 256

#: Header names whose values ``repr()`` hides.
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization"})


class HeaderEncodingError(LocalProtocolError, UnicodeEncodeError):
    """A header name or value given as ``str`` cannot be encoded (non-ASCII text).

    It is both a ``LocalProtocolError`` and the ``UnicodeEncodeError`` that caused it,
    so code written for either keeps working.
    """

    def __init__(self, cause: UnicodeEncodeError, what: str) -> None:
        UnicodeEncodeError.__init__(
            self, cause.encoding, cause.object, cause.start, cause.end, cause.reason
        )
        self._request = None
        self._what = what

    def __str__(self) -> str:
        return (
            f"Header {self._what} {self.object!r} contains non-{self.encoding} text "
            f"at position {self.start}. Pass the value as bytes, or create the Headers "
            f"with an explicit encoding, e.g. Headers(..., encoding='utf-8')."
        )


def encode_header_name(key: str | bytes, encoding: str | None = None) -> bytes:
    """Return a header name as bytes; ``HeaderEncodingError`` for non-encodable text."""
    if isinstance(key, bytes):
        return key
    if not isinstance(key, str):
        raise TypeError(f"Header name must be str or bytes, not {type(key)}")
    try:
        return key.encode(encoding or "ascii")
    except UnicodeEncodeError as exc:
        raise HeaderEncodingError(exc, "name") from None


def encode_header_value(value: str | bytes, encoding: str | None = None) -> bytes:
    """Return a header value as bytes; ``HeaderEncodingError`` for non-encodable text."""
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise TypeError(f"Header value must be str or bytes, not {type(value)}")
    try:
        return value.encode(encoding or "ascii")
    except UnicodeEncodeError as exc:
        raise HeaderEncodingError(exc, "value") from None


class Headers(MutableMapping[str, str]):
    """HTTP headers: a case-insensitive, order-keeping multi-dict.

    ``headers["content-type"]`` joins repeated fields with ``", "``;
    ``get_list`` returns them one by one; ``raw`` gives the bytes as sent or received.
    """

    __slots__ = ("_encoding", "_encoding_is_explicit", "_list")

    def __init__(self, headers: HeaderTypes | None = None, encoding: str | None = None) -> None:
        self._list: list[Field] = []
        self._encoding = encoding
        self._encoding_is_explicit = encoding is not None
        if headers is None:
            return
        if isinstance(headers, Headers):
            self._list = list(headers._list)
            if encoding is None:
                self._encoding = headers._encoding
                self._encoding_is_explicit = headers._encoding_is_explicit
            return
        items: Any = headers.items() if isinstance(headers, Mapping) else headers
        append = self._list.append
        for key, value in items:
            raw_key = encode_header_name(key, encoding)
            append((raw_key, raw_key.lower(), encode_header_value(value, encoding)))

    @classmethod
    def _from_fields(cls, fields: list[Field]) -> Headers:
        """Adopt an already-normalised field list (from a parser) without copying it."""
        headers = cls.__new__(cls)
        headers._list = fields
        headers._encoding = None
        headers._encoding_is_explicit = False
        return headers

    @property
    def encoding(self) -> str:
        """The text encoding of names and values: ascii, else utf-8, else iso-8859-1.

        Detected from the content on first use unless set explicitly.
        """
        if self._encoding is None:
            self._encoding = _detect_encoding(self._list)
        return self._encoding

    @encoding.setter
    def encoding(self, value: str) -> None:
        self._encoding = value
        self._encoding_is_explicit = True

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """The fields as ``(name, value)`` byte pairs, names in their original case."""
        return [(raw_key, value) for raw_key, _, value in self._list]

    def keys(self) -> KeysView[str]:
        """The distinct field names, lower-cased, in order of first appearance."""
        encoding = self.encoding
        return {key.decode(encoding): None for _, key, _ in self._list}.keys()

    def values(self) -> ValuesView[str]:
        """For each distinct name, its values joined with ``", "``."""
        return self._merged().values()

    def items(self) -> ItemsView[str, str]:
        """``(lower-cased name, values joined with ", ")`` for each distinct name."""
        return self._merged().items()

    def _merged(self) -> dict[str, str]:
        encoding = self.encoding
        merged: dict[str, str] = {}
        for _, key, value in self._list:
            name = key.decode(encoding)
            text = value.decode(encoding)
            merged[name] = f"{merged[name]}, {text}" if name in merged else text
        return merged

    def multi_items(self) -> list[tuple[str, str]]:
        """Every field as a ``(lower-cased name, value)`` pair, repeated names included."""
        encoding = self.encoding
        return [(key.decode(encoding), value.decode(encoding)) for _, key, value in self._list]

    def get(self, key: str, default: Any = None) -> Any:
        """The value(s) of ``key`` joined with ``", "``, or ``default`` if absent."""
        try:
            return self[key]
        except KeyError:
            return default

    def get_list(self, key: str, split_commas: bool = False) -> list[str]:
        """Every value of ``key`` in order; with ``split_commas``, comma lists are split."""
        lookup = self._lookup_key(key)
        values = [self._decode(field[2]) for field in self._list if field[1] == lookup]
        if not split_commas:
            return values
        return [part.strip() for value in values for part in value.split(",")]

    def _lookup_key(self, key: str) -> bytes:
        """``key`` lower-cased, as stored. ASCII names (nearly all) need no detection
        of the encoding: they encode alike in all three candidates."""
        lookup = _LOOKUP_KEYS.get(key)
        if lookup is None:
            if not key.isascii():
                return key.lower().encode(self.encoding)
            lookup = key.lower().encode("ascii")
            if len(_LOOKUP_KEYS) < _LOOKUP_KEYS_SIZE:
                _LOOKUP_KEYS[key] = lookup
        return lookup

    def _decode(self, value: bytes) -> str:
        # An ASCII value reads the same in every candidate encoding.
        return value.decode("ascii") if value.isascii() else value.decode(self.encoding)

    def update(self, headers: HeaderTypes | None = None) -> None:  # type: ignore[override]
        """Replace the fields named in ``headers`` with the values given there."""
        other = Headers(headers)
        for key in {lower for _, lower, _ in other._list}:
            self._remove(key)
        self._list.extend(other._list)

    def copy(self) -> Headers:
        """A shallow copy, with the same encoding (explicit or detected)."""
        return Headers(self)

    def _remove(self, lower_key: bytes) -> bool:
        before = len(self._list)
        self._list = [field for field in self._list if field[1] != lower_key]
        return len(self._list) != before

    def __getitem__(self, key: str) -> str:
        lookup = self._lookup_key(key)
        values = [field[2] for field in self._list if field[1] == lookup]
        if not values:
            raise KeyError(key)
        return self._decode(values[0] if len(values) == 1 else b", ".join(values))

    def __setitem__(self, key: str, value: str) -> None:
        """Set ``key`` to one value, replacing every field of that name in place.

        Text is encoded with the explicit ``encoding`` if one was set; else as UTF-8,
        or as ISO-8859-1 when it is not ASCII and the fields already are ISO-8859-1
        (so that it reads back as given).
        """
        explicit = self._encoding_is_explicit
        encoding = self._encoding if explicit else "utf-8"
        raw_key = encode_header_name(key, encoding)
        raw_value = encode_header_value(value, encoding)
        if not explicit:
            if not (raw_value.isascii() and raw_key.isascii()) and self.encoding == "iso-8859-1":
                # Text among ISO-8859-1 fields is stored the same way, to read back as given.
                raw_key = encode_header_name(key, "iso-8859-1")
                raw_value = encode_header_value(value, "iso-8859-1")
            # A detected encoding may no longer hold once this value is in.
            self._encoding = None
        lower = raw_key.lower()
        new_field = (raw_key, lower, raw_value)
        fields = self._list
        for index, field in enumerate(fields):
            if field[1] == lower:
                fields[index] = new_field
                # Drop any later fields of that name, from the end so indexes hold.
                for later in range(len(fields) - 1, index, -1):
                    if fields[later][1] == lower:
                        del fields[later]
                return
        fields.append(new_field)

    def __delitem__(self, key: str) -> None:
        if not self._remove(key.lower().encode(self.encoding)):
            raise KeyError(key)

    def __contains__(self, key: Any) -> bool:
        if not isinstance(key, str):
            return False
        lookup = self._lookup_key(key)
        for field in self._list:  # noqa: SIM110 - thrice as fast as any() on a generator
            if field[1] == lookup:
                return True
        return False

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: Any) -> bool:
        try:
            other_headers = Headers(other)
        except (ValueError, TypeError):
            return False
        mine = sorted((key, value) for _, key, value in self._list)
        theirs = sorted((key, value) for _, key, value in other_headers._list)
        return mine == theirs

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        pairs = [
            (key, "[secure]" if key in SENSITIVE_HEADERS else value)
            for key, value in self.multi_items()
        ]
        encoding = "" if self.encoding == "ascii" else f", encoding={self.encoding!r}"
        as_dict = dict(pairs)
        shown: Any = as_dict if len(as_dict) == len(pairs) else pairs
        return f"Headers({shown!r}{encoding})"


def _detect_encoding(fields: list[Field]) -> str:
    for encoding in ("ascii", "utf-8"):
        try:
            for raw_key, _, value in fields:
                raw_key.decode(encoding)
                value.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "iso-8859-1"
