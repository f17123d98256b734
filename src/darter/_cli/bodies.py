"""What a body is, and how to show it: JSON, text of some language, or binary.

Pure functions over bytes and a Content-Type; ``render`` does the printing.

- JSON (``application/json``, ``*/*+json``, or no Content-Type and a body that
  parses as an object or array) is pretty-printed with four-space indents;
- text (``text/*``, JavaScript, XML, YAML, forms...) is decoded with its charset
  and given the pygments lexer of its media type, ``"text"`` when none fits;
- anything else that has NUL bytes or does not decode is binary, as are images,
  audio, video, fonts and ``application/octet-stream``: shown as a byte count.
"""

from __future__ import annotations

import codecs
import importlib
import json
import re
from dataclasses import dataclass
from types import ModuleType

__all__ = ["Body", "classify", "lexer_for", "make_printable", "require_pygments"]

#: Media types (without parameters) that are text whatever their main type.
_TEXT_TYPES = frozenset(
    {
        "application/javascript",
        "application/ecmascript",
        "application/x-javascript",
        "application/xml",
        "application/xhtml+xml",
        "application/x-www-form-urlencoded",
        "application/yaml",
        "application/x-yaml",
        "application/toml",
        "application/graphql",
        "application/sql",
        "application/x-sh",
    }
)
_JSON_TYPES = frozenset({"application/json", "text/json", "application/x-json"})
_BINARY_MAIN_TYPES = frozenset({"image", "audio", "video", "font"})

#: Bodies larger than this are printed without highlighting (it would take long).
HIGHLIGHT_LIMIT = 1 << 20

# C0 and C1 control characters other than tab and newline: a body must not drive
# the terminal it is printed on.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Body:
    """A body ready to print: ``kind`` is ``"json"``, ``"text"`` or ``"binary"``."""

    kind: str
    text: str
    #: The pygments lexer alias for highlighting (``"text"`` for none).
    lexer: str
    size: int


def media_type(content_type: str | None) -> str:
    """``"type/subtype"`` in lower case, without parameters (``""`` when absent)."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def _is_json_type(mime: str) -> bool:
    return mime in _JSON_TYPES or mime.endswith("+json")


def _is_text_type(mime: str) -> bool:
    return (
        mime.startswith("text/")
        or mime in _TEXT_TYPES
        or mime.endswith(("+xml", "+yaml", "+json"))
    )


def _decode(content: bytes, encoding: str | None) -> str | None:
    """The text, or None when it does not decode (or the charset is unknown)."""
    try:
        codecs.lookup(encoding or "utf-8")
    except LookupError:
        encoding = "utf-8"
    try:
        return content.decode(encoding or "utf-8")
    except UnicodeDecodeError:
        return None


def classify(content: bytes, content_type: str | None, encoding: str | None = None) -> Body:
    """Decide how to show ``content``, declared as ``content_type`` in ``encoding``."""
    mime = media_type(content_type)
    size = len(content)
    binary = Body("binary", "", "text", size)
    main_type = mime.partition("/")[0]
    is_binary_type = mime == "application/octet-stream" or main_type in _BINARY_MAIN_TYPES
    if is_binary_type and not mime.endswith("+xml"):
        return binary
    text = _decode(content, encoding)
    if text is None:
        if not _is_text_type(mime):
            return binary
        text = content.decode(encoding or "utf-8", errors="replace")
    elif not _is_text_type(mime) and "\x00" in text:
        return binary
    if _is_json_type(mime) or (not mime and text.lstrip()[:1] in ("{", "[")):
        try:
            document = json.loads(text)
        except ValueError:
            pass
        else:
            pretty = json.dumps(document, indent=4, ensure_ascii=False)
            return Body("json", pretty + "\n", "json", size)
        if not _is_json_type(mime):
            return Body("text", text, "text", size)
    return Body("text", text, lexer_for(mime), size)


def require_pygments() -> ModuleType:
    """``pygments.lexers``; raises ``ImportError`` when pygments is not installed.

    pygments has no type hints, hence the import by name (its functions are ``Any``).
    """
    return importlib.import_module("pygments.lexers")


def lexer_for(mime: str) -> str:
    """The pygments lexer alias for a media type, ``"text"`` when none fits."""
    lexers = require_pygments()
    class_not_found = importlib.import_module("pygments.util").ClassNotFound
    if not mime:
        return "text"
    if mime.endswith("+xml"):
        return "xml"
    if mime.endswith("+json"):
        return "json"
    subtype = mime.partition("/")[2].removeprefix("x-")
    for find, name in ((lexers.get_lexer_for_mimetype, mime), (lexers.get_lexer_by_name, subtype)):
        try:
            lexer = find(name)
        except class_not_found:
            continue
        return str(lexer.aliases[0]) if lexer.aliases else "text"
    return "text"


def make_printable(text: str) -> str:
    """``text`` with line endings normalised and control characters made visible.

    Escape sequences sent by a server must not reach the terminal as such: they
    could rewrite what is already on the screen.
    """
    text = text.replace("\r\n", "\n")
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
