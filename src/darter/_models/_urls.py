"""The ``URL`` class."""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import unquote

from darter._exceptions import InvalidURL
from darter._types import PrimitiveData, QueryParamTypes

from ._queryparams import QueryParams
from ._urlparse import (
    DEFAULT_PORTS,
    Parts,
    decode_host,
    join_parts,
    parse_url,
    replace_parts,
    unparse,
)

__all__ = ["URL", "RawURL"]


class RawURL(NamedTuple):
    """The parts of a URL a transport needs, as bytes (and the port as an int)."""

    raw_scheme: bytes
    raw_host: bytes
    port: int | None
    raw_path: bytes


class URL:
    """A parsed and normalised URL, immutable.

    ``URL("https://example.org/path?q=1")`` parses a string; keyword arguments
    (those of ``copy_with()``) replace components, so ``URL(host="example.org",
    scheme="https")`` builds one. On parsing, the scheme and host are lower-cased,
    international host names are IDNA-encoded, a port that is the scheme's default
    is dropped, ``.`` and ``..`` segments are removed from the path of a URL with a
    scheme or host, and characters not allowed in a component are percent-encoded
    (existing ``%XX`` escapes are kept).

    Raises ``TypeError`` when ``url`` is neither a ``str`` nor a ``URL``, for an
    unknown keyword argument or a value of the wrong type, and ``InvalidURL`` when
    the URL or a component is not valid (the message names the bad part).
    """

    # The parts tuple is the whole state; the other slots cache values derived
    # from it, filled on first use.
    __slots__ = ("_netloc", "_origin_cache", "_params", "_parts", "_raw_path", "_str")

    _parts: Parts

    def __init__(self, url: URL | str = "", **kwargs: Any) -> None:
        if kwargs:
            self._parts = _parts_with(_parts_of(url), kwargs)
        elif type(url) is str:  # the hot path: skip the isinstance() chain
            self._parts = parse_url(url)
        else:
            self._parts = _parts_of(url)

    @classmethod
    def _from_parts(cls, parts: Parts) -> URL:
        url = cls.__new__(cls)
        url._parts = parts
        return url

    # Components

    @property
    def scheme(self) -> str:
        """The scheme, lower-cased, such as ``"https"``; ``""`` when there is none."""
        return self._parts[0]

    @property
    def raw_scheme(self) -> bytes:
        """The scheme as ASCII bytes."""
        return self._parts[0].encode("ascii")

    @property
    def userinfo(self) -> bytes:
        """The ``username:password`` part, still percent-encoded, as bytes."""
        return self._parts[1].encode("ascii")

    @property
    def username(self) -> str:
        """The username, percent-decoded; ``""`` when there is none."""
        return unquote(self._parts[1].partition(":")[0])

    @property
    def password(self) -> str:
        """The password, percent-decoded; ``""`` when there is none."""
        return unquote(self._parts[1].partition(":")[2])

    @property
    def host(self) -> str:
        """The host as text: IDNA names decoded to Unicode, IPv6 without brackets.

        ``URL("https://xn--fa-hia.de").host`` is ``"faß.de"``. A host that is not
        valid IDNA is given in its ASCII form rather than raising.
        """
        return decode_host(self._parts[2])

    @property
    def raw_host(self) -> bytes:
        """The host as ASCII bytes, IDNA-encoded, IPv6 without brackets."""
        return self._parts[2].encode("ascii")

    @property
    def port(self) -> int | None:
        """The port; ``None`` when absent or the scheme's default (80 for http...)."""
        return self._parts[3]

    @property
    def netloc(self) -> bytes:
        """``host[:port]`` as bytes, IPv6 in brackets, the port only when not default."""
        try:
            return self._netloc
        except AttributeError:
            _, _, host, port, _, _, _ = self._parts
            netloc = f"[{host}]" if ":" in host else host
            if port is not None:
                netloc += f":{port}"
            self._netloc: bytes = netloc.encode("ascii")
            return self._netloc

    @property
    def path(self) -> str:
        """The path, percent-decoded; ``"/"`` when the URL has an empty path."""
        return unquote(self._parts[4] or "/")

    @property
    def query(self) -> bytes:
        """The query string without its ``?``, percent-encoded, as bytes."""
        return (self._parts[5] or "").encode("ascii")

    @property
    def params(self) -> QueryParams:
        """The query string parsed as ``QueryParams``."""
        try:
            return self._params
        except AttributeError:
            self._params: QueryParams = QueryParams(self._parts[5] or "")
            return self._params

    @property
    def raw_path(self) -> bytes:
        """The request target: the path (``/`` when empty) and ``?query`` if any."""
        try:
            return self._raw_path
        except AttributeError:
            path, query = self._parts[4] or "/", self._parts[5]
            target = path if query is None else f"{path}?{query}"
            self._raw_path: bytes = target.encode("ascii")
            return self._raw_path

    @property
    def fragment(self) -> str:
        """The fragment without its ``#``, percent-decoded."""
        return unquote(self._parts[6] or "")

    @property
    def is_absolute_url(self) -> bool:
        """True when the URL has both a scheme and a host, so it can be requested."""
        return bool(self._parts[0] and self._parts[2])

    @property
    def is_relative_url(self) -> bool:
        """True when the URL lacks a scheme or a host."""
        return not self.is_absolute_url

    @property
    def raw(self) -> RawURL:
        """``(raw_scheme, raw_host, port, raw_path)`` as a named tuple."""
        return RawURL(self.raw_scheme, self.raw_host, self.port, self.raw_path)

    @property
    def _origin(self) -> tuple[bytes, bytes, int]:
        """``(raw_scheme, raw_host, port)`` with the scheme's default port filled in.

        For use as a connection pool key. The port is 0 when neither the URL nor
        its scheme gives one.
        """
        try:
            return self._origin_cache
        except AttributeError:
            scheme, _, host, port, _, _, _ = self._parts
            if port is None:
                port = DEFAULT_PORTS.get(scheme, 0)
            self._origin_cache: tuple[bytes, bytes, int] = (
                scheme.encode("ascii"),
                host.encode("ascii"),
                port,
            )
            return self._origin_cache

    # New URLs from this one

    def copy_with(self, **kwargs: Any) -> URL:
        """A copy with some components replaced; see ``URL()`` for the arguments.

        ``scheme``, ``username``, ``password``, ``host``, ``path`` and ``fragment``
        take ``str``; ``userinfo``, ``netloc``, ``query`` and ``raw_path`` take
        ``bytes``; ``port`` takes an ``int``; ``params`` takes anything
        ``QueryParams`` accepts. ``None`` removes a component. Text arguments are
        percent-encoded where needed. Raises ``TypeError`` for an unknown argument or
        a wrong type, ``InvalidURL`` for an invalid value.
        """
        return URL(self, **kwargs)

    def copy_set_param(self, key: str, value: PrimitiveData = None) -> URL:
        """A copy whose query has ``key`` set to the single value ``value``."""
        return self.copy_with(params=self.params.set(key, value))

    def copy_add_param(self, key: str, value: PrimitiveData = None) -> URL:
        """A copy whose query has ``value`` appended to the values of ``key``."""
        return self.copy_with(params=self.params.add(key, value))

    def copy_remove_param(self, key: str) -> URL:
        """A copy whose query no longer has ``key``."""
        return self.copy_with(params=self.params.remove(key))

    def copy_merge_params(self, params: QueryParamTypes) -> URL:
        """A copy whose query has the keys of ``params`` replacing its own.

        Raises ``TypeError`` when ``params`` is of an unsupported type.
        """
        return self.copy_with(params=self.params.merge(params))

    def join(self, url: URL | str) -> URL:
        """Resolve ``url`` against this URL, as a browser follows a link.

        ``URL("https://example.org/a/b").join("../c")`` is
        ``URL("https://example.org/c")``. Raises ``TypeError`` when ``url`` is
        neither a ``str`` nor a ``URL``, ``InvalidURL`` when it is not valid.
        """
        reference = url._parts if isinstance(url, URL) else _parts_of(url)
        return URL._from_parts(join_parts(self._parts, reference))

    # Protocols

    def __str__(self) -> str:
        try:
            return self._str
        except AttributeError:
            self._str: str = unparse(self._parts)
            return self._str

    def __repr__(self) -> str:
        """``URL('...')``, with any password shown as ``[secure]``."""
        scheme, userinfo, host, port, path, query, fragment = self._parts
        if ":" in userinfo:
            username = userinfo.partition(":")[0]
            parts: Parts = (scheme, f"{username}:[secure]", host, port, path, query, fragment)
            return f"{type(self).__name__}({unparse(parts)!r})"
        return f"{type(self).__name__}({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        """Equal to a URL, or a string, that normalises to the same URL."""
        if isinstance(other, URL):
            return str(self) == str(other)
        if isinstance(other, str):
            if other == str(self):
                return True
            try:
                return str(self) == unparse(parse_url(other))
            except InvalidURL:
                return False
        return False

    def __hash__(self) -> int:
        return hash(str(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (URL, (str(self),))


def _parts_of(url: object) -> Parts:
    if isinstance(url, str):
        return parse_url(url)
    if isinstance(url, URL):
        return url._parts
    raise TypeError(
        f"Invalid type for url: expected str or URL, got {type(url).__name__}: {url!r}"
    )


def _parts_with(parts: Parts, kwargs: dict[str, Any]) -> Parts:
    if "params" in kwargs:
        # The query string of the parameters replaces any query given.
        kwargs = dict(kwargs)
        query = str(QueryParams(kwargs.pop("params")))
        kwargs["query"] = query.encode("ascii") if query else None
    return replace_parts(parts, kwargs)
