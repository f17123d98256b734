"""HTTP Digest access authentication (RFC 7616, compatible with RFC 2617 and 2069).

The exchange: the request goes out without credentials; a ``401`` carries a
``WWW-Authenticate: Digest`` challenge (realm, nonce, algorithm, qop...); the
client answers with a hash of the credentials, the challenge, the method and the
URI, and sends the request once more. The last challenge is kept so that later
requests to the same origin can answer it straight away, counting how many times
its nonce has been used (``nc``), as the RFC requires.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from urllib.parse import quote

from darter._auth import Auth, _check_credential
from darter._exceptions import ProtocolError, RequestNotRead
from darter._models._request import Request
from darter._models._response import Response

__all__ = ["DigestAuth", "RawChallenge", "parse_challenges"]

#: Algorithm names (upper-cased, without "-SESS") and the hashlib names behind them.
#: "SHA" (SHA-1) and "SHA-512" are not in RFC 7616's registry but are used in the wild.
HASH_ALGORITHMS = {
    "MD5": "md5",
    "SHA": "sha1",
    "SHA-256": "sha256",
    "SHA-512": "sha512",
    "SHA-512-256": "sha512_256",
}

# The grammar of RFC 9110 section 11 (challenges) and 5.6 (tokens, quoted strings).
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
# Any visible or obs-text character, HTAB and SP; a backslash quotes the next one.
# Control characters (CR and LF among them) make the challenge malformed, so none
# can travel from a challenge into the Authorization header that echoes it.
_QUOTED_STRING = r'"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[^\x00-\x08\x0a-\x1f\x7f])*"'
_TOKEN_RE = re.compile(_TOKEN)
_SPACES_RE = re.compile(r"[ \t]+")
_LIST_GAP_RE = re.compile(r"[ \t,]*")
_TOKEN68_RE = re.compile(r"([A-Za-z0-9._~+/-]+=*)[ \t]*(?=,|$)")
_PARAM_NAME_RE = re.compile(rf"({_TOKEN})[ \t]*=[ \t]*")
_PARAM_QUOTED_RE = re.compile(_QUOTED_STRING)
_PARAM_START_RE = re.compile(rf"{_TOKEN}[ \t]*=")
_QUOTED_PAIR_RE = re.compile(r"\\(.)")
# Whether a header field that failed to parse was meant to carry a Digest challenge.
_MENTIONS_DIGEST_RE = re.compile(r"(?:^|[\s,])digest(?:\s|,|$)", re.IGNORECASE)

# Characters RFC 8187 lets through unencoded in an ext-value (``username*``).
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"


@dataclass(frozen=True)
class RawChallenge:
    """One challenge of a ``WWW-Authenticate`` field, before any scheme-specific check.

    ``params`` maps lower-cased parameter names to their values (quoted strings
    unquoted); ``token68`` holds the single opaque value some schemes use instead.
    """

    scheme: str
    params: dict[str, str]
    token68: str | None = None


def parse_challenges(field: str) -> list[RawChallenge]:
    """Parse the value of one ``WWW-Authenticate`` field into its challenges.

    ``Digest realm="a, b", nonce="x", Basic realm="y"`` holds two challenges: a
    comma starts a new one when it is followed by a scheme name rather than a
    ``name=`` parameter. Raises ``ValueError`` saying what is wrong and where when
    the field does not follow the grammar (unbalanced quotes, a control character,
    a parameter given twice, a missing value...).
    """
    challenges: list[RawChallenge] = []
    end = len(field)
    pos = _skip(_LIST_GAP_RE, field, 0)
    while pos < end:
        scheme = _TOKEN_RE.match(field, pos)
        if scheme is None:
            raise ValueError(f"expected an authentication scheme at position {pos}")
        pos = _skip(_SPACES_RE, field, scheme.end())
        params: dict[str, str] = {}
        token68 = None
        if pos < end and field[pos] != ",":
            if scheme.end() == pos:
                raise ValueError(f"expected a space after the scheme at position {pos}")
            found = _TOKEN68_RE.match(field, pos)
            if found is not None:
                token68 = found.group(1)
                pos = found.end()
            else:
                pos = _parse_params(field, pos, params)
        challenges.append(RawChallenge(scheme.group(), params, token68))
        pos = _skip(_LIST_GAP_RE, field, pos)
    return challenges


def _parse_params(field: str, pos: int, params: dict[str, str]) -> int:
    """Read ``name=value`` parameters into ``params`` up to the next challenge.

    Returns the position of the next challenge's scheme (or the end).
    """
    end = len(field)
    while True:
        param = _PARAM_NAME_RE.match(field, pos)
        if param is None:
            raise ValueError(f"expected a name=value parameter at position {pos}")
        name, pos = param.group(1).lower(), param.end()
        if field.startswith('"', pos):
            found = _PARAM_QUOTED_RE.match(field, pos)
            if found is None:
                raise ValueError(
                    f"the quoted string at position {pos} is not terminated, or holds a "
                    "control character"
                )
            value = _QUOTED_PAIR_RE.sub(r"\1", found.group()[1:-1])
        else:
            found = _TOKEN_RE.match(field, pos)
            if found is None:
                raise ValueError(f"expected a value for {name!r} at position {pos}")
            value = found.group()
        if name in params:
            raise ValueError(f"the parameter {name!r} is given twice")
        params[name] = value
        pos = _skip(_SPACES_RE, field, found.end())
        if pos == end:
            return pos
        if field[pos] != ",":
            raise ValueError(f"expected a comma at position {pos}")
        pos = _skip(_LIST_GAP_RE, field, pos)
        if _PARAM_START_RE.match(field, pos) is None:
            return pos


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    found = pattern.match(text, pos)
    return pos if found is None else found.end()


def _quote(value: str) -> str:
    """``value`` as an HTTP quoted-string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _UnsupportedChallenge(Exception):
    """A well-formed Digest challenge this client cannot answer (algorithm, qop)."""


@dataclass(frozen=True)
class _Challenge:
    """A Digest challenge, checked and reduced to what computing the answer needs."""

    realm: str
    nonce: str
    algorithm: str  # as the server spelled it, to be echoed
    hash_name: str  # the hashlib name
    session: bool  # a "-sess" algorithm
    qop: str | None  # "auth", "auth-int", or None for RFC 2069 servers
    opaque: str | None
    userhash: bool
    utf8: bool  # the server declared charset=UTF-8

    @classmethod
    def from_raw(cls, raw: RawChallenge) -> _Challenge:
        """Check a parsed Digest challenge.

        Raises ``ValueError`` when it is malformed and ``_UnsupportedChallenge``
        when its algorithm or qop is not one this client implements.
        """
        if raw.token68 is not None:
            raise ValueError("a Digest challenge is made of name=value parameters")
        params = raw.params
        for required in ("realm", "nonce"):
            if required not in params:
                raise ValueError(f"the {required!r} parameter is missing")

        algorithm = params.get("algorithm", "MD5")
        name = algorithm.upper()
        session = name.endswith("-SESS")
        if session:
            name = name[: -len("-SESS")]
        hash_name = HASH_ALGORITHMS.get(name)
        if hash_name is None or hash_name not in hashlib.algorithms_available:
            raise _UnsupportedChallenge(f"the algorithm {algorithm!r}")

        qop = None
        if "qop" in params:
            offered = {option.strip().lower() for option in params["qop"].split(",")}
            # "auth" when offered: it needs no body, and protects the same credentials.
            qop = next((choice for choice in ("auth", "auth-int") if choice in offered), None)
            if qop is None:
                raise _UnsupportedChallenge(f"qop={params['qop']!r}")
        elif session:
            # The session key mixes in a client nonce, which RFC 2617 only lets the
            # client send along with a qop: the server could not verify the answer.
            raise ValueError(f"the algorithm {algorithm!r} requires a qop parameter")

        return cls(
            realm=params["realm"],
            nonce=params["nonce"],
            algorithm=algorithm,
            hash_name=hash_name,
            session=session,
            qop=qop,
            opaque=params.get("opaque"),
            userhash=params.get("userhash", "").lower() == "true",
            utf8=params.get("charset", "").lower() == "utf-8",
        )


def _client_nonce() -> str:
    """A fresh, unpredictable client nonce (``cnonce``)."""
    return secrets.token_hex(16)


_Origin = tuple[str, bytes, int | None]


class DigestAuth(Auth):
    """HTTP Digest authentication (RFC 7616; RFC 2617 and 2069 servers too).

    Answers a ``401`` response carrying a ``WWW-Authenticate: Digest`` challenge
    by sending the request once more with an ``Authorization`` header; any other
    response is returned as it is. Algorithms: MD5, SHA-256, SHA-512-256, SHA
    (SHA-1) and SHA-512, each also in its ``-sess`` form; qop ``auth`` and
    ``auth-int``; ``userhash``. The last challenge is reused for later requests to
    the same origin, so they authenticate without a ``401`` first::

        client = darter.Client(auth=darter.DigestAuth("user", "secret"))

    Raises ``LocalProtocolError`` for credentials containing CR, LF or NUL. The
    flow raises ``ProtocolError`` for a malformed Digest challenge, for one whose
    algorithm or qop is not supported, and for qop ``auth-int`` when the request
    body is a stream that was not read into memory.
    """

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        self._username = _check_credential(username, "username")
        self._password = _check_credential(password, "password")
        self._lock = threading.Lock()
        self._last_challenge: _Challenge | None = None
        self._last_origin: _Origin | None = None
        self._counted_nonce: str | None = None
        self._nonce_count = 0

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        """Send ``request``; answer a Digest challenge on a 401 by sending it once more."""
        origin = _origin(request)
        with self._lock:
            known = self._last_challenge if self._last_origin == origin else None
        if known is not None:
            request.headers["Authorization"] = self._authorization(request, known)

        response = yield request

        if response.status_code != 401:
            return
        challenge = _digest_challenge(response, request)
        if challenge is None:
            return
        with self._lock:
            self._last_challenge = challenge
            self._last_origin = origin
        request.headers["Authorization"] = self._authorization(request, challenge)
        yield request

    def _next_nonce_count(self, nonce: str) -> int:
        """How many requests (this one included) have answered ``nonce``."""
        with self._lock:
            if nonce != self._counted_nonce:
                self._counted_nonce = nonce
                self._nonce_count = 0
            self._nonce_count += 1
            return self._nonce_count

    def _authorization(self, request: Request, challenge: _Challenge) -> str:
        """The ``Authorization`` header value answering ``challenge`` for ``request``."""

        def digest(data: bytes) -> str:
            return hashlib.new(challenge.hash_name, data).hexdigest()

        nonce, qop = challenge.nonce, challenge.qop
        uri = request.url.raw_path.decode("ascii")
        cnonce = _client_nonce()
        nc = f"{self._next_nonce_count(nonce):08x}" if qop is not None else ""

        # RFC 7616 section 3.4.2: A1, and for "-sess" the session key built on it.
        ha1 = digest(b":".join((self._username, challenge.realm.encode(), self._password)))
        if challenge.session:
            ha1 = digest(f"{ha1}:{nonce}:{cnonce}".encode())
        # Section 3.4.3: A2, which covers the body too with auth-int.
        a2 = f"{request.method}:{uri}"
        if qop == "auth-int":
            a2 += ":" + digest(_request_body(request))
        # Section 3.4.1; without qop, the RFC 2069 form.
        if qop is None:
            answer = digest(f"{ha1}:{nonce}:{digest(a2.encode())}".encode())
        else:
            answer = digest(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{digest(a2.encode())}".encode())

        fields = [
            self._username_field(challenge, digest),
            f"realm={_quote(challenge.realm)}",
            f"nonce={_quote(challenge.nonce)}",
            f"uri={_quote(uri)}",
            f'response="{answer}"',
            f"algorithm={challenge.algorithm}",
        ]
        if challenge.opaque is not None:
            fields.append(f"opaque={_quote(challenge.opaque)}")
        if qop is not None:
            fields += [f"qop={qop}", f"nc={nc}", f'cnonce="{cnonce}"']
        if challenge.userhash:
            fields.append("userhash=true")
        return "Digest " + ", ".join(fields)

    def _username_field(self, challenge: _Challenge, digest: Callable[[bytes], str]) -> str:
        username = self._username
        if challenge.userhash:
            # RFC 7616 section 3.4.4: the server looks the user up by this hash.
            return f'username="{digest(username + b":" + challenge.realm.encode())}"'
        if challenge.utf8 and not username.isascii():
            # A server that announced charset=UTF-8 understands RFC 8187's form,
            # which keeps the header ASCII whatever the name.
            return "username*=UTF-8''" + quote(username, safe=_ATTR_CHAR_SAFE)
        # Older servers compare the quoted name byte for byte: send the UTF-8 as is.
        return f"username={_quote(username.decode('utf-8', errors='replace'))}"


def _origin(request: Request) -> _Origin:
    url = request.url
    return (url.scheme, url.raw_host, url.port)


def _digest_challenge(response: Response, request: Request) -> _Challenge | None:
    """The first Digest challenge of ``response`` this client can answer.

    ``None`` when the response carries no Digest challenge at all. Raises
    ``ProtocolError`` (about ``request``) for a malformed Digest challenge, or when
    every Digest challenge uses an algorithm or qop this client does not support.
    """
    unsupported: list[str] = []
    for field in response.headers.get_list("www-authenticate"):
        try:
            raws = parse_challenges(field)
        except ValueError as exc:
            # A broken challenge of another scheme must not stop Digest from working.
            if _MENTIONS_DIGEST_RE.search(field) is None:
                continue
            raise ProtocolError(
                f"Malformed Digest challenge in the WWW-Authenticate header ({exc}): {field!r}",
                request=request,
            ) from None
        for raw in raws:
            if raw.scheme.lower() != "digest":
                continue
            try:
                return _Challenge.from_raw(raw)
            except ValueError as exc:
                raise ProtocolError(
                    f"Malformed Digest challenge in the WWW-Authenticate header ({exc}): "
                    f"{field!r}",
                    request=request,
                ) from None
            except _UnsupportedChallenge as exc:
                # RFC 7616 section 3.7: skip to the next challenge the server offers.
                unsupported.append(str(exc))
    if unsupported:
        raise ProtocolError(
            "The server's Digest challenge uses "
            + ", ".join(unsupported)
            + ", which darter does not support.",
            request=request,
        )
    return None


def _request_body(request: Request) -> bytes:
    """The body that qop ``auth-int`` hashes; ``ProtocolError`` if it is not in memory."""
    try:
        return request.content
    except RequestNotRead:
        raise ProtocolError(
            "The server asks for Digest qop=auth-int, which hashes the request body, but "
            "the body is a stream that was not read: pass the content as bytes, or call "
            "request.read() before sending.",
            request=request,
        ) from None
