"""How bodies are classified: JSON, text with a lexer, or binary."""

from __future__ import annotations

import pytest

from darter._cli.bodies import classify, lexer_for, make_printable, media_type


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        (None, ""),
        ("", ""),
        ("Text/HTML; charset=UTF-8", "text/html"),
        ("application/json", "application/json"),
    ],
)
def test_media_type(content_type: str | None, expected: str) -> None:
    assert media_type(content_type) == expected


@pytest.mark.parametrize(
    ("mime", "lexer"),
    [
        ("", "text"),
        ("text/plain", "text"),
        ("text/html", "html"),
        ("application/xml", "xml"),
        ("image/svg+xml", "xml"),
        ("application/vnd.api+json", "json"),
        ("text/css", "css"),
        ("application/javascript", "javascript"),
        ("application/x-yaml", "yaml"),
        ("text/markdown", "markdown"),
        ("text/x-unheard-of", "text"),
    ],
)
def test_lexer_for(mime: str, lexer: str) -> None:
    assert lexer_for(mime) == lexer


@pytest.mark.parametrize(
    ("content", "content_type", "kind", "lexer"),
    [
        (b'{"a": 1}', "application/json", "json", "json"),
        (b'{"a": 1}', "application/problem+json; charset=utf-8", "json", "json"),
        (b"{not json", "application/json", "text", "json"),
        (b"[1, 2]", None, "json", "json"),
        (b"{broken", None, "text", "text"),
        (b"hello", None, "text", "text"),
        (b"<p>hi</p>", "text/html", "text", "html"),
        (b"<svg/>", "image/svg+xml", "text", "xml"),
        (b"\x89PNG\r\n", "image/png", "binary", "text"),
        (b"plain bytes", "application/octet-stream", "binary", "text"),
        (b"a\x00b", None, "binary", "text"),
        (b"a\x00b", "application/x-custom", "binary", "text"),
        (b"\xff\xfe\xfa", None, "binary", "text"),
        (b"custom text", "application/x-custom", "text", "text"),
        (b"caf\xe9", "text/plain", "text", "text"),
        (b"a\x00b", "text/plain", "text", "text"),
    ],
)
def test_classify(content: bytes, content_type: str | None, kind: str, lexer: str) -> None:
    body = classify(content, content_type)
    assert (body.kind, body.lexer, body.size) == (kind, lexer, len(content))


def test_classify_decodes_with_the_charset() -> None:
    assert classify(b"caf\xe9", "text/plain", "latin-1").text == "café"
    assert classify(b"caf\xe9", "text/plain", "utf-8").text == "caf\ufffd"
    assert classify(b"ok", "text/plain", "no-such-charset").text == "ok"


def test_json_is_pretty_printed_keeping_order_and_unicode() -> None:
    body = classify(b'{"z": 1, "a": ["caf\\u00e9"]}', "application/json")
    assert body.text == '{\n    "z": 1,\n    "a": [\n        "café"\n    ]\n}\n'


def test_make_printable() -> None:
    assert make_printable("a\r\nb\tc\n") == "a\nb\tc\n"
    assert make_printable("\x1b[2J\x07\x9b\x7f") == "\\x1b[2J\\x07\\x9b\\x7f"
