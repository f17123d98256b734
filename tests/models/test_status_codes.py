"""Tests of ``codes``: the status code enum, its reason phrases and its classifiers."""

from __future__ import annotations

import enum
import pickle

import httpx
import pytest

import darter
from darter._models._status_codes import codes

CLASSIFIERS = [
    "is_informational",
    "is_success",
    "is_redirect",
    "is_client_error",
    "is_server_error",
    "is_error",
]


def test_public_name() -> None:
    assert darter.codes is codes


def test_members_same_as_httpx() -> None:
    ours = [(member.name, member.value, member.phrase) for member in codes]
    theirs = [(member.name, member.value, member.phrase) for member in httpx.codes]
    assert ours == theirs
    assert len(codes) == 62


@pytest.mark.parametrize("member", list(httpx.codes), ids=lambda member: member.name)
def test_lower_case_aliases(member: httpx.codes) -> None:
    ours = codes[member.name]
    assert getattr(codes, member.name.lower()) is ours
    assert getattr(codes, member.name.lower()) == getattr(httpx.codes, member.name.lower())


def test_int_behaviour() -> None:
    assert isinstance(codes.OK, int)
    assert isinstance(codes.OK, enum.IntEnum)
    assert codes.OK == 200
    assert codes.NOT_FOUND + 1 == 405
    assert codes(404) is codes.NOT_FOUND
    assert codes["NOT_FOUND"] is codes.NOT_FOUND
    assert codes.not_found is codes.NOT_FOUND
    assert {codes.OK: "ok"}[200] == "ok"
    with pytest.raises(ValueError):
        codes(299)
    with pytest.raises(KeyError):
        codes["not_found"]


def test_text_forms_same_as_httpx() -> None:
    for ours, theirs in zip(codes, httpx.codes, strict=True):
        assert str(ours) == str(theirs) == str(ours.value)
        assert repr(ours) == repr(theirs)
        assert f"{ours}" == f"{theirs}"
        assert f"{ours:>5}" == f"{theirs:>5}"
    assert str(codes.IM_A_TEAPOT) == "418"
    assert repr(codes.OK) == "<codes.OK: 200>"


def test_phrases() -> None:
    assert codes.OK.phrase == "OK"
    assert codes.IM_A_TEAPOT.phrase == "I'm a teapot"
    assert codes.REQUEST_URI_TOO_LONG.phrase == "Request-URI Too Long"
    assert codes.get_reason_phrase(404) == "Not Found"
    assert codes.get_reason_phrase(codes.BAD_GATEWAY) == "Bad Gateway"
    assert codes.get_reason_phrase(299) == ""
    assert codes.get_reason_phrase(0) == ""


def test_reason_phrases_same_as_httpx() -> None:
    for value in range(1000):
        assert codes.get_reason_phrase(value) == httpx.codes.get_reason_phrase(value)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classifiers_same_as_httpx(name: str) -> None:
    ours, theirs = getattr(codes, name), getattr(httpx.codes, name)
    for value in range(-1, 1001):
        assert ours(value) == theirs(value), value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (99, set()),
        (100, {"is_informational"}),
        (199, {"is_informational"}),
        (200, {"is_success"}),
        (299, {"is_success"}),
        (300, {"is_redirect"}),
        (304, {"is_redirect"}),
        (399, {"is_redirect"}),
        (400, {"is_client_error", "is_error"}),
        (499, {"is_client_error", "is_error"}),
        (500, {"is_server_error", "is_error"}),
        (599, {"is_server_error", "is_error"}),
        (600, set()),
    ],
)
def test_classifiers(value: int, expected: set[str]) -> None:
    assert {name for name in CLASSIFIERS if getattr(codes, name)(value)} == expected


def test_pickle() -> None:
    assert pickle.loads(pickle.dumps(codes.NOT_FOUND)) is codes.NOT_FOUND
