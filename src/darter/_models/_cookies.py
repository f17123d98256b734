"""``Cookies``: a cookie jar with a dict-like face, shared by clients and requests.

The storage and the rules are those of the standard library's ``http.cookiejar``
(which cookies a ``Set-Cookie`` header may set for a URL, and which ones go back
to the server: domain and path matching, ``Secure``, expiry). What lives here is
the mapping API on top of it, and two small adapters that present darter's
``Request`` and ``Response`` the way ``http.cookiejar`` expects to see
``urllib.request`` objects.

A ``Cookies`` object is made for every request a client sends, and most of them
stay empty, so the underlying ``CookieJar`` is only created when the first
cookie arrives or when ``jar`` is asked for.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, TypeGuard

from darter._exceptions import CookieConflict
from darter._types import CookieTypes

if TYPE_CHECKING:
    from http.cookiejar import Cookie, CookieJar

    from darter._models._headers import Headers
    from darter._models._request import Request
    from darter._models._response import Response

__all__ = ["Cookies"]

# Serialises the lazy creation of jars, so that two threads sharing a fresh
# ``Cookies`` cannot each create a jar and lose the cookies stored in one of them.
_JAR_CREATION_LOCK = threading.Lock()


class Cookies(MutableMapping[str, str]):
    """HTTP cookies: a mutable mapping of cookie names to values over a ``CookieJar``.

    Built from ``None``, a ``dict`` or a list of ``(name, value)`` pairs (cookies
    valid for any domain, path ``/``), another ``Cookies`` (its cookies are copied)
    or a ``http.cookiejar.CookieJar`` (used as it is, not copied)::

        cookies = darter.Cookies({"session": "abc"})
        cookies.set("theme", "dark", domain="example.org")
        cookies["session"]  # "abc"

    Several cookies may share a name (for different domains or paths): reading
    such a name without ``domain``/``path`` to tell them apart raises
    ``CookieConflict``. ``jar`` is the underlying ``CookieJar``.

    Raises ``TypeError`` when ``cookies`` is of none of the accepted types.
    """

    __slots__ = ("_jar",)

    def __init__(self, cookies: CookieTypes | None = None) -> None:
        self._jar: CookieJar | None = None
        if cookies is None:
            return
        if isinstance(cookies, Cookies):
            if cookies._jar is not None:
                self._add_all(cookies._jar)
        elif _is_cookie_jar(cookies):
            self._jar = cookies
        else:
            self._add_pairs(cookies)

    @property
    def jar(self) -> CookieJar:
        """The ``http.cookiejar.CookieJar`` holding the cookies (created on first use)."""
        jar = self._jar
        if jar is None:
            with _JAR_CREATION_LOCK:
                jar = self._jar
                if jar is None:
                    from http.cookiejar import CookieJar

                    jar = self._jar = CookieJar()
        return jar

    @jar.setter
    def jar(self, jar: CookieJar) -> None:
        self._jar = jar

    def _add_all(self, source: CookieJar) -> None:
        jar = self.jar
        for cookie in source:
            # Cookie objects are treated as immutable records, so sharing them
            # between jars is safe and saves a copy of each.
            jar.set_cookie(cookie)

    def _add_pairs(self, cookies: Any) -> None:
        pairs: Iterable[tuple[str, str]]
        if isinstance(cookies, Mapping):
            pairs = cookies.items()
        elif isinstance(cookies, (list, tuple)):
            pairs = cookies
        else:
            raise TypeError(
                "Cookies must be given as a dict, a list of (name, value) pairs, a "
                f"Cookies instance or a http.cookiejar.CookieJar, not {type(cookies).__name__}."
            )
        for name, value in pairs:
            self.set(name, value)

    # Exchanges with servers

    def extract_cookies(self, response: Response) -> None:
        """Store the cookies that ``response``'s ``Set-Cookie`` headers set.

        Each cookie is checked against the URL of ``response.request`` as
        ``http.cookiejar``'s policy requires (a ``Domain`` the host does not belong
        to, for instance, is refused); cookies already expired remove the stored
        cookie of the same name instead. Raises ``RuntimeError`` when the response
        has no request attached.
        """
        headers = response.headers
        # Most responses set no cookie: leave before building anything.
        if "set-cookie" not in headers and "set-cookie2" not in headers:
            return
        request = _CookieRequestView(response.request)
        self.jar.extract_cookies(_CookieResponseView(headers), request)  # type: ignore[arg-type]

    def set_cookie_header(self, request: Request) -> None:
        """Set the ``Cookie`` header of ``request`` from the cookies that apply to its URL.

        A cookie applies when its domain and path match the URL, it has not
        expired, and it is not ``Secure`` or the URL is https. A ``Cookie`` header
        already present on the request is left as it is.
        """
        jar = self._jar
        if jar is None or _is_certainly_empty(jar):
            return
        jar.add_cookie_header(_CookieRequestView(request))  # type: ignore[arg-type]

    # Explicit access

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        """Store a cookie, replacing any with the same name, domain and path.

        With the default ``domain=""`` the cookie is sent to every host.
        """
        from http.cookiejar import Cookie

        cookie = Cookie(
            version=0,
            name=name,
            value=value,
            port=None,
            port_specified=False,
            domain=domain,
            domain_specified=bool(domain),
            domain_initial_dot=domain.startswith("."),
            path=path,
            path_specified=bool(path),
            secure=False,
            expires=None,
            discard=True,
            comment=None,
            comment_url=None,
            rest={"HttpOnly": None},  # type: ignore[dict-item]  # a flag with no value
            rfc2109=False,
        )
        self.jar.set_cookie(cookie)

    def get(  # type: ignore[override]
        self,
        name: str,
        default: str | None = None,
        domain: str | None = None,
        path: str | None = None,
    ) -> str | None:
        """The value of cookie ``name``, or ``default`` when there is none.

        ``domain`` and ``path``, when given, must equal the cookie's exactly.
        Raises ``CookieConflict`` when more than one cookie matches.
        """
        matches = self._matching(name, domain, path)
        if not matches:
            return default
        if len(matches) > 1:
            where = ", ".join(f"domain={c.domain!r} path={c.path!r}" for c in matches)
            raise CookieConflict(
                f"Multiple cookies exist with name={name} ({where}): pass domain= "
                "and/or path= to choose one."
            )
        value = matches[0].value
        return default if value is None else value

    def delete(self, name: str, domain: str | None = None, path: str | None = None) -> None:
        """Remove the cookies called ``name`` (only in ``domain``/``path`` when given).

        Nothing happens when no cookie matches, except that with both ``domain``
        and ``path`` given the cookie is looked up directly, and its absence raises
        ``KeyError`` as ``CookieJar.clear`` does.
        """
        if domain is not None and path is not None:
            self.jar.clear(domain, path, name)
            return
        for cookie in self._matching(name, domain, path):
            self.jar.clear(cookie.domain, cookie.path, cookie.name)

    def clear(self, domain: str | None = None, path: str | None = None) -> None:
        """Remove every cookie, or those of ``domain``, or those of ``domain`` and ``path``.

        Raises ``KeyError`` when ``domain`` (or ``path`` within it) holds no cookie,
        as ``CookieJar.clear`` does, and ``ValueError`` for a ``path`` without a
        ``domain``.
        """
        if domain is None:
            if path is not None:
                raise ValueError("Cookies.clear(path=...) needs the domain as well.")
            if self._jar is not None:
                self._jar.clear()
        elif path is None:
            self.jar.clear(domain)
        else:
            self.jar.clear(domain, path)

    def update(self, cookies: CookieTypes | None = None) -> None:  # type: ignore[override]
        """Add the cookies of ``cookies`` (any type the constructor accepts).

        Cookies with the same name, domain and path as one given are replaced.
        Raises ``TypeError`` for a value of none of the accepted types.
        """
        if cookies is None:
            return
        if isinstance(cookies, Cookies):
            if cookies._jar is not None:
                self._add_all(cookies._jar)
        elif _is_cookie_jar(cookies):
            self._add_all(cookies)
        else:
            self._add_pairs(cookies)

    def _matching(self, name: str, domain: str | None, path: str | None) -> list[Cookie]:
        jar = self._jar
        if jar is None:
            return []
        return [
            cookie
            for cookie in jar
            if cookie.name == name
            and (domain is None or cookie.domain == domain)
            and (path is None or cookie.path == path)
        ]

    # The mapping protocol

    def __getitem__(self, name: str) -> str:
        """The value of cookie ``name``.

        Raises ``KeyError`` if there is none, ``CookieConflict`` if several match.
        """
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __setitem__(self, name: str, value: str) -> None:
        """Store a cookie valid for every domain, path ``/``."""
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        """Remove every cookie called ``name``; nothing happens when there is none."""
        self.delete(name)

    def __contains__(self, name: object) -> bool:
        # Answers whether ``self[name]`` would find a value, but without raising
        # ``CookieConflict`` when several cookies share the name.
        jar = self._jar
        if jar is None:
            return False
        return any(cookie.name == name and cookie.value is not None for cookie in jar)

    def __len__(self) -> int:
        jar = self._jar
        return 0 if jar is None else len(jar)

    def __iter__(self) -> Iterator[str]:
        """The name of every cookie, once per cookie (so possibly repeated)."""
        jar = self._jar
        if jar is None:
            return iter(())
        return (cookie.name for cookie in jar)

    def __bool__(self) -> bool:
        jar = self._jar
        if jar is None or _is_certainly_empty(jar):
            return False
        return any(True for _ in jar)

    def __repr__(self) -> str:
        jar = self._jar
        shown = (
            []
            if jar is None
            else [f"<Cookie {cookie.name}={cookie.value} for {cookie.domain} />" for cookie in jar]
        )
        return f"<Cookies[{', '.join(shown)}]>"


def _is_cookie_jar(value: object) -> TypeGuard[CookieJar]:
    """True when ``value`` is a ``http.cookiejar.CookieJar``.

    The standard library's cookie module (and the urllib and email modules it
    pulls in) is imported only when the first jar is needed, which keeps it out of
    ``import darter``; a jar passed in means that module is loaded already.
    """
    module = sys.modules.get("http.cookiejar")
    return module is not None and isinstance(value, module.CookieJar)


def _is_certainly_empty(jar: CookieJar) -> bool:
    """True when ``jar`` is a plain ``CookieJar`` whose storage is empty.

    Iterating a jar sorts its storage and builds generators; on the path of every
    request it is worth peeking at the storage dict first. Only the exact class is
    trusted with this, since a subclass may keep its cookies elsewhere.
    """
    return type(jar) is sys.modules["http.cookiejar"].CookieJar and not getattr(
        jar, "_cookies", True
    )


class _CookieRequestView:
    """A darter ``Request`` seen as the ``urllib.request.Request`` that ``http.cookiejar`` reads.

    The jar asks for the full URL, scheme (``type``), ``host``, the origin host,
    whether the request is unverifiable, and for reading and adding headers.
    """

    __slots__ = ("_full_url", "_request", "host", "origin_req_host", "type", "unverifiable")

    def __init__(self, request: Request) -> None:
        url = request.url
        self._request = request
        self.type = url.scheme
        # The host with its port, never the userinfo: ``user:pass@`` in front of the
        # host would otherwise end up in the cookie's domain.
        self.host = url.netloc.decode("ascii")
        self.origin_req_host = url.raw_host.decode("ascii")
        # Requests a client sends are the user's own, never third-party fetches.
        self.unverifiable = False
        path = url.raw_path.decode("ascii")
        self._full_url = f"{self.type}://{self.host}{path}" if self.host else path

    def get_full_url(self) -> str:
        return self._full_url

    def has_header(self, name: str) -> bool:
        # Compared on the raw bytes: a text lookup would make the headers settle on
        # an encoding now, which would then refuse non-ASCII values set later on.
        wanted = name.lower().encode("ascii")
        return any(key.lower() == wanted for key, _ in self._request.headers.raw)

    def get_header(self, name: str, default: str | None = None) -> str | None:
        value: str | None = self._request.headers.get(name, default)
        return value

    def add_unredirected_header(self, name: str, value: str) -> None:
        self._request.headers[name] = value


class _CookieResponseView:
    """A darter ``Response``'s headers seen as the ``info()`` message ``http.cookiejar`` reads."""

    __slots__ = ("_headers",)

    def __init__(self, headers: Headers) -> None:
        self._headers = headers

    def info(self) -> _CookieResponseView:
        return self

    def get_all(self, name: str, default: list[str]) -> list[str]:
        return self._headers.get_list(name) or default
