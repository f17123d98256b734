"""Parsing, normalising and resolving URLs, after RFC 3986.

Nothing here knows the public classes. A URL is handled as a ``Parts`` tuple of
seven normalised components::

    (scheme, userinfo, host, port, path, query, fragment)

``scheme`` is lower-cased; ``userinfo``, ``path``, ``query`` and ``fragment`` are
percent-encoded text; ``host`` is lower-case ASCII (IDNA-encoded for international
names), without brackets for IPv6 literals; ``port`` is ``None`` when absent or when
it is the scheme's default; ``query`` and ``fragment`` are ``None`` when the URL has
no ``?`` or ``#`` at all, which is not the same as being empty.

Percent-encoding follows what browsers and httpx do rather than the narrowest
reading of the RFC: each component has a set of characters that are encoded, and
``%`` is never among them, so existing escapes (valid or not) are kept as given.

The results are those of httpx 0.28 but where httpx breaks the RFC or its own
rules:

- a port is digits only (no sign, space, underscore or non-ASCII digit), and a
  port given as a number cannot be negative;
- a default port is dropped whatever the case of the scheme (``HTTP://h:80``);
- escapes in a host keep upper-case hex digits, so parsing again changes nothing;
- a path that would read back as an authority or a scheme is written so it does
  not (``http:////a``, ``./a:b``), as RFC 3986 sections 4.2 and 5.3 ask;
- resolving a reference keeps empty path segments and works for any scheme, as
  RFC 3986 section 5.2 says;
- an IPv6 ``netloc`` argument is understood, an unclosed ``[`` is reported as a
  bad IPv6 address, and bad input raises ``InvalidURL`` or ``TypeError`` rather
  than ``UnicodeError`` or ``AttributeError``.
"""

from __future__ import annotations

import re
from typing import Any, TypeAlias

from darter._exceptions import InvalidURL

__all__ = [
    "DEFAULT_PORTS",
    "MAX_URL_LENGTH",
    "Parts",
    "EMPTY_PARTS",
    "decode_host",
    "join_parts",
    "parse_url",
    "remove_dot_segments",
    "replace_parts",
    "unparse",
]

Parts: TypeAlias = "tuple[str, str, str, int | None, str, str | None, str | None]"

EMPTY_PARTS: Parts = ("", "", "", None, "", None, None)

#: The longest URL, or URL component given on its own, that is accepted.
#: The largest TCP port.
MAX_PORT = 65535
MAX_URL_LENGTH = 65536

#: Ports that are implied by a scheme, and so never shown.
DEFAULT_PORTS: dict[str, int] = {"ftp": 21, "http": 80, "https": 443, "ws": 80, "wss": 443}

# The generic syntax of RFC 3986 appendix B. Every string matches it. An empty
# scheme before a colon is consumed as "no scheme", as httpx does with ":a".
_URL_RE = re.compile(
    r"(?:([a-zA-Z][a-zA-Z0-9+.\-]*)?:)?"  # scheme
    r"(?://([^/?#]*))?"  # authority
    r"([^?#]*)"  # path
    r"(?:\?([^#]*))?"  # query
    r"(?:#(.*))?",  # fragment
    re.DOTALL,
)
_SCHEME_RE = re.compile(r"(?:[a-zA-Z][a-zA-Z0-9+.\-]*)?")
_SCHEME_PREFIX_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*:")
_IPV4_LIKE_RE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
# A valid dotted-quad: each octet 0-255 without leading zeros (which some
# resolvers would read as octal).
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_RE = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")
_PCHAR = r"A-Za-z0-9\-._~!$&'()*+,;=:@%"
# Most URLs are plain ASCII of this shape: nothing to encode, no userinfo, no
# bracketed host. Matching it whole lets the parser skip the per-component work.
_SIMPLE_URL_RE = re.compile(
    r"([a-zA-Z][a-zA-Z0-9+.\-]*)://"  # scheme
    # a valid IPv4 address, or a name with a letter or hyphen somewhere (other
    # digits-and-dots hosts need the slow path's checks); the classes are chosen
    # so that only one split is possible, keeping failed matches linear
    rf"({_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}|[0-9.]*[a-zA-Z\-][a-zA-Z0-9.\-]*)"
    r"(?::([0-9]{1,5}))?"  # port
    rf"(/[{_PCHAR}/]*)?"  # path
    rf"(?:\?([{_PCHAR}/?]*))?"  # query
    rf"(?:#([{_PCHAR}/?]*))?"  # fragment
)
_NON_PRINTABLE_RE = re.compile(r"[\x00-\x1f\x7f]")


def _unsafe(chars: str) -> re.Pattern[str]:
    """A pattern matching runs of characters that must be percent-encoded.

    Controls, space and anything outside ASCII are always encoded; ``chars`` adds
    the component's own delimiters and unwise characters.
    """
    # Written as the complement of what may stay: a class spanning all of Unicode
    # takes milliseconds to compile, which ``import darter`` would pay six times.
    kept = "".join(chr(code) for code in range(0x21, 0x7F) if chr(code) not in chars)
    return re.compile("[^" + re.escape(kept) + "]+")


_USERINFO_UNSAFE = _unsafe('"#/;<=>?@[\\]^`{|}')
# A username or password given on its own: the colon would split it, so it goes too.
_USERINFO_PART_UNSAFE = _unsafe('"#/:;<=>?@[\\]^`{|}')
_HOST_UNSAFE = _unsafe("#/<>?@[]^")
_PATH_UNSAFE = _unsafe('"#<>?`{}')
_QUERY_UNSAFE = _unsafe('"#<>')
_FRAGMENT_UNSAFE = _unsafe('"<>`')


def _percent_encode(match: re.Match[str]) -> str:
    return "".join([f"%{byte:02X}" for byte in match.group().encode("utf-8")])


def _quote(text: str, unsafe: re.Pattern[str]) -> str:
    # The search is the common case: clean ASCII text is returned as it is.
    if unsafe.search(text) is None:
        return text
    return unsafe.sub(_percent_encode, text)


_ESCAPE_RE = re.compile(r"%[0-9a-f]{2}")


def _upper_escape(match: re.Match[str]) -> str:
    return match.group().upper()


def _check_text(text: str, component: str | None) -> None:
    """Raise ``InvalidURL`` for text too long, with controls, or not encodable.

    ``component`` names the part checked, or is ``None`` for a whole URL.
    """
    where = "URL" if component is None else f"URL component {component!r}"
    if len(text) > MAX_URL_LENGTH:
        raise InvalidURL(f"{where} too long: {len(text)} characters, at most {MAX_URL_LENGTH}")
    match = _NON_PRINTABLE_RE.search(text)
    if match is not None:
        raise InvalidURL(
            f"Invalid non-printable character {match.group()!r} "
            f"at position {match.start()} in {where}"
        )
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidURL(
                f"Invalid character {text[exc.start]!r} at position {exc.start} in {where}: "
                "a lone surrogate cannot be encoded"
            ) from None


def _split_host_port(hostport: str) -> tuple[str, str]:
    """Split ``host[:port]``, where an IPv6 host is bracketed."""
    if hostport.startswith("["):
        end = hostport.rfind("]")
        if end == -1:
            raise InvalidURL(f"Invalid IPv6 address: {hostport!r}")
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        # Anything after the bracket that is not ":port" is reported as a bad port.
        return host, rest[1:] if rest.startswith(":") else rest
    host, _, port = hostport.partition(":")
    return host, port


def _parse_port(text: str) -> int | None:
    if not text:
        return None
    # RFC 3986 allows digits only: no sign, space, underscore or non-ASCII digit.
    if not (text.isascii() and text.isdigit()):
        raise InvalidURL(f"Invalid port: {text!r}")
    try:
        port = int(text)
    except ValueError:  # more digits than int() accepts
        raise InvalidURL(f"Invalid port: {text!r}") from None
    if port > MAX_PORT:
        # A socket would wrap it (70000 -> 4464) or fail with a foreign error.
        raise InvalidURL(f"Invalid port: {text!r} (ports go up to {MAX_PORT})")
    return port


def _normalise_host(host: str) -> str:
    """Validate and normalise a host as written in a URL (IPv6 in brackets)."""
    if not host:
        return ""
    if host.startswith("[") and host.endswith("]"):
        address = host[1:-1]
        import ipaddress  # IPv6 literals only: kept out of `import darter`

        try:
            ipaddress.IPv6Address(address)
        except ValueError:
            raise InvalidURL(f"Invalid IPv6 address: {host!r}") from None
        return address
    if host.isascii():
        if _IPV4_LIKE_RE.fullmatch(host):
            if not _IPV4_RE.fullmatch(host):
                raise InvalidURL(f"Invalid IPv4 address: {host!r}")
            return host
        host = _quote(host.lower(), _HOST_UNSAFE)
        if "%" in host:
            # Lower-casing the name must not change escapes: keep their hex digits
            # upper case (RFC 3986 section 6.2.2.1), so parsing again is a no-op.
            host = _ESCAPE_RE.sub(_upper_escape, host)
        return host
    import idna  # internationalised names only: kept out of `import darter`

    try:
        return idna.encode(host.lower()).decode("ascii")
    except ValueError:  # idna's errors are UnicodeError, hence ValueError
        raise InvalidURL(f"Invalid IDNA hostname: {host!r}") from None


def decode_host(host: str) -> str:
    """Show an IDNA host in Unicode; other hosts, or undecodable ones, as they are."""
    if host.startswith("xn--"):
        import idna

        try:
            return idna.decode(host)
        except ValueError:
            return host
    return host


def _collapse_dot_segments(path: str) -> str:
    """Remove ``.`` and ``..`` segments from a path being parsed.

    A trailing ``.`` or ``..`` leaves no trailing slash (``/a/b/..`` is ``/a``),
    and ``..`` never climbs above the root, for compatibility with httpx.
    """
    if "." not in path:
        return path
    segments = path.split("/")
    if "." not in segments and ".." not in segments:
        return path
    output: list[str] = []
    for segment in segments:
        if segment == "..":
            if output and output != [""]:
                output.pop()
        elif segment != ".":
            output.append(segment)
    return "/".join(output)


def remove_dot_segments(path: str) -> str:
    """Remove ``.`` and ``..`` segments as RFC 3986 section 5.2.4 does.

    Unlike parsing, a trailing ``.`` or ``..`` keeps the slash before it, so that
    resolving ``..`` against ``/a/b/c`` gives the directory ``/a/``.
    """
    if "." not in path:
        return path
    segments = path.split("/")
    last = len(segments) - 1
    output: list[str] = []
    for index, segment in enumerate(segments):
        if segment in (".", ".."):
            if segment == ".." and output and output != [""]:
                output.pop()
            if index == last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output)


def _finish(
    scheme: str,
    userinfo: str,
    host: str,
    port: int | None,
    path: str,
    query: str | None,
    fragment: str | None,
) -> Parts:
    """Apply the rules that tie components together, and return the parts."""
    if port is not None and DEFAULT_PORTS.get(scheme) == port:
        port = None
    has_authority = bool(userinfo or host) or port is not None
    if has_authority or scheme:
        path = _collapse_dot_segments(path)
    if has_authority:
        if path and not path.startswith("/"):
            raise InvalidURL(
                f"Invalid URL component 'path': {path!r} must be empty or begin with '/' "
                "in a URL with a host"
            )
    elif not scheme:
        if path.startswith(("//", ":")):
            # Written out, such a path would read back as an authority or a scheme.
            raise InvalidURL(
                f"Invalid URL component 'path': {path[:2]!r} cannot start the path "
                "of a relative URL"
            )
        if _SCHEME_PREFIX_RE.match(path):
            # RFC 3986 section 4.2: the first segment would read back as a
            # scheme, so a "./" segment goes before it.
            path = "./" + path
    return (scheme, userinfo, host, port, path, query, fragment)


def parse_url(text: str) -> Parts:
    """Parse and normalise a URL string.

    Raises ``InvalidURL`` naming the bad part when the URL is too long, contains
    control characters, or has an invalid host, port or path.
    """
    match = _SIMPLE_URL_RE.fullmatch(text)
    if match is not None and len(text) <= MAX_URL_LENGTH:
        scheme, host, port_text, path, query, fragment = match.groups()
        if path is None or "/." not in path:
            scheme = scheme.lower()
            port = int(port_text) if port_text else None
            if port is not None and DEFAULT_PORTS.get(scheme) == port:
                port = None
            elif port is not None and port > MAX_PORT:
                raise InvalidURL(f"Invalid port: {port_text!r} (ports go up to {MAX_PORT})")
            return (scheme, "", host.lower(), port, path or "", query, fragment)
    _check_text(text, None)
    match = _URL_RE.match(text)
    assert match is not None  # every string matches
    scheme, authority, path, query, fragment = match.groups()
    if authority:
        userinfo, _, hostport = authority.rpartition("@")
        host_text, port_text = _split_host_port(hostport)
        host = _normalise_host(host_text)
        port = _parse_port(port_text)
        if userinfo:
            userinfo = _quote(userinfo, _USERINFO_UNSAFE)
    else:
        userinfo = host = ""
        port = None
    return _finish(
        scheme.lower() if scheme else "",
        userinfo,
        host,
        port,
        _quote(path, _PATH_UNSAFE),
        None if query is None else _quote(query, _QUERY_UNSAFE),
        None if fragment is None else _quote(fragment, _FRAGMENT_UNSAFE),
    )


def unparse(parts: Parts) -> str:
    """Write parts out as a URL string."""
    scheme, userinfo, host, port, path, query, fragment = parts
    text = f"{scheme}:" if scheme else ""
    if userinfo or host or port is not None:
        text += "//"
        if userinfo:
            text += userinfo + "@"
        text += f"[{host}]" if ":" in host else host
        if port is not None:
            text += f":{port}"
    elif path.startswith("//"):
        # RFC 3986 section 5.3: without an empty authority the path would be
        # read back as one ("http:////a" is not "http://a").
        text += "//"
    text += path
    if query is not None:
        text += "?" + query
    if fragment is not None:
        text += "#" + fragment
    return text


# Keyword arguments of URL() and URL.copy_with(), with the type each takes.
_ARGUMENT_TYPES: dict[str, type] = {
    "scheme": str,
    "username": str,
    "password": str,
    "userinfo": bytes,
    "host": str,
    "port": int,
    "netloc": bytes,
    "path": str,
    "query": bytes,
    "raw_path": bytes,
    "fragment": str,
}


def _text_arguments(arguments: dict[str, Any]) -> dict[str, str | None]:
    """Check the types of the arguments, and give each but the port as text."""
    texts: dict[str, str | None] = {}
    for key, value in arguments.items():
        expected = _ARGUMENT_TYPES.get(key)
        if expected is None:
            raise TypeError(f"{key!r} is an invalid keyword argument for URL()")
        if value is None or key == "port":
            if value is not None and not isinstance(value, int):
                raise TypeError(f"Argument 'port' must be int but got {type(value).__name__}")
            continue
        if not isinstance(value, expected):
            raise TypeError(
                f"Argument {key!r} must be {expected.__name__} but got {type(value).__name__}"
            )
        if isinstance(value, bytes):
            try:
                value = value.decode("ascii")
            except UnicodeDecodeError:
                raise InvalidURL(f"Invalid non-ASCII bytes in URL component {key!r}") from None
        _check_text(value, key)
        texts[key] = value
    return texts


def _reject(component: str, text: str, delimiters: str) -> None:
    for char in delimiters:
        if char in text:
            raise InvalidURL(f"Invalid URL component {component!r}: {char!r} is not allowed")


def _replace_authority(
    arguments: dict[str, Any], texts: dict[str, str | None], parts: Parts
) -> tuple[str, str, int | None]:
    """The userinfo, host and port of ``parts`` with the arguments applied."""
    _, userinfo, host, port, _, _, _ = parts
    if "username" in arguments or "password" in arguments:
        username = _quote(texts.get("username") or "", _USERINFO_PART_UNSAFE)
        password = _quote(texts.get("password") or "", _USERINFO_PART_UNSAFE)
        userinfo = f"{username}:{password}" if password else username
    elif "userinfo" in arguments:
        userinfo = texts.get("userinfo") or ""
        _reject("userinfo", userinfo, "@")
        userinfo = _quote(userinfo, _USERINFO_UNSAFE)
    if "netloc" in arguments:
        host_text, port_text = _split_host_port(texts.get("netloc") or "")
        return userinfo, _normalise_host(host_text), _parse_port(port_text)
    if "host" in arguments:
        host_text = texts.get("host") or ""
        if ":" in host_text and not (host_text.startswith("[") and host_text.endswith("]")):
            host_text = f"[{host_text}]"
        host = _normalise_host(host_text)
    if "port" in arguments:
        port = arguments["port"]
        if port is not None and (isinstance(port, bool) or not 0 <= port <= MAX_PORT):
            raise InvalidURL(f"Invalid port: {port!r}")
    return userinfo, host, port


def replace_parts(parts: Parts, arguments: dict[str, Any]) -> Parts:
    """Return ``parts`` with components replaced by keyword arguments.

    The arguments are those of ``URL.copy_with()`` but ``params``. A value of
    ``None`` removes the component. Raises ``TypeError`` for an unknown argument or a
    value of the wrong type, and ``InvalidURL`` for a value that is not valid.
    """
    texts = _text_arguments(arguments)
    scheme, _, _, _, path, query, fragment = parts
    if "scheme" in arguments:
        scheme = texts.get("scheme") or ""
        if not _SCHEME_RE.fullmatch(scheme):
            raise InvalidURL(f"Invalid URL component 'scheme': {scheme!r}")
        scheme = scheme.lower()
    userinfo, host, port = _replace_authority(arguments, texts, parts)
    if "raw_path" in arguments:
        path, question, query_text = (texts.get("raw_path") or "").partition("?")
        _reject("path", path, "#")
        query = query_text if question else None
    else:
        if "path" in arguments:
            path = texts.get("path") or ""
            _reject("path", path, "?#")
        if "query" in arguments:
            query = texts.get("query")
    if query is not None:
        _reject("query", query, "#")
        query = _quote(query, _QUERY_UNSAFE)
    if "fragment" in arguments:
        fragment = texts.get("fragment")
        if fragment is not None:
            fragment = _quote(fragment, _FRAGMENT_UNSAFE)
    return _finish(scheme, userinfo, host, port, _quote(path, _PATH_UNSAFE), query, fragment)


def _merge_paths(base: Parts, reference_path: str) -> str:
    """RFC 3986 section 5.2.3: a relative path put in the base's directory."""
    _, userinfo, host, port, base_path, _, _ = base
    if not base_path and (userinfo or host or port is not None):
        return "/" + reference_path
    return base_path[: base_path.rfind("/") + 1] + reference_path


def join_parts(base: Parts, reference: Parts) -> Parts:
    """Resolve a reference against a base URL, as RFC 3986 section 5.2 does.

    The reference's scheme is ignored when it is the base's (the RFC's
    non-strict parser, as browsers do). For compatibility with httpx an empty
    reference gives the base unchanged, fragment included, and otherwise an empty
    query or fragment is dropped from the result.
    """
    if reference == EMPTY_PARTS:
        return base
    scheme, userinfo, host, port, path, query, fragment = reference
    if query == "":
        query = None
    if scheme == base[0]:
        scheme = ""
    if scheme:
        path = remove_dot_segments(path)
    elif userinfo or host or port is not None:
        scheme = base[0]
        path = remove_dot_segments(path)
    else:
        scheme, userinfo, host, port = base[:4]
        if not path:
            path = base[4]
            if query is None:
                query = base[5]
        elif path.startswith("/"):
            path = remove_dot_segments(path)
        else:
            path = remove_dot_segments(_merge_paths(base, path))
    return _finish(scheme, userinfo, host, port, path, query or None, fragment or None)
