"""The ``QueryParams`` class: an immutable multi-dict of URL query parameters."""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from typing import Any
from urllib.parse import parse_qsl, urlencode

from darter._types import PrimitiveData, QueryParamTypes

__all__ = ["QueryParams", "primitive_value_to_str"]


def primitive_value_to_str(value: PrimitiveData) -> str:
    """Give a parameter value as text: booleans in lower case, ``None`` as empty."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def _parse(value: Any) -> dict[str, list[str]]:
    """Turn any accepted constructor argument into a dict of lists of values."""
    if value is None:
        return {}
    if isinstance(value, QueryParams):
        return {key: list(values) for key, values in value._dict.items()}
    if isinstance(value, (str, bytes)):
        text = value.decode("ascii") if isinstance(value, bytes) else value
        items: dict[str, list[str]] = {}
        for key, item in parse_qsl(text, keep_blank_values=True):
            items.setdefault(key, []).append(item)
        return items
    if isinstance(value, (list, tuple)):
        pairs: Any = value
    elif callable(getattr(value, "items", None)):
        pairs = value.items()
    else:
        raise TypeError(
            "QueryParams expects a str, bytes, mapping, list of pairs or QueryParams, "
            f"not {type(value).__name__}"
        )
    items = {}
    expand_lists = not isinstance(value, (list, tuple))
    for pair in pairs:
        try:
            key, item = pair
        except (TypeError, ValueError):
            raise TypeError(f"Query parameters must be (key, value) pairs, not {pair!r}") from None
        # A mapping may give several values for a key as a list or tuple; in a
        # list of pairs, repeating the key does that instead. An empty list gives
        # no value, and so no key.
        if expand_lists and isinstance(item, (list, tuple)):
            if item:
                values = items.setdefault(str(key), [])
                values.extend(primitive_value_to_str(entry) for entry in item)
        else:
            items.setdefault(str(key), []).append(primitive_value_to_str(item))
    return items


class QueryParams(Mapping[str, str]):
    """URL query parameters: an immutable mapping from names to one or more values.

    Built from a query string (``str`` or ASCII ``bytes``, blank values kept), a
    mapping whose values are primitives or lists/tuples of them, a list or tuple of
    ``(key, value)`` pairs, another ``QueryParams``, or keyword arguments.
    Primitive values become text: ``True`` is ``"true"``, ``False`` is ``"false"``,
    ``None`` is ``""`` and anything else goes through ``str()``.

    Indexing, ``get()`` and the mapping views give the first value of each key;
    ``get_list()`` and ``multi_items()`` give them all. ``set()``, ``add()``,
    ``remove()`` and ``merge()`` return new instances.

    Raises ``TypeError`` for more than one positional argument, a positional
    argument mixed with keyword arguments, or a value of an unsupported type.
    """

    __slots__ = ("_dict",)

    _dict: dict[str, list[str]]

    def __init__(self, *args: QueryParamTypes | None, **kwargs: Any) -> None:
        if len(args) > 1:
            raise TypeError(
                f"QueryParams takes at most one positional argument ({len(args)} given)"
            )
        if args and kwargs:
            raise TypeError(
                "QueryParams takes a positional argument or keyword arguments, not both"
            )
        self._dict = _parse(args[0] if args else kwargs)

    @classmethod
    def _from_dict(cls, items: dict[str, list[str]]) -> QueryParams:
        instance = cls.__new__(cls)
        instance._dict = items
        return instance

    def keys(self) -> KeysView[str]:
        """The parameter names, each once, in order of first appearance."""
        return self._dict.keys()

    def values(self) -> ValuesView[str]:
        """The first value of each parameter."""
        return {key: values[0] for key, values in self._dict.items()}.values()

    def items(self) -> ItemsView[str, str]:
        """``(name, first value)`` for each parameter."""
        return {key: values[0] for key, values in self._dict.items()}.items()

    def multi_items(self) -> list[tuple[str, str]]:
        """Every ``(name, value)`` pair, with repeated names grouped together."""
        return [(key, value) for key, values in self._dict.items() for value in values]

    def get(self, key: Any, default: Any = None) -> Any:
        """The first value of ``key``, or ``default`` when it is absent."""
        if key in self._dict:
            return self._dict[key][0]
        return default

    def get_list(self, key: str) -> list[str]:
        """All the values of ``key``, as a new list (empty when it is absent)."""
        return list(self._dict.get(key, []))

    def set(self, key: str, value: PrimitiveData = None) -> QueryParams:
        """A copy in which ``key`` has the single value ``value``."""
        items = dict(self._dict)
        items[str(key)] = [primitive_value_to_str(value)]
        return self._from_dict(items)

    def add(self, key: str, value: PrimitiveData = None) -> QueryParams:
        """A copy in which ``value`` is appended to the values of ``key``."""
        items = dict(self._dict)
        items[str(key)] = [*self.get_list(key), primitive_value_to_str(value)]
        return self._from_dict(items)

    def remove(self, key: str) -> QueryParams:
        """A copy without ``key`` (the same parameters if it was absent)."""
        items = dict(self._dict)
        items.pop(str(key), None)
        return self._from_dict(items)

    def merge(self, params: QueryParamTypes | None = None) -> QueryParams:
        """A copy in which the keys of ``params`` replace those already present.

        Raises ``TypeError`` when ``params`` is of an unsupported type.
        """
        return self._from_dict({**self._dict, **_parse(params)})

    def __getitem__(self, key: Any) -> str:
        """The first value of ``key``; raises ``KeyError`` when it is absent."""
        return self._dict[key][0]

    def __contains__(self, key: Any) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __bool__(self) -> bool:
        return bool(self._dict)

    def __hash__(self) -> int:
        # Consistent with __eq__, which ignores the order of parameters.
        return hash(tuple(sorted(self.multi_items())))

    def __eq__(self, other: object) -> bool:
        """Equal to another ``QueryParams`` with the same pairs, in any order."""
        if not isinstance(other, QueryParams):
            return False
        return sorted(self.multi_items()) == sorted(other.multi_items())

    def __str__(self) -> str:
        """The parameters as an encoded query string, spaces written as ``+``."""
        return urlencode(self.multi_items())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def update(self, params: QueryParamTypes | None = None) -> None:
        """Always raises ``RuntimeError``: query parameters cannot be changed."""
        raise RuntimeError(
            "QueryParams cannot be changed in place. Use `params = params.merge(...)` "
            "to get an updated copy."
        )

    def __setitem__(self, key: str, value: str) -> None:
        """Always raises ``RuntimeError``: query parameters cannot be changed."""
        raise RuntimeError(
            "QueryParams cannot be changed in place. Use `params = params.set(key, value)` "
            "to get an updated copy."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.multi_items(),))
