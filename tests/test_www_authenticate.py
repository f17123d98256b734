"""Tests of the WWW-Authenticate challenge parser that DigestAuth relies on."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darter._digest import RawChallenge, parse_challenges


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("", []),
        (" , ,", []),
        ("Basic", [RawChallenge("Basic", {})]),
        (
            'Digest realm="a, b", nonce="x"',
            [RawChallenge("Digest", {"realm": "a, b", "nonce": "x"})],
        ),
        (
            'DIGEST Realm = "say \\"hi\\" \\\\ \\now" ,, NONCE=n ,',
            [RawChallenge("DIGEST", {"realm": 'say "hi" \\ now', "nonce": "n"})],
        ),
        (
            'Basic realm="b", Digest realm="r", nonce="n", Bearer',
            [
                RawChallenge("Basic", {"realm": "b"}),
                RawChallenge("Digest", {"realm": "r", "nonce": "n"}),
                RawChallenge("Bearer", {}),
            ],
        ),
        (
            "Negotiate abc/+_.~-123==, Basic , Digest realm=r",
            [
                RawChallenge("Negotiate", {}, "abc/+_.~-123=="),
                RawChallenge("Basic", {}),
                RawChallenge("Digest", {"realm": "r"}),
            ],
        ),
        ('Digest realm=""', [RawChallenge("Digest", {"realm": ""})]),
        (
            "Digest realm=r, nonce",
            [RawChallenge("Digest", {"realm": "r"}), RawChallenge("nonce", {})],
        ),
        ("Digest\trealm=r", [RawChallenge("Digest", {"realm": "r"})]),
        ('Digest realm="caf\u00e9\t!"', [RawChallenge("Digest", {"realm": "caf\u00e9\t!"})]),
    ],
)
def test_parse_challenges(field: str, expected: list[RawChallenge]) -> None:
    assert parse_challenges(field) == expected


@pytest.mark.parametrize(
    ("field", "error"),
    [
        ('"Digest"', "expected an authentication scheme at position 0"),
        ("Digest=x", "expected a space after the scheme at position 6"),
        ('Digest realm="abc', "the quoted string at position 13 is not terminated"),
        ('Digest realm="a"junk', "expected a comma at position 16"),
        ("Digest realm=@", "expected a value for 'realm' at position 13"),
        ("Digest =x", "expected a name=value parameter at position 7"),
        ("Digest realm=r, @", "expected an authentication scheme at position 16"),
        ('Digest realm="a\nb"', "holds a control character"),
        ("Digest a=1, a=2", "'a' is given twice"),
        ("Digest A=1, a=2", "'a' is given twice"),
    ],
)
def test_parse_challenges_errors(field: str, error: str) -> None:
    with pytest.raises(ValueError, match=re.escape(error)):
        parse_challenges(field)


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


printable = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="\x7f")
)


@given(realm=printable, nonce=printable)
def test_parse_quoted_strings_round_trip(realm: str, nonce: str) -> None:
    field = f"Digest realm={quote(realm)},nonce={quote(nonce)}, Basic realm={quote(nonce)}"
    assert parse_challenges(field) == [
        RawChallenge("Digest", {"realm": realm, "nonce": nonce}),
        RawChallenge("Basic", {"realm": nonce}),
    ]


@given(st.text())
def test_parse_challenges_raises_only_value_error(field: str) -> None:
    try:
        challenges = parse_challenges(field)
    except ValueError:
        return
    for challenge in challenges:
        for value in challenge.params.values():
            assert "\r" not in value
            assert "\n" not in value
