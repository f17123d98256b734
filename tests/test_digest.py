"""Tests of DigestAuth (RFC 7616) and of the WWW-Authenticate challenge parser.

Expected answers are computed here from the RFC's formulas, independently of the
module under test, and checked against the worked example of RFC 7616 section
3.9.1.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from collections.abc import Callable, Generator
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import given
from hypothesis import strategies as st

import darter
from darter import _digest
from darter._digest import DigestAuth

HASHES: dict[str, Callable[[bytes], Any]] = {
    "MD5": hashlib.md5,
    "SHA": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-512": hashlib.sha512,
    "SHA-512-256": lambda data: hashlib.new("sha512_256", data),
}

# RFC 7616 section 3.9.1.
RFC_USER, RFC_PASSWORD = "Mufasa", "Circle of Life"
RFC_REALM = "http-auth@example.org"
RFC_NONCE = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
RFC_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
RFC_OPAQUE = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
RFC_URL = "http://www.example.org/dir/index.html"


def rfc_challenge(algorithm: str) -> str:
    return (
        f'Digest realm="{RFC_REALM}", qop="auth, auth-int", algorithm={algorithm}, '
        f'nonce="{RFC_NONCE}", opaque="{RFC_OPAQUE}"'
    )


@pytest.fixture
def fixed_cnonce(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(_digest, "_client_nonce", lambda: RFC_CNONCE)
    return RFC_CNONCE


# Helpers: an independent reading of the Authorization header, and the RFC formulas.


def header_fields(authorization: str) -> dict[str, str]:
    """The parameters of a ``Digest ...`` Authorization value, quotes removed."""
    assert authorization.startswith("Digest ")
    pattern = r'\s*([\w*-]+)=("(?:[^"\\]|\\.)*"|[^\s,]+)\s*(?:,|$)'
    fields: dict[str, str] = {}
    for name, value in re.findall(pattern, authorization[len("Digest ") :]):
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        assert name not in fields
        fields[name] = value
    return fields


def expected_response(
    fields: dict[str, str],
    *,
    username: str,
    password: str,
    method: str,
    algorithm: str = "MD5",
    body: bytes = b"",
) -> str:
    """The ``response`` RFC 7616 section 3.4.1 defines, from the header's own fields."""
    session = algorithm.upper().endswith("-SESS")
    base = algorithm.upper().removesuffix("-SESS")

    def h(text: str | bytes) -> str:
        data = text.encode("utf-8") if isinstance(text, str) else text
        return str(HASHES[base](data).hexdigest())

    ha1 = h(f"{username}:{fields['realm']}:{password}")
    if session:
        ha1 = h(f"{ha1}:{fields['nonce']}:{fields['cnonce']}")
    a2 = f"{method}:{fields['uri']}"
    if fields.get("qop") == "auth-int":
        a2 += ":" + h(body)
    if "qop" not in fields:
        return h(f"{ha1}:{fields['nonce']}:{h(a2)}")
    qop = fields["qop"]
    return h(f"{ha1}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:{qop}:{h(a2)}")


def unauthorized(*challenges: str) -> darter.Response:
    # As bytes, so that a challenge may hold UTF-8 text as servers send it.
    fields = [(b"WWW-Authenticate", value.encode()) for value in challenges]
    return darter.Response(401, headers=fields)


def start(
    auth: DigestAuth, request: darter.Request
) -> Generator[darter.Request, darter.Response, None]:
    """Start the flow; the first request it yields must be ``request`` itself."""
    flow = auth.auth_flow(request)
    assert next(flow) is request
    return flow


def answer(
    auth: DigestAuth, request: darter.Request, response: darter.Response
) -> tuple[Generator[darter.Request, darter.Response, None], dict[str, str]]:
    """Drive one flow to its retry after ``response``; the retry's Authorization fields."""
    flow = start(auth, request)
    retry = flow.send(response)
    assert retry is request
    return flow, header_fields(retry.headers["Authorization"])


def finish(
    flow: Generator[darter.Request, darter.Response, None], response: darter.Response
) -> None:
    with pytest.raises(StopIteration):
        flow.send(response)


def get(url: str = RFC_URL, **kwargs: Any) -> darter.Request:
    return darter.Request("GET", url, **kwargs)


# The RFC example


@pytest.mark.parametrize(
    ("algorithm", "response"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc_7616_example(fixed_cnonce: str, algorithm: str, response: str) -> None:
    auth = DigestAuth(RFC_USER, RFC_PASSWORD)
    request = get()
    flow, _ = answer(auth, request, unauthorized(rfc_challenge(algorithm)))
    assert request.headers["Authorization"] == (
        f'Digest username="{RFC_USER}", realm="{RFC_REALM}", nonce="{RFC_NONCE}", '
        f'uri="/dir/index.html", response="{response}", algorithm={algorithm}, '
        f'opaque="{RFC_OPAQUE}", qop=auth, nc=00000001, cnonce="{fixed_cnonce}"'
    )
    finish(flow, darter.Response(200))


def test_rfc_example_matches_the_independent_formula(fixed_cnonce: str) -> None:
    fields = {"realm": RFC_REALM, "nonce": RFC_NONCE, "uri": "/dir/index.html"}
    fields.update(qop="auth", nc="00000001", cnonce=fixed_cnonce)
    common: dict[str, Any] = {"username": RFC_USER, "password": RFC_PASSWORD, "method": "GET"}
    assert expected_response(fields, **common) == "8ca523f5e9506fed4657c9700eebdbec"
    assert expected_response(fields, algorithm="SHA-256", **common) == (
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    )


# Every algorithm and qop


# A "-sess" algorithm needs a qop: without one, see test_malformed_challenge.
@pytest.mark.parametrize(
    ("algorithm", "qop"),
    [(name, qop) for name in HASHES for qop in ("auth", "auth-int", None)]
    + [(f"{name}-sess", qop) for name in HASHES for qop in ("auth", "auth-int")],
)
def test_algorithms_and_qops(algorithm: str, qop: str | None) -> None:
    challenge = f'Digest realm="r@example", nonce="abc123", algorithm={algorithm}'
    if qop is not None:
        challenge += f', qop="{qop}"'
    body = b'{"key": "value"}'
    request = darter.Request("POST", "https://example.org/api/items?page=2", content=body)
    flow, fields = answer(DigestAuth("user", "pass"), request, unauthorized(challenge))
    assert fields["algorithm"] == algorithm
    assert fields["uri"] == "/api/items?page=2"
    assert fields["response"] == expected_response(
        fields, username="user", password="pass", method="POST", algorithm=algorithm, body=body
    )
    if qop is None:
        assert not {"qop", "nc", "cnonce"} & set(fields)
    else:
        assert fields["qop"] == qop
        assert fields["nc"] == "00000001"
        assert len(fields["cnonce"]) >= 16
    assert "opaque" not in fields
    assert "userhash" not in fields
    finish(flow, darter.Response(200))


def test_missing_algorithm_means_md5() -> None:
    _, fields = answer(DigestAuth("u", "p"), get(), unauthorized('Digest realm="r", nonce="n"'))
    assert fields["algorithm"] == "MD5"
    assert fields["response"] == expected_response(
        fields, username="u", password="p", method="GET"
    )


def test_algorithm_name_is_echoed_as_the_server_spelled_it() -> None:
    challenge = 'Digest realm="r", nonce="n", qop="auth", algorithm="sha-256-Sess"'
    _, fields = answer(DigestAuth("u", "p"), get(), unauthorized(challenge))
    assert fields["algorithm"] == "sha-256-Sess"
    expected = expected_response(
        fields, username="u", password="p", method="GET", algorithm="SHA-256-sess"
    )
    assert fields["response"] == expected


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [("auth", "auth"), ("auth-int", "auth-int"), ("auth-int, auth", "auth"), ("AUTH", "auth")],
)
def test_qop_choice(offered: str, chosen: str) -> None:
    challenge = f'Digest realm="r", nonce="n", qop="{offered}"'
    _, fields = answer(DigestAuth("u", "p"), get(), unauthorized(challenge))
    assert fields["qop"] == chosen


def test_qop_as_a_bare_token() -> None:
    _, fields = answer(
        DigestAuth("u", "p"), get(), unauthorized("Digest realm=r, nonce=n, qop=auth")
    )
    assert fields["qop"] == "auth"
    assert fields["response"] == expected_response(
        fields, username="u", password="p", method="GET"
    )


def test_auth_int_hashes_the_body() -> None:
    challenge = 'Digest realm="r", nonce="n", qop="auth-int"'
    request = darter.Request("PUT", "http://example.org/file", content=b"contents")
    _, fields = answer(DigestAuth("u", "p"), request, unauthorized(challenge))
    kwargs: dict[str, Any] = {"username": "u", "password": "p", "method": "PUT"}
    assert fields["response"] == expected_response(fields, body=b"contents", **kwargs)
    assert fields["response"] != expected_response(fields, body=b"", **kwargs)


def test_auth_int_with_an_unread_stream_body() -> None:
    challenge = 'Digest realm="r", nonce="n", qop="auth-int"'
    request = darter.Request("PUT", "http://example.org/", stream=darter.ByteStream(b"data"))
    flow = start(DigestAuth("u", "p"), request)
    response = unauthorized(challenge)
    with pytest.raises(darter.ProtocolError, match="auth-int") as info:
        flow.send(response)
    assert info.value.request is request


def test_opaque_is_echoed() -> None:
    challenge = 'Digest realm="r", nonce="n", opaque="some, \\"opaque\\" value"'
    _, fields = answer(DigestAuth("u", "p"), get(), unauthorized(challenge))
    assert fields["opaque"] == 'some, "opaque" value'


# Names and quoting


def test_special_characters_are_escaped_and_hashed_unescaped() -> None:
    challenge = 'Digest realm="the \\"best\\" realm, with \\\\ and commas", nonce="n", qop=auth'
    request = get()
    _, fields = answer(DigestAuth('a "quoted" \\ user', "p"), request, unauthorized(challenge))
    authorization = request.headers["Authorization"]
    assert 'realm="the \\"best\\" realm, with \\\\ and commas"' in authorization
    assert 'username="a \\"quoted\\" \\\\ user"' in authorization
    assert fields["realm"] == 'the "best" realm, with \\ and commas'
    assert fields["username"] == 'a "quoted" \\ user'
    expected = expected_response(fields, username=fields["username"], password="p", method="GET")
    assert fields["response"] == expected


def test_userhash() -> None:
    challenge = (
        'Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="n", '
        "charset=UTF-8, userhash=true"
    )
    username = "J\u00e4s\u00f8n Doe"
    _, fields = answer(DigestAuth(username, "Secret, or not?"), get(), unauthorized(challenge))
    # RFC 7616 section 3.4.4: the username is replaced by H(username ":" realm).
    userhash = hashlib.new("sha512_256", f"{username}:api@example.org".encode()).hexdigest()
    assert fields["username"] == userhash
    assert fields["userhash"] == "true"
    expected = expected_response(
        fields,
        username=username,
        password="Secret, or not?",
        method="GET",
        algorithm="SHA-512-256",
    )
    assert fields["response"] == expected


def test_userhash_false() -> None:
    challenge = 'Digest realm="r", nonce="n", userhash=false'
    _, fields = answer(DigestAuth("u", "p"), get(), unauthorized(challenge))
    assert fields["username"] == "u"
    assert "userhash" not in fields


def test_non_ascii_username_with_utf8_charset() -> None:
    challenge = 'Digest realm="r", nonce="n", qop=auth, charset="utf-8"'
    username = "J\u00e4s\u00f8n Doe"
    request = get()
    _, fields = answer(DigestAuth(username, "p\u00e4ss"), request, unauthorized(challenge))
    assert "username" not in fields
    assert fields["username*"] == "UTF-8''J%C3%A4s%C3%B8n%20Doe"
    assert unquote_to_bytes(fields["username*"][7:]).decode() == username
    assert request.headers["Authorization"].isascii()
    expected = expected_response(fields, username=username, password="p\u00e4ss", method="GET")
    assert fields["response"] == expected


def test_non_ascii_username_without_charset_is_sent_as_utf8() -> None:
    challenge = 'Digest realm="r", nonce="n", qop=auth'
    username = "J\u00e4s\u00f8n"
    request = get()
    _, fields = answer(DigestAuth(username, "p"), request, unauthorized(challenge))
    assert fields["username"] == username
    assert b'username="J\xc3\xa4s\xc3\xb8n"' in dict(request.headers.raw)[b"Authorization"]


def test_bytes_credentials() -> None:
    challenge = 'Digest realm="r", nonce="n", qop=auth'
    _, fields = answer(DigestAuth(b"user", b"pass"), get(), unauthorized(challenge))
    assert fields["username"] == "user"
    assert fields["response"] == expected_response(
        fields, username="user", password="pass", method="GET"
    )


@pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\x00b", b"a\r\nb"])
@pytest.mark.parametrize("which", ["username", "password"])
def test_credentials_with_line_breaks_or_nul(bad: str | bytes, which: str) -> None:
    credentials: dict[str, str | bytes] = {"username": "u", "password": "p", which: bad}
    with pytest.raises(darter.LocalProtocolError, match=which):
        DigestAuth(**credentials)


# Which responses are answered


def test_success_is_returned_untouched() -> None:
    request = get()
    flow = start(DigestAuth("u", "p"), request)
    finish(flow, darter.Response(200, request=request))
    assert "Authorization" not in request.headers


@pytest.mark.parametrize(
    "headers",
    [[], [("WWW-Authenticate", 'Basic realm="r"')], [("WWW-Authenticate", "Bearer")]],
)
def test_401_without_digest_challenge_is_returned(headers: list[tuple[str, str]]) -> None:
    request = get()
    flow = start(DigestAuth("u", "p"), request)
    finish(flow, darter.Response(401, headers=headers, request=request))
    assert "Authorization" not in request.headers


def test_other_status_with_a_challenge_is_returned() -> None:
    request = get()
    flow = start(DigestAuth("u", "p"), request)
    response = darter.Response(
        407, headers={"www-authenticate": 'Digest realm="r", nonce="n"'}, request=request
    )
    finish(flow, response)


def test_retries_only_once() -> None:
    flow, _ = answer(DigestAuth("u", "wrong"), get(), unauthorized('Digest realm="r", nonce="n"'))
    finish(flow, unauthorized('Digest realm="r", nonce="n"'))


def test_digest_chosen_among_several_challenges() -> None:
    request = get()
    response = unauthorized(
        'Basic realm="basic", Digest realm="digest, yes", nonce="n1", Bearer',
        'Digest realm="second", nonce="n2"',
    )
    _, fields = answer(DigestAuth("u", "p"), request, response)
    assert (fields["realm"], fields["nonce"]) == ("digest, yes", "n1")


def test_digest_challenge_in_a_later_field() -> None:
    response = unauthorized(
        'Basic realm="basic"', "Negotiate abc==", 'Digest realm="r", nonce="n"'
    )
    _, fields = answer(DigestAuth("u", "p"), get(), response)
    assert fields["realm"] == "r"


def test_first_supported_algorithm_wins() -> None:
    response = unauthorized(
        'Digest realm="r", nonce="n", algorithm=SHA3-512, qop="auth", '
        'Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth", '
        'Digest realm="r", nonce="n", algorithm=MD5, qop="auth"'
    )
    _, fields = answer(DigestAuth("u", "p"), get(), response)
    assert fields["algorithm"] == "SHA-256"


def test_unsupported_qop_is_skipped_for_another_challenge() -> None:
    response = unauthorized(
        'Digest realm="r", nonce="n", qop="auth-conf"',
        'Digest realm="r", nonce="n", qop="auth"',
    )
    _, fields = answer(DigestAuth("u", "p"), get(), response)
    assert fields["qop"] == "auth"


def test_malformed_field_of_another_scheme_is_ignored() -> None:
    response = unauthorized('Bearer realm="unterminated', 'Digest realm="r", nonce="n"')
    _, fields = answer(DigestAuth("u", "p"), get(), response)
    assert fields["nonce"] == "n"


# Errors


def flow_error(*challenges: str) -> darter.ProtocolError:
    request = get()
    flow = start(DigestAuth("u", "p"), request)
    response = unauthorized(*challenges)
    with pytest.raises(darter.ProtocolError) as info:
        flow.send(response)
    assert info.value.request is request
    return info.value


@pytest.mark.parametrize(
    ("challenge", "reason"),
    [
        ('Digest realm="r"', "'nonce' parameter is missing"),
        ('Digest nonce="n"', "'realm' parameter is missing"),
        ("Digest", "'realm' parameter is missing"),
        ("Digest abcdef==", "name=value parameters"),
        ('Digest realm="r, nonce="n"', "expected a comma"),
        ('Digest realm="r" nonce="n"', "expected a comma"),
        ('Digest realm="r", realm="s", nonce="n"', "'realm' is given twice"),
        ('Digest realm="r", nonce="n\r\nInjected: yes"', "holds a control character"),
        ('Digest realm="r", nonce="n\x00"', "holds a control character"),
        ('Digest realm="r", nonce="n', "is not terminated"),
        ("Digest realm=, nonce=n", "expected a space after the scheme"),
        ('Digest realm="r", nonce="n", algorithm=MD5-sess', "requires a qop"),
    ],
)
def test_malformed_challenge(challenge: str, reason: str) -> None:
    message = str(flow_error(challenge))
    assert message.startswith("Malformed Digest challenge in the WWW-Authenticate header")
    assert reason in message


@pytest.mark.parametrize(
    ("challenge", "named"),
    [
        ('Digest realm="r", nonce="n", algorithm=SHA3-256', "the algorithm 'SHA3-256'"),
        ('Digest realm="r", nonce="n", algorithm=MD5-foo', "the algorithm 'MD5-foo'"),
        ('Digest realm="r", nonce="n", qop="auth-conf"', "qop='auth-conf'"),
        ('Digest realm="r", nonce="n", qop=""', "qop=''"),
    ],
)
def test_unsupported_challenge(challenge: str, named: str) -> None:
    message = str(flow_error(challenge))
    assert named in message
    assert "does not support" in message


def test_every_unsupported_challenge_is_named() -> None:
    message = str(
        flow_error(
            'Digest realm="r", nonce="n", algorithm=A, Digest realm="r", nonce="n", algorithm=B'
        )
    )
    assert "'A'" in message
    assert "'B'" in message


def test_sha512_256_missing_from_hashlib(monkeypatch: pytest.MonkeyPatch) -> None:
    available = hashlib.algorithms_available - {"sha512_256"}
    monkeypatch.setattr(hashlib, "algorithms_available", available)
    message = str(flow_error('Digest realm="r", nonce="n", algorithm=SHA-512-256, qop=auth'))
    assert "'SHA-512-256'" in message


# Reusing the last challenge


def test_later_requests_authenticate_straight_away() -> None:
    auth = DigestAuth("u", "p")
    challenge = 'Digest realm="r", nonce="n", qop="auth", opaque="o"'
    flow, first = answer(auth, get(), unauthorized(challenge))
    finish(flow, darter.Response(200))

    request = darter.Request("POST", "http://www.example.org/other?x=1", content=b"x")
    flow = start(auth, request)
    second = header_fields(request.headers["Authorization"])
    finish(flow, darter.Response(200))
    assert second["nc"] == "00000002"
    assert second["cnonce"] != first["cnonce"]
    assert second["uri"] == "/other?x=1"
    assert second["opaque"] == "o"
    assert second["response"] == expected_response(
        second, username="u", password="p", method="POST"
    )


def test_nonce_count_increments_per_request() -> None:
    auth = DigestAuth("u", "p")
    flow, _ = answer(auth, get(), unauthorized('Digest realm="r", nonce="n", qop=auth'))
    finish(flow, darter.Response(200))
    counts = []
    for _ in range(3):
        request = get()
        flow = start(auth, request)
        counts.append(header_fields(request.headers["Authorization"])["nc"])
        finish(flow, darter.Response(200))
    assert counts == ["00000002", "00000003", "00000004"]


def test_no_nonce_count_without_qop() -> None:
    auth = DigestAuth("u", "p")
    flow, _ = answer(auth, get(), unauthorized('Digest realm="r", nonce="n"'))
    finish(flow, darter.Response(200))
    request = get()
    start(auth, request)
    fields = header_fields(request.headers["Authorization"])
    assert "nc" not in fields
    assert fields["response"] == expected_response(
        fields, username="u", password="p", method="GET"
    )


def test_stale_nonce_is_replaced_and_the_count_restarts() -> None:
    auth = DigestAuth("u", "p")
    flow, _ = answer(auth, get(), unauthorized('Digest realm="r", nonce="old", qop=auth'))
    finish(flow, darter.Response(200))

    request = get()
    flow = start(auth, request)
    assert header_fields(request.headers["Authorization"])["nc"] == "00000002"
    stale = unauthorized('Digest realm="r", nonce="new", qop=auth, stale=true')
    retry = flow.send(stale)
    fields = header_fields(retry.headers["Authorization"])
    assert (fields["nonce"], fields["nc"]) == ("new", "00000001")
    finish(flow, darter.Response(200))

    request = get()
    start(auth, request)
    fields = header_fields(request.headers["Authorization"])
    assert (fields["nonce"], fields["nc"]) == ("new", "00000002")


def test_same_nonce_challenged_again_keeps_counting() -> None:
    # Reusing an nc value with the same nonce would look like a replay to the server.
    auth = DigestAuth("u", "p")
    challenge = 'Digest realm="r", nonce="n", qop=auth'
    flow, first = answer(auth, get(), unauthorized(challenge))
    finish(flow, darter.Response(200))
    request = get()
    flow = start(auth, request)
    again = unauthorized(challenge)
    retry = flow.send(again)
    assert first["nc"] == "00000001"
    assert header_fields(retry.headers["Authorization"])["nc"] == "00000003"


@pytest.mark.parametrize(
    "other",
    ["https://www.example.org/", "http://example.org/", "http://www.example.org:8080/"],
)
def test_no_credentials_sent_to_another_origin(other: str) -> None:
    auth = DigestAuth("u", "p")
    flow, _ = answer(auth, get(), unauthorized('Digest realm="r", nonce="n", qop=auth'))
    finish(flow, darter.Response(200))
    request = get(other)
    flow = start(auth, request)
    assert "Authorization" not in request.headers
    finish(flow, darter.Response(200))
    request = get()
    start(auth, request)
    assert "Authorization" in request.headers


def test_nonce_counts_are_unique_across_threads() -> None:
    auth = DigestAuth("u", "p")
    flow, _ = answer(auth, get(), unauthorized('Digest realm="r", nonce="n", qop=auth'))
    finish(flow, darter.Response(200))
    counts: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(50):
            request = get()
            start(auth, request)
            with lock:
                counts.append(header_fields(request.headers["Authorization"])["nc"])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(int(count, 16) for count in counts) == list(range(2, 402))


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


printable = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="\x7f")
)


@given(realm=printable, opaque=printable, username=printable)
def test_authorization_header_is_one_clean_line(realm: str, opaque: str, username: str) -> None:
    challenge = f"Digest realm={quote(realm)}, nonce=n, opaque={quote(opaque)}, qop=auth"
    request = get()
    _, fields = answer(DigestAuth(username, "p"), request, unauthorized(challenge))
    assert not {"\r", "\n", "\x00"} & set(request.headers["Authorization"])
    assert (fields["realm"], fields["opaque"], fields["username"]) == (realm, opaque, username)
    assert fields["response"] == expected_response(
        fields, username=username, password="p", method="GET"
    )


# Through a client


class DigestServer:
    """A MockTransport handler that checks Digest answers as a server would."""

    def __init__(self, algorithm: str = "SHA-256", qop: str = "auth") -> None:
        self.algorithm = algorithm
        self.qop = qop
        self.nonce_number = 0
        self.seen: list[str | None] = []
        self.counts: dict[str, int] = {}

    @property
    def nonce(self) -> str:
        return f"nonce-{self.nonce_number}"

    def challenge(self, stale: bool = False) -> darter.Response:
        value = (
            f'Digest realm="test", nonce="{self.nonce}", qop="{self.qop}", '
            f'algorithm={self.algorithm}, opaque="xyz"'
        )
        if stale:
            value += ", stale=true"
        return darter.Response(401, headers={"WWW-Authenticate": value}, text="who are you?")

    def __call__(self, request: darter.Request) -> darter.Response:
        authorization = request.headers.get("Authorization")
        self.seen.append(authorization)
        if authorization is None:
            return self.challenge()
        fields = header_fields(authorization)
        expected = expected_response(
            fields,
            username="user",
            password="secret",
            method=request.method,
            algorithm=self.algorithm,
            body=request.content,
        )
        if fields["response"] != expected or fields["opaque"] != "xyz":
            return self.challenge()
        count = int(fields["nc"], 16)
        if fields["nonce"] != self.nonce:
            return self.challenge(stale=True)
        if count <= self.counts.get(fields["nonce"], 0):
            return darter.Response(400, text="replayed nonce count")
        self.counts[fields["nonce"]] = count
        return darter.Response(200, json={"user": fields["username"]})


def test_client() -> None:
    server = DigestServer()
    auth = darter.DigestAuth("user", "secret")
    with darter.Client(transport=darter.MockTransport(server), auth=auth) as client:
        response = client.get("http://example.org/private")
        assert response.status_code == 200
        assert response.json() == {"user": "user"}
        assert [r.status_code for r in response.history] == [401]

        response = client.post("http://example.org/private", content=b"data")
        assert response.status_code == 200
        assert response.history == []

        server.nonce_number += 1  # the server retires the nonce
        response = client.get("http://example.org/private")
        assert response.status_code == 200
        assert [r.status_code for r in response.history] == [401]
    assert [header_fields(value)["nc"] if value else None for value in server.seen] == [
        None,
        "00000001",
        "00000002",
        "00000003",
        "00000001",
    ]


def test_client_wrong_password() -> None:
    server = DigestServer()
    auth = darter.DigestAuth("user", "wrong")
    with darter.Client(transport=darter.MockTransport(server), auth=auth) as client:
        response = client.get("http://example.org/private")
    assert response.status_code == 401
    assert len(response.history) == 1
    assert len(server.seen) == 2


def test_client_auth_int_and_sess() -> None:
    server = DigestServer(algorithm="MD5-sess", qop="auth-int")
    auth = ("user", "secret")
    with darter.Client(transport=darter.MockTransport(server)) as client:
        response = client.put(
            "http://example.org/doc", content=b"new", auth=darter.DigestAuth(*auth)
        )
    assert response.status_code == 200


def test_async_client() -> None:
    server = DigestServer(algorithm="SHA-512-256")

    async def main() -> list[int]:
        auth = darter.DigestAuth("user", "secret")
        async with darter.AsyncClient(transport=darter.MockTransport(server), auth=auth) as client:
            first = await client.get("http://example.org/private")
            second = await client.get("http://example.org/private")
        return [first.status_code, len(first.history), second.status_code, len(second.history)]

    assert asyncio.run(main()) == [200, 1, 200, 0]


@pytest.mark.network
@pytest.mark.anyio
@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256-sess", "SHA-512-256"])
async def test_against_the_test_server(server: str, make_client: Any, algorithm: str) -> None:
    async with make_client(auth=darter.DigestAuth("alice", "s3cret")) as client:
        for _ in range(2):
            response = await client.get(f"{server}/digest-auth/auth/alice/s3cret/{algorithm}")
            assert response.status_code == 200
            assert response.json() == {"user": "alice"}


def test_header_reader() -> None:
    # Keep the independent header reader honest.
    assert header_fields('Digest a="1, 2", b=3,c="x\\"y"') == {"a": "1, 2", "b": "3", "c": 'x"y'}
