"""HTTPie-style request items, and how they combine with the options into one body.

An item is one command line argument after the URL; the first separator in it
decides its kind (at one position the longer separator wins, so ``:=`` beats ``:``
and ``==`` beats ``=``):

==================  =====================================================
``Name:Value``      a request header
``name==value``     a query parameter
``field=value``     a JSON string field (a form field when the body is a form)
``field:=json``     a JSON field with a raw JSON value: ``n:=3``, ``ok:=true``
``field@path``      a file sent as multipart/form-data
==================  =====================================================

A backslash escapes a separator character: ``a\\:b=c`` is the field ``a:b``.

Fields make a JSON object unless the request is a form: ``-d``, ``-f`` or a
``field@path`` item make ``field=value`` items form fields (then ``field:=json``
is an error). Only one kind of body may be given: fields or ``-d``/``-f`` form
data, or ``-c`` content, or ``-j`` JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BodyError", "ItemError", "RequestBody", "RequestItems", "build_body", "parse_items"]

#: Separators, longest first so that at one position ``:=`` wins over ``:``.
SEPARATORS = (":=", "==", "=", "@", ":")
_ESCAPABLE = frozenset(":=@\\")


class ItemError(ValueError):
    """An argument after the URL is not a valid request item."""


class BodyError(ValueError):
    """The options and items ask for two different request bodies."""


@dataclass
class RequestItems:
    """What the items after the URL ask for, in the order given."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)
    #: ``(name, value, raw)``: ``raw`` is True for ``field:=json`` (value already decoded).
    fields: list[tuple[str, Any, bool]] = field(default_factory=list)
    #: ``(field name, file path)``.
    files: list[tuple[str, str]] = field(default_factory=list)


def split_item(text: str) -> tuple[str, str, str]:
    """``(name, separator, value)`` for one item; raises ``ItemError``."""
    name: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in _ESCAPABLE:
            name.append(text[index + 1])
            index += 2
            continue
        for separator in SEPARATORS:
            if text.startswith(separator, index):
                if not name:
                    raise ItemError(f"request item {text!r} has no name before {separator!r}")
                return "".join(name), separator, text[index + len(separator) :]
        name.append(char)
        index += 1
    raise ItemError(
        f"{text!r} is not a request item: expected Header:Value, name==value, "
        "field=value, field:=json or field@file"
    )


def parse_items(texts: list[str] | tuple[str, ...]) -> RequestItems:
    """Parse the arguments after the URL; raises ``ItemError``."""
    items = RequestItems()
    for text in texts:
        name, separator, value = split_item(text)
        if separator == ":":
            items.headers.append((name, value.lstrip(" \t")))
        elif separator == "==":
            items.params.append((name, value))
        elif separator == "=":
            items.fields.append((name, value, False))
        elif separator == ":=":
            try:
                items.fields.append((name, json.loads(value), True))
            except ValueError as exc:
                raise ItemError(
                    f"request item {text!r}: the value is not valid JSON ({exc})"
                ) from None
        else:
            if not value:
                raise ItemError(f"request item {text!r} names no file after '@'")
            items.files.append((name, value))
    return items


@dataclass
class RequestBody:
    """The body arguments for ``client.stream()``: at most one kind is set."""

    content: str | None = None
    json: Any = None
    has_json: bool = False
    data: list[tuple[str, str]] = field(default_factory=list)
    #: ``(field name, file path)``, opened when the request is sent.
    files: list[tuple[str, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when there is no body at all."""
        return self.content is None and not self.has_json and not self.data and not self.files


def build_body(
    items: RequestItems,
    *,
    content: str | None = None,
    json_text: str | None = None,
    data: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
    files: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
) -> RequestBody:
    """Combine ``-c``, ``-j``, ``-d``, ``-f`` and the field items; raises ``BodyError``."""
    all_files = [*files, *items.files]
    is_form = bool(data or all_files)
    kinds = [
        name
        for name, given in (
            ("-c/--content", content is not None),
            ("-j/--json", json_text is not None),
            ("form data (-d, -f, field@file)", is_form),
            ("JSON fields (field=value, field:=json)", bool(items.fields) and not is_form),
        )
        if given
    ]
    if len(kinds) > 1:
        raise BodyError(f"give one request body only, not {' and '.join(kinds)}")
    if content is not None:
        return RequestBody(content=content)
    if json_text is not None:
        try:
            return RequestBody(json=json.loads(json_text), has_json=True)
        except ValueError as exc:
            raise BodyError(f"-j/--json is not valid JSON ({exc})") from None
    if is_form:
        raw = [name for name, _, is_raw in items.fields if is_raw]
        if raw:
            raise BodyError(
                f"raw JSON field {raw[0]!r} (field:=json) cannot be sent in a form; "
                "use field=value"
            )
        form = [*data, *((name, str(value)) for name, value, _ in items.fields)]
        return RequestBody(data=form, files=all_files)
    if items.fields:
        document = {name: value for name, value, _ in items.fields}
        return RequestBody(json=document, has_json=True)
    return RequestBody()
