"""HTTPie-style request items and how they combine with the body options."""

from __future__ import annotations

import pytest

from darter._cli.items import (
    BodyError,
    ItemError,
    RequestItems,
    build_body,
    parse_items,
    split_item,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Accept:application/json", ("Accept", ":", "application/json")),
        ("q==a=b", ("q", "==", "a=b")),
        ("name=a:b", ("name", "=", "a:b")),
        ("n:=3", ("n", ":=", "3")),
        ("photo@/tmp/a.png", ("photo", "@", "/tmp/a.png")),
        ("email=a@example.org", ("email", "=", "a@example.org")),
        ("X-Url:http://example.org/?a==b", ("X-Url", ":", "http://example.org/?a==b")),
        ("a\\:b=c", ("a:b", "=", "c")),
        ("a\\=b==c", ("a=b", "==", "c")),
        ("a\\@b@file", ("a@b", "@", "file")),
        ("back\\\\slash=1", ("back\\slash", "=", "1")),
        ("path\\x=1", ("path\\x", "=", "1")),
        ("empty=", ("empty", "=", "")),
    ],
)
def test_split_item(text: str, expected: tuple[str, str, str]) -> None:
    assert split_item(text) == expected


@pytest.mark.parametrize("text", ["plain", "", "\\:only-escaped", "=value", ":=1", "@file"])
def test_split_item_errors(text: str) -> None:
    with pytest.raises(ItemError):
        split_item(text)


def test_parse_items_sorts_items_by_kind() -> None:
    items = parse_items(["X-A: 1", "p==1", "s=text", "n:=1.5", 'o:={"k": [1]}', "f@a.txt", "p==2"])
    assert items.headers == [("X-A", "1")]
    assert items.params == [("p", "1"), ("p", "2")]
    assert items.fields == [("s", "text", False), ("n", 1.5, True), ("o", {"k": [1]}, True)]
    assert items.files == [("f", "a.txt")]


def test_parse_items_errors() -> None:
    with pytest.raises(ItemError, match="not valid JSON"):
        parse_items(["n:=tru"])
    with pytest.raises(ItemError, match="names no file"):
        parse_items(["f@"])


def test_fields_make_a_json_object() -> None:
    body = build_body(parse_items(["a=1", "b:=2", "a=3"]))
    assert (body.has_json, body.json) == (True, {"a": "3", "b": 2})
    assert not body.empty


def test_fields_become_form_fields_with_files_or_data() -> None:
    body = build_body(parse_items(["title=x", "f@a.txt"]), data=[("d", "1")])
    assert body.data == [("d", "1"), ("title", "x")]
    assert body.files == [("f", "a.txt")]
    assert not body.has_json
    body = build_body(RequestItems(), files=[("f", "b.txt")])
    assert body.files == [("f", "b.txt")]


def test_raw_json_fields_cannot_go_in_a_form() -> None:
    with pytest.raises(BodyError, match="cannot be sent in a form"):
        build_body(parse_items(["n:=1"]), data=[("d", "1")])


@pytest.mark.parametrize(
    "options",
    [
        {"content": "x", "json_text": "{}"},
        {"content": "x", "data": [("a", "b")]},
        {"json_text": "{}", "files": [("f", "p")]},
    ],
)
def test_only_one_body(options: dict[str, object]) -> None:
    with pytest.raises(BodyError, match="one request body only"):
        build_body(RequestItems(), **options)  # type: ignore[arg-type]


def test_fields_with_another_body_option() -> None:
    with pytest.raises(BodyError, match="JSON fields"):
        build_body(parse_items(["a=1"]), content="x")


def test_json_and_content_options() -> None:
    assert build_body(RequestItems(), json_text="[1]").json == [1]
    assert build_body(RequestItems(), json_text="null").has_json
    assert build_body(RequestItems(), content="").content == ""
    assert not build_body(RequestItems(), content="").empty
    assert build_body(RequestItems()).empty
    with pytest.raises(BodyError, match="not valid JSON"):
        build_body(RequestItems(), json_text="{")
