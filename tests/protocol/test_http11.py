"""Unit tests for the sans-I/O HTTP/1.1 client machine."""

from __future__ import annotations

import pytest

from darter._exceptions import LocalProtocolError, RemoteProtocolError
from darter._protocol.http11 import (
    NEED_DATA,
    RESPONSE_END,
    Event,
    HTTP11Machine,
    ResponseHead,
)

HOST = [(b"Host", b"example.org")]


def started(
    method: bytes = b"GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    *,
    end: bool = True,
    limits: dict[str, int] | None = None,
) -> HTTP11Machine:
    """A machine with a request sent (and ended, unless told not to)."""
    machine = HTTP11Machine(**(limits or {}))
    machine.send_request(method, b"/", HOST + (headers or []))
    if end:
        machine.end_request()
    return machine


def reusable(machine: HTTP11Machine) -> bool:
    """``machine.is_reusable``, read through a call so that type checkers do not
    narrow it between two steps of a test."""
    return machine.is_reusable


def request_complete(machine: HTTP11Machine) -> bool:
    return machine.request_complete


def response_started(machine: HTTP11Machine) -> bool:
    return machine.response_started


def drain(machine: HTTP11Machine) -> list[Event]:
    """Every event up to NEED_DATA or RESPONSE_END (included)."""
    events: list[Event] = []
    while True:
        event = machine.next_event()
        events.append(event)
        if event is NEED_DATA or event is RESPONSE_END:
            return events


def feed(machine: HTTP11Machine, data: bytes, *, eof: bool = False, step: int = 0) -> list[Event]:
    """Feed ``data`` (in ``step``-byte pieces if given) and return the events."""
    events: list[Event] = []
    pieces = [data[i : i + step] for i in range(0, len(data), step)] if step else [data]
    for piece in pieces:
        machine.receive_data(piece)
        events += [e for e in drain(machine) if e is not NEED_DATA]
        if events and events[-1] is RESPONSE_END:
            return events
    if eof:
        machine.receive_data(b"")
        events += [e for e in drain(machine) if e is not NEED_DATA]
    return events


def response(
    data: bytes, method: bytes = b"GET", *, eof: bool = False, step: int = 0, **limits: int
) -> tuple[ResponseHead, bytes, HTTP11Machine]:
    """Read one complete response: its head, its body and the machine."""
    machine = started(method, limits=limits)
    events = feed(machine, data, eof=eof, step=step)
    assert events[-1] is RESPONSE_END, events
    head = events[0]
    assert isinstance(head, ResponseHead)
    body = events[1:-1]
    assert all(type(chunk) is bytes and chunk for chunk in body)
    return head, b"".join(body), machine  # type: ignore[arg-type]


def remote_error(data: bytes, method: bytes = b"GET", *, eof: bool = True, **limits: int) -> str:
    """The message of the RemoteProtocolError that ``data`` causes."""
    machine = started(method, limits=limits)
    with pytest.raises(RemoteProtocolError) as info:
        feed(machine, data, eof=eof)
    # The machine stays broken afterwards.
    with pytest.raises(RemoteProtocolError, match="unusable after an error"):
        machine.next_event()
    assert not machine.is_reusable
    return str(info.value)


OK = b"HTTP/1.1 200 OK\r\n"


# ---------------------------------------------------------------------------- sending


class TestSendRequest:
    def test_head_is_written_exactly_as_given(self) -> None:
        machine = HTTP11Machine()
        head = machine.send_request(
            b"GET",
            b"/path?q=1",
            [(b"HOST", b"example.org"), (b"x-Lower", b" spaced\tvalue "), (b"X-Empty", b"")],
        )
        assert head == (
            b"GET /path?q=1 HTTP/1.1\r\nHOST: example.org\r\nx-Lower:  spaced\tvalue \r\n"
            b"X-Empty: \r\n\r\n"
        )
        assert machine.end_request() == b""
        assert machine.request_complete

    def test_obs_text_value_is_allowed(self) -> None:
        machine = HTTP11Machine()
        head = machine.send_request(b"GET", b"/", [*HOST, (b"X", b"caf\xc3\xa9")])
        assert b"X: caf\xc3\xa9\r\n" in head

    @pytest.mark.parametrize("method", [b"", b"GE T", b"GET\r\n", b"G\x00T", b"G:T", b"G\xc3T"])
    def test_invalid_method(self, method: bytes) -> None:
        machine = HTTP11Machine()
        with pytest.raises(LocalProtocolError, match="method"):
            machine.send_request(method, b"/", HOST)
        # Nothing changed: a valid request can still be sent.
        assert machine.send_request(b"GET", b"/", HOST)

    @pytest.mark.parametrize(
        "target", [b"", b"/a b", b"/\t", b"/\x7f", b"/caf\xc3\xa9", b"/\r\nX: y", b"/\x00"]
    )
    def test_invalid_target(self, target: bytes) -> None:
        with pytest.raises(LocalProtocolError, match="target"):
            HTTP11Machine().send_request(b"GET", target, HOST)

    @pytest.mark.parametrize("name", [b"", b"X Y", b"X:", b"X\r\nY", b"caf\xc3\xa9", b"X\x00"])
    def test_invalid_header_name(self, name: bytes) -> None:
        with pytest.raises(LocalProtocolError, match="header name"):
            HTTP11Machine().send_request(b"GET", b"/", [*HOST, (name, b"v")])

    @pytest.mark.parametrize(
        ("value", "detail"),
        [
            (b"a\r\nEvil: 1", "CR"),
            (b"a\nb", "LF"),
            (b"a\rb", "CR"),
            (b"a\x00b", "NUL"),
            (b"a\x01b", "0x01"),
            (b"a\x7fb", "0x7f"),
        ],
    )
    def test_invalid_header_value(self, value: bytes, detail: str) -> None:
        machine = HTTP11Machine()
        with pytest.raises(LocalProtocolError, match=detail):
            machine.send_request(b"GET", b"/", [*HOST, (b"X-Ok", b"fine"), (b"X-Bad", value)])
        assert machine.send_request(b"GET", b"/", HOST)

    @pytest.mark.parametrize("hosts", [[], [(b"Host", b"a"), (b"host", b"b")]])
    def test_exactly_one_host(self, hosts: list[tuple[bytes, bytes]]) -> None:
        with pytest.raises(LocalProtocolError, match="Host"):
            HTTP11Machine().send_request(b"GET", b"/", hosts)

    @pytest.mark.parametrize(
        "value", [b"-1", b"+1", b"1.0", b" 1", b"", b"1,1", b"0x10", b"1" * 19, b"\xd9\xa1"]
    )
    def test_invalid_content_length(self, value: bytes) -> None:
        with pytest.raises(LocalProtocolError, match="Content-Length"):
            HTTP11Machine().send_request(b"POST", b"/", [*HOST, (b"Content-Length", value)])

    def test_two_content_lengths(self) -> None:
        headers = [*HOST, (b"Content-Length", b"1"), (b"content-length", b"1")]
        with pytest.raises(LocalProtocolError, match="two Content-Length"):
            HTTP11Machine().send_request(b"POST", b"/", headers)

    @pytest.mark.parametrize("value", [b"gzip", b"chunked, chunked", b"gzip, chunked", b""])
    def test_invalid_transfer_encoding(self, value: bytes) -> None:
        with pytest.raises(LocalProtocolError, match="Transfer-Encoding"):
            HTTP11Machine().send_request(b"POST", b"/", [*HOST, (b"Transfer-Encoding", value)])

    def test_two_transfer_encodings(self) -> None:
        headers = [*HOST, (b"Transfer-Encoding", b"chunked"), (b"Transfer-Encoding", b"chunked")]
        with pytest.raises(LocalProtocolError, match="Transfer-Encoding"):
            HTTP11Machine().send_request(b"POST", b"/", headers)

    def test_content_length_and_transfer_encoding(self) -> None:
        headers = [*HOST, (b"Content-Length", b"3"), (b"Transfer-Encoding", b"chunked")]
        with pytest.raises(LocalProtocolError, match="both"):
            HTTP11Machine().send_request(b"POST", b"/", headers)

    def test_many_distinct_header_names(self) -> None:
        # More names than are remembered between requests: all still checked.
        names = [b"X-Name-%d" % i for i in range(1000)]
        head = HTTP11Machine().send_request(b"GET", b"/", HOST + [(n, b"v") for n in names])
        assert head.count(b"X-Name-") == 1000
        with pytest.raises(LocalProtocolError, match="header name"):
            HTTP11Machine().send_request(b"GET", b"/", [*HOST, (b"X Name-999", b"v")])

    def test_second_request_before_next_cycle(self) -> None:
        machine = started()
        with pytest.raises(LocalProtocolError, match="not finished"):
            machine.send_request(b"GET", b"/", HOST)


class TestSendBody:
    def test_fixed_length(self) -> None:
        machine = started(b"POST", [(b"Content-Length", b"5")], end=False)
        assert not machine.request_complete
        assert machine.send_body(b"he") == b"he"
        assert machine.send_body(b"") == b""
        assert machine.send_body(b"llo") == b"llo"
        assert request_complete(machine)
        assert machine.end_request() == b""

    def test_too_much(self) -> None:
        machine = started(b"POST", [(b"Content-Length", b"5")], end=False)
        machine.send_body(b"abc")
        with pytest.raises(LocalProtocolError, match="6 bytes given for a Content-Length of 5"):
            machine.send_body(b"abc")
        with pytest.raises(LocalProtocolError, match="earlier error"):
            machine.send_body(b"x")
        with pytest.raises(LocalProtocolError, match="earlier error"):
            machine.end_request()
        assert not machine.is_reusable

    def test_too_much_after_complete(self) -> None:
        machine = started(b"POST", [(b"Content-Length", b"2")], end=False)
        machine.send_body(b"ab")
        with pytest.raises(LocalProtocolError, match="Content-Length of 2 was sent"):
            machine.send_body(b"c")

    def test_too_little(self) -> None:
        machine = started(b"POST", [(b"Content-Length", b"5")], end=False)
        machine.send_body(b"abc")
        with pytest.raises(LocalProtocolError, match="3 bytes given for a Content-Length of 5"):
            machine.end_request()
        assert not machine.is_reusable

    def test_chunked(self) -> None:
        machine = started(b"POST", [(b"Transfer-Encoding", b" Chunked ")], end=False)
        assert machine.send_body(b"hello") == b"5\r\nhello\r\n"
        assert machine.send_body(b"") == b""
        assert machine.send_body(b"x" * 300) == b"12c\r\n" + b"x" * 300 + b"\r\n"
        assert not machine.request_complete
        assert machine.end_request() == b"0\r\n\r\n"
        assert request_complete(machine)
        assert machine.end_request() == b""

    @pytest.mark.parametrize("headers", [[], [(b"Content-Length", b"0")]])
    def test_no_body(self, headers: list[tuple[bytes, bytes]]) -> None:
        machine = started(b"POST", headers, end=False)
        assert machine.request_complete
        assert machine.send_body(b"") == b""
        with pytest.raises(LocalProtocolError, match="declared none"):
            machine.send_body(b"x")
        assert machine.end_request() == b""

    def test_body_before_request(self) -> None:
        machine = HTTP11Machine()
        with pytest.raises(LocalProtocolError, match="no request was started"):
            machine.send_body(b"x")
        with pytest.raises(LocalProtocolError, match="no request was started"):
            machine.end_request()


# -------------------------------------------------------------------------- the head


class TestResponseHead:
    def test_simple(self) -> None:
        head, body, machine = response(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Spaced:  a  b \t\r\n"
            b"content-length: 5\r\nX-Empty:\r\nX-Tab:\tv\r\nX-Bare:v\r\n\r\nhello"
        )
        assert head == ResponseHead(
            200,
            b"OK",
            b"HTTP/1.1",
            [
                (b"Content-Type", b"content-type", b"text/plain"),
                (b"X-Spaced", b"x-spaced", b"a  b"),
                (b"content-length", b"content-length", b"5"),
                (b"X-Empty", b"x-empty", b""),
                (b"X-Tab", b"x-tab", b"v"),
                (b"X-Bare", b"x-bare", b"v"),
            ],
        )
        assert body == b"hello"
        assert machine.is_reusable
        assert machine.response_complete

    def test_no_headers(self) -> None:
        head, body, _ = response(b"HTTP/1.1 204 No Content\r\n\r\n")
        assert head == ResponseHead(204, b"No Content", b"HTTP/1.1", [])
        assert body == b""

    @pytest.mark.parametrize(
        ("line", "reason"),
        [
            (b"HTTP/1.1 200", b""),
            (b"HTTP/1.1 200 ", b""),
            (b"HTTP/1.1 404 Not  Found ", b"Not  Found "),
            (b"HTTP/1.1 200 \tOK\t", b"\tOK\t"),
            (b"HTTP/1.1 200 D\xc3\xa9j\xc3\xa0", b"D\xc3\xa9j\xc3\xa0"),
            (b"HTTP/1.1 999 Whatever", b"Whatever"),
        ],
    )
    def test_reason_phrase(self, line: bytes, reason: bytes) -> None:
        head, _, _ = response(line + b"\r\nContent-Length: 0\r\n\r\n")
        assert head.reason == reason

    def test_obs_text_in_values_is_kept(self) -> None:
        head, _, _ = response(b"HTTP/1.1 200 OK\r\nX: caf\xe9 \xff\r\nContent-Length: 0\r\n\r\n")
        assert head.headers[0] == (b"X", b"x", b"caf\xe9 \xff")

    @pytest.mark.parametrize(
        ("version", "reported"),
        [(b"HTTP/1.0", b"HTTP/1.0"), (b"HTTP/1.1", b"HTTP/1.1"), (b"HTTP/1.9", b"HTTP/1.1")],
    )
    def test_versions(self, version: bytes, reported: bytes) -> None:
        head, _, _ = response(version + b" 200 OK\r\nContent-Length: 0\r\n\r\n")
        assert head.http_version == reported

    @pytest.mark.parametrize(
        ("line", "detail"),
        [
            (b"", "empty"),
            (b"ICY 200 OK", "HTTP/"),
            (b"http/1.1 200 OK", "HTTP/"),
            (b"HTTP/2.0 200 OK", "HTTP/1.0 and HTTP/1.1"),
            (b"HTTP/2 200 OK", "HTTP/1.0 and HTTP/1.1"),
            (b"HTTP/1.10 200 OK", "HTTP/1.0 and HTTP/1.1"),
            (b"HTTP/1.x 200 OK", "HTTP/1.0 and HTTP/1.1"),
            (b"HTTP/1.1  200 OK", "three digits"),
            (b"HTTP/1.1 099 OK", "three digits"),
            (b"HTTP/1.1 20 OK", "three digits"),
            (b"HTTP/1.1 2000 OK", "three digits"),
            (b"HTTP/1.1 +20 OK", "three digits"),
            (b"HTTP/1.1 200\tOK", "three digits"),
            (b"HTTP/1.1 100x", "three digits"),
            (b"HTTP/1.1 200 O\x00K", "NUL"),
            (b"HTTP/1.1 200 O\rK", "CR"),
            (b"HTTP/1.1 200 O\x7fK", "0x7f"),
        ],
    )
    def test_invalid_status_line(self, line: bytes, detail: str) -> None:
        message = remote_error(line + b"\r\nContent-Length: 0\r\n\r\n")
        assert "status line" in message
        assert detail in message

    def test_leading_empty_line(self) -> None:
        assert "empty" in remote_error(b"\r\n" + OK + b"Content-Length: 0\r\n\r\n")

    @pytest.mark.parametrize(
        ("line", "detail"),
        [
            (b"NoColon", "no colon"),
            (b"No\x00Colon", "NUL"),
            (b": empty name", "name is empty"),
            (b"Name : v", "whitespace between the field name and the colon"),
            (b"Name\t: v", "whitespace between the field name and the colon"),
            (b"N\xc3\xa4me: v", "field name contains"),
            (b"Na(me: v", "field name contains"),
            (b"Name: a\x00b", "NUL"),
            (b"Name: a\rb", "CR not followed by LF"),
            (b"Name: a\x01b", "0x01"),
            (b"Name: a\x7fb", "0x7f"),
            (b"Name: a\x1bb", "0x1b"),
        ],
    )
    def test_invalid_field_line(self, line: bytes, detail: str) -> None:
        message = remote_error(OK + b"A: b\r\n" + line + b"\r\nContent-Length: 0\r\n\r\n")
        assert "header line" in message
        assert detail in message

    def test_whitespace_before_first_field(self) -> None:
        message = remote_error(OK + b" X: y\r\nContent-Length: 0\r\n\r\n")
        assert "starts with whitespace" in message

    @pytest.mark.parametrize(
        ("lines", "value"),
        [
            (b"X: a\r\n b", b"a b"),
            (b"X: a  \r\n\t \tb  ", b"a b"),
            (b"X: a\r\n b\r\n  c", b"a b c"),
            (b"X:\r\n b", b"b"),
            (b"X: a\r\n   ", b"a"),
            (b"X: a\r\n \xe9", b"a \xe9"),
        ],
    )
    def test_obs_fold_is_replaced_by_space(self, lines: bytes, value: bytes) -> None:
        head, _, _ = response(OK + b"A: 1\r\n" + lines + b"\r\nContent-Length: 0\r\n\r\n")
        assert head.headers[1] == (b"X", b"x", value)
        assert head.headers[2] == (b"Content-Length", b"content-length", b"0")

    def test_unusual_head_without_reason(self) -> None:
        head, _, _ = response(b"HTTP/1.1 200\r\nX:\ty\r\nContent-Length: 0\r\n\r\n")
        assert head == ResponseHead(
            200,
            b"",
            b"HTTP/1.1",
            [(b"X", b"x", b"y"), (b"Content-Length", b"content-length", b"0")],
        )

    def test_obs_fold_with_a_bad_byte(self) -> None:
        assert "NUL" in remote_error(OK + b"X: a\r\n b\x00\r\nContent-Length: 0\r\n\r\n")

    @pytest.mark.parametrize(
        "data",
        [
            b"HTTP/1.1 200 OK\n\n",
            b"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n",
            b"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
        ],
    )
    def test_bare_lf_is_rejected_at_once(self, data: bytes) -> None:
        machine = started()
        machine.receive_data(data)
        with pytest.raises(RemoteProtocolError, match="bare LF"):
            machine.next_event()

    def test_bare_lf_in_one_line(self) -> None:
        message = remote_error(b"HTTP/1.1 200 OK\r\nA: b\nC: d\r\nContent-Length: 0\r\n\r\n")
        assert "bare LF" in message

    def test_bare_lf_split_over_pieces(self) -> None:
        machine = started()
        machine.receive_data(b"HTTP/1.1 200 OK\n")
        assert machine.next_event() is NEED_DATA
        machine.receive_data(b"\n")
        with pytest.raises(RemoteProtocolError, match="bare LF"):
            machine.next_event()

    def test_bare_cr_in_status_line(self) -> None:
        assert "CR" in remote_error(b"HTTP/1.1 200 OK\rX\r\n\r\n")


class TestLimits:
    def head(self, size: int) -> bytes:
        """A head of exactly ``size`` bytes, empty line included."""
        base = OK + b"Content-Length: 0\r\nX: \r\n\r\n"
        return base.replace(b"X: ", b"X: " + b"a" * (size - len(base)))

    def test_head_at_the_limit(self) -> None:
        data = self.head(1000)
        assert len(data) == 1000
        head, _, _ = response(data, max_head_size=1000)
        assert head.headers[1][2] == b"a" * (1000 - 43)

    @pytest.mark.parametrize("step", [0, 1, 7])
    def test_head_over_the_limit(self, step: int) -> None:
        machine = started(limits={"max_head_size": 1000})
        with pytest.raises(RemoteProtocolError) as info:
            feed(machine, self.head(1001), step=step)
        assert "max_head_size (1000 bytes)" in str(info.value)
        assert "ResponseLimits(max_head_size=...)" in str(info.value)

    def test_incomplete_head_over_the_limit(self) -> None:
        machine = started(limits={"max_head_size": 1000})
        machine.receive_data(OK + b"X: " + b"a" * 2000)
        with pytest.raises(RemoteProtocolError, match="max_head_size"):
            machine.next_event()

    def test_each_informational_head_has_its_own_limit(self) -> None:
        info = OK.replace(b"200 OK", b"103 Early") + b"Link: " + b"a" * 900 + b"\r\n\r\n"
        final = OK + b"Link: " + b"a" * 900 + b"\r\nContent-Length: 0\r\n\r\n"
        head, _, _ = response(info + final, max_head_size=1000)
        assert head.status_code == 200

    @pytest.mark.parametrize("fold", [False, True])
    def test_header_count(self, fold: bool) -> None:
        fields = b"".join(b"X-%d: v\r\n" % i for i in range(9)) + b"Content-Length: 0\r\n"
        if fold:
            fields += b"Y: a\r\n b\r\n"
        head, _, _ = response(OK + fields + b"\r\n", max_header_count=10 + fold)
        assert len(head.headers) == 10 + fold
        message = remote_error(OK + fields + b"Z: z\r\n\r\n", max_header_count=10 + fold)
        assert f"more than {10 + fold} fields" in message
        assert "max_header_count" in message

    def test_folded_lines_do_not_count_as_fields(self) -> None:
        fields = b"A: 1\r\n 2\r\n 3\r\n 4\r\nContent-Length: 0\r\n"
        head, _, _ = response(OK + fields + b"\r\n", max_header_count=2)
        assert head.headers[0][2] == b"1 2 3 4"

    def test_invalid_limits(self) -> None:
        with pytest.raises(ValueError, match="positive"):
            HTTP11Machine(max_head_size=0)
        with pytest.raises(ValueError, match="positive"):
            HTTP11Machine(max_header_count=0)
        with pytest.raises(ValueError, match="positive"):
            HTTP11Machine(max_informational_responses=-1)


class TestInformational:
    def test_skipped(self) -> None:
        data = (
            b"HTTP/1.1 100 Continue\r\n\r\n"
            b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
            + OK
            + b"Content-Length: 2\r\n\r\nhi"
        )
        for step in (0, 1):
            head, body, machine = response(data, step=step)
            assert head.status_code == 200
            assert body == b"hi"
            assert machine.informational_responses == 2
            assert machine.is_reusable

    def test_too_many(self) -> None:
        data = b"HTTP/1.1 102 Processing\r\n\r\n" * 4 + OK + b"Content-Length: 0\r\n\r\n"
        head, _, _ = response(data, max_informational_responses=4)
        assert head.status_code == 200
        message = remote_error(data, max_informational_responses=3)
        assert "more than 3 informational" in message
        assert "max_informational_responses" in message

    def test_none_allowed(self) -> None:
        message = remote_error(b"HTTP/1.1 100 Continue\r\n\r\n", max_informational_responses=0)
        assert "more than 0 informational" in message

    def test_eof_after_informational(self) -> None:
        message = remote_error(b"HTTP/1.1 100 Continue\r\n\r\n")
        assert "without a response (after 1 informational responses)" in message

    def test_101_without_upgrade(self) -> None:
        message = remote_error(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
        assert "101" in message
        assert "Upgrade" in message

    def test_101_with_upgrade(self) -> None:
        machine = started(b"GET", [(b"Connection", b"Upgrade"), (b"Upgrade", b"websocket")])
        events = feed(machine, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nws")
        assert isinstance(events[0], ResponseHead)
        assert events[0].status_code == 101
        assert events[1:] == [RESPONSE_END]
        assert machine.is_tunnelled
        assert machine.tunnel_data == b"ws"
        machine.receive_data(b"more")
        assert machine.tunnel_data == b"wsmore"
        assert not machine.is_reusable
        assert machine.next_event() is RESPONSE_END


# ---------------------------------------------------------------------- body framing


class TestFraming:
    @pytest.mark.parametrize(
        ("method", "status"), [(b"HEAD", b"200"), (b"GET", b"204"), (b"GET", b"304")]
    )
    @pytest.mark.parametrize(
        "framing",
        [b"Content-Length: 10\r\n", b"Transfer-Encoding: chunked\r\n", b"Content-Length: x\r\n"],
    )
    def test_no_body(self, method: bytes, status: bytes, framing: bytes) -> None:
        data = b"HTTP/1.1 " + status + b" X\r\n" + framing + b"\r\n"
        head, body, machine = response(data, method)
        assert head.headers[0][0] in (b"Content-Length", b"Transfer-Encoding")
        assert body == b""
        assert machine.is_reusable

    def test_connect_tunnel(self) -> None:
        machine = HTTP11Machine()
        machine.send_request(b"CONNECT", b"example.org:443", [(b"Host", b"example.org:443")])
        machine.end_request()
        events = feed(
            machine,
            b"HTTP/1.1 200 Connection established\r\nContent-Length: 5\r\n\r\n\x16\x03\x01",
        )
        assert [type(e) for e in events] == [ResponseHead, type(RESPONSE_END)]
        assert machine.is_tunnelled
        assert machine.tunnel_data == b"\x16\x03\x01"
        assert not machine.is_reusable
        with pytest.raises(LocalProtocolError):
            machine.start_next_cycle()

    def test_connect_refused_has_a_body(self) -> None:
        machine = HTTP11Machine()
        machine.send_request(b"CONNECT", b"example.org:443", [(b"Host", b"example.org:443")])
        machine.end_request()
        events = feed(machine, b"HTTP/1.1 407 Auth\r\nContent-Length: 4\r\n\r\nnope")
        assert events[1:] == [b"nope", RESPONSE_END]
        assert not machine.is_tunnelled
        assert machine.tunnel_data == b""
        assert machine.is_reusable

    def test_content_length(self) -> None:
        data = OK + b"Content-Length: 10\r\n\r\n0123456789"
        for step in (0, 1, 3):
            _, body, machine = response(data, step=step)
            assert body == b"0123456789"
            assert machine.is_reusable

    @pytest.mark.parametrize(
        "fields",
        [
            b"Content-Length: 3, 3\r\n",
            b"Content-Length: 3,3 , 3\r\n",
            b"Content-Length: 3\r\nContent-Length: 3\r\n",
            b"Content-Length: 003\r\n",
        ],
    )
    def test_repeated_content_length(self, fields: bytes) -> None:
        _, body, _ = response(OK + fields + b"\r\nabc")
        assert body == b"abc"

    @pytest.mark.parametrize(
        ("value", "detail"),
        [
            (b"3, 4", "Conflicting"),
            (b"3\r\nContent-Length: 4", "Conflicting"),
            (b"-3", "non-negative decimal"),
            (b"+3", "non-negative decimal"),
            (b"3.0", "non-negative decimal"),
            (b"0x3", "non-negative decimal"),
            (b"3 3", "non-negative decimal"),
            (b"3,", "non-negative decimal"),
            (b"", "non-negative decimal"),
            (b"1" * 19, "more than 18 digits"),
            (b"1" * 19 + b", 1", "more than 18 digits"),
        ],
    )
    def test_invalid_content_length(self, value: bytes, detail: str) -> None:
        message = remote_error(OK + b"Content-Length: " + value + b"\r\n\r\nabc")
        assert "Content-Length" in message
        assert detail in message

    def test_content_length_zero(self) -> None:
        machine = started()
        events = feed(machine, OK + b"Content-Length: 0\r\n\r\n")
        assert events[1:] == [RESPONSE_END]

    def test_content_length_eof(self) -> None:
        message = remote_error(OK + b"Content-Length: 10\r\n\r\n0123")
        assert "after sending 4 of the 10 body bytes" in message

    def test_close_delimited(self) -> None:
        machine = started()
        events = feed(machine, OK + b"\r\nsome", step=0)
        assert events[1:] == [b"some"]
        machine.receive_data(b" body")
        assert machine.next_event() == b" body"
        assert machine.next_event() is NEED_DATA
        machine.receive_data(b"")
        assert machine.next_event() is RESPONSE_END
        assert not machine.is_reusable
        assert machine.peer_closed

    def test_close_delimited_empty(self) -> None:
        _, body, machine = response(b"HTTP/1.0 200 OK\r\n\r\n", eof=True)
        assert body == b""
        assert not machine.is_reusable

    @pytest.mark.parametrize(
        ("fields", "detail"),
        [
            (b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "both"),
            (b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", "both"),
            (b"Transfer-Encoding: gzip\r\n", "final (and only)"),
            (b"Transfer-Encoding: chunked, gzip\r\n", "final (and only)"),
            (b"Transfer-Encoding: gzip, chunked\r\n", "only 'chunked' alone"),
            (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "alone"),
            (b"Transfer-Encoding: ,\r\n", "final"),
            (b"Transfer-Encoding: chunked;q=1\r\n", "final"),
        ],
    )
    def test_invalid_transfer_encoding(self, fields: bytes, detail: str) -> None:
        message = remote_error(OK + fields + b"\r\n0\r\n\r\n")
        assert detail in message

    def test_transfer_encoding_in_http_10(self) -> None:
        message = remote_error(b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        assert "HTTP/1.0" in message

    @pytest.mark.parametrize(
        "value", [b"Chunked", b"CHUNKED", b" , chunked", b"chunked,", b"chunked\r\nX: y"]
    )
    def test_transfer_encoding_variants(self, value: bytes) -> None:
        _, body, _ = response(OK + b"Transfer-Encoding: " + value + b"\r\n\r\n1\r\na\r\n0\r\n\r\n")
        assert body == b"a"


class TestChunked:
    def head(self) -> bytes:
        return OK + b"Transfer-Encoding: chunked\r\n\r\n"

    @pytest.mark.parametrize("step", [0, 1, 2, 5])
    def test_chunks(self, step: int) -> None:
        data = self.head() + b"5\r\nhello\r\nA\r\n, world!!!\r\n0\r\n\r\n"
        _, body, machine = response(data, step=step)
        assert body == b"hello, world!!!"
        assert machine.trailers == []
        assert machine.is_reusable

    @pytest.mark.parametrize(
        "line",
        [
            b"5;name",
            b"5;name=value",
            b"5 ; name = value",
            b'5;name="quoted \\" value";other',
            b'5;n=""',
            b"5;a=1;b=2",
            b"0000000000000005",
            b"5 ",
            b"5\t",
        ],
    )
    def test_valid_chunk_lines(self, line: bytes) -> None:
        _, body, _ = response(self.head() + line + b"\r\nhello\r\n0;end=1\r\n\r\n")
        assert body == b"hello"

    @pytest.mark.parametrize(
        ("line", "detail"),
        [
            (b"", "hexadecimal"),
            (b"x5", "hexadecimal"),
            (b"0x5", "after the chunk size"),
            (b"-5", "hexadecimal"),
            (b"+5", "hexadecimal"),
            (b" 5", "hexadecimal"),
            (b"5;", "extension"),
            (b"5;=v", "extension"),
            (b"5;n=", "extension"),
            (b'5;n="unterminated', "extension"),
            (b"5;n=a b", "extension"),
            (b"5;n=\x01", "extension"),
            (b'5;n="\x00"', "extension"),
            (b"5;n\x7f", "extension"),
            (b"5 5", "after the chunk size"),
            (b"5\x00", "after the chunk size"),
            (b"1" * 17, "17 hex digits"),
            (b"0" * 17 + b"5", "18 hex digits"),
        ],
    )
    def test_invalid_chunk_lines(self, line: bytes, detail: str) -> None:
        message = remote_error(self.head() + line + b"\r\nhello\r\n0\r\n\r\n")
        assert "chunk header" in message
        assert detail in message

    @pytest.mark.parametrize("after", [b"X\r\n0\r\n\r\n", b"\n0\r\n\r\n", b"\r0\r\n\r\n", b"X"])
    def test_missing_crlf_after_data(self, after: bytes) -> None:
        message = remote_error(self.head() + b"5\r\nhello" + after)
        assert "not followed by CRLF" in message

    def test_bare_lf_chunk_line(self) -> None:
        assert "chunk header" in remote_error(self.head() + b"5\nhello\r\n0\r\n\r\n")

    @pytest.mark.parametrize(
        "rest",
        [b"", b"5", b"5\r\n", b"5\r\nhel", b"5\r\nhello", b"5\r\nhello\r", b"5\r\nhello\r\n"],
    )
    def test_eof_before_last_chunk(self, rest: bytes) -> None:
        message = remote_error(self.head() + rest)
        assert "before the end of the chunked response body" in message

    @pytest.mark.parametrize("rest", [b"0\r\n", b"0\r\n\r", b"0\r\nX: y\r\n"])
    def test_eof_in_trailers(self, rest: bytes) -> None:
        assert "trailer section" in remote_error(self.head() + rest)

    def test_huge_chunk_size_is_fine(self) -> None:
        machine = started()
        events = feed(machine, self.head() + b"ffffffffffffffff\r\nabc")
        assert events[1:] == [b"abc"]

    def test_trailers(self) -> None:
        data = self.head() + b"3\r\nabc\r\n0\r\nX-Sum: 1 \r\nx-other:\tb\r\n c\r\n\r\n"
        for step in (0, 1):
            _, body, machine = response(data, step=step)
            assert body == b"abc"
            assert machine.trailers == [
                (b"X-Sum", b"x-sum", b"1"),
                (b"x-other", b"x-other", b"b c"),
            ]
            assert machine.is_reusable

    @pytest.mark.parametrize(
        ("trailers", "detail"),
        [
            (b"No colon\r\n", "trailer line"),
            (b"X: a\x00\r\n", "NUL"),
            (b" X: a\r\n", "starts with whitespace"),
            (b"X: a\n\n", "bare LF"),
            (b"X: a\r\n\n", "bare LF"),
        ],
    )
    def test_invalid_trailers(self, trailers: bytes, detail: str) -> None:
        message = remote_error(self.head() + b"0\r\n" + trailers + b"\r\n")
        assert detail in message

    def test_trailer_limits(self) -> None:
        trailers = b"".join(b"T-%d: v\r\n" % i for i in range(5))
        message = remote_error(self.head() + b"0\r\n" + trailers + b"\r\n", max_header_count=4)
        assert "trailer section has more than 4 fields" in message
        big = b"T: " + b"a" * 200 + b"\r\n"
        message = remote_error(self.head() + b"0\r\n" + big + b"\r\n", max_head_size=200)
        assert "trailer section is larger than max_head_size (200 bytes)" in message

    def test_chunk_line_limit(self) -> None:
        line = b"5;" + b"a" * 300
        message = remote_error(self.head() + line, max_head_size=200)
        assert "chunk header line is larger than max_head_size (200 bytes)" in message

    def test_chunk_line_in_pieces(self) -> None:
        data = self.head() + b"5;a=" + b"b" * 50 + b"\r\nhello\r\n0\r\n\r\n"
        _, body, _ = response(data, step=3)
        assert body == b"hello"


# ------------------------------------------------------------------------- keep-alive


class TestKeepAlive:
    def cycle(
        self, data: bytes, request_headers: list[tuple[bytes, bytes]] | None = None
    ) -> HTTP11Machine:
        machine = started(b"GET", request_headers)
        assert feed(machine, data)[-1] is RESPONSE_END
        return machine

    def test_reused_for_many_requests(self) -> None:
        machine = HTTP11Machine()
        for i in range(3):
            assert machine.is_reusable
            machine.send_request(b"GET", b"/%d" % i, HOST)
            assert not reusable(machine)
            machine.end_request()
            assert not response_started(machine)
            events = feed(machine, OK + b"Content-Length: 1\r\n\r\n%d" % i)
            assert response_started(machine)
            assert events[1:] == [b"%d" % i, RESPONSE_END]
            assert machine.is_reusable
            machine.start_next_cycle()
            assert not machine.response_started
            assert machine.trailers == []

    @pytest.mark.parametrize(
        ("data", "reusable"),
        [
            (OK + b"Content-Length: 0\r\n\r\n", True),
            (OK + b"Connection: close\r\nContent-Length: 0\r\n\r\n", False),
            (OK + b"Connection: CLOSE\r\nContent-Length: 0\r\n\r\n", False),
            (OK + b"Connection: keep-alive, close\r\nContent-Length: 0\r\n\r\n", False),
            (OK + b"Connection: Upgrade,  Close \r\nContent-Length: 0\r\n\r\n", False),
            (OK + b"Connection: upgrade\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", False),
            (OK + b"Connection: te\r\nContent-Length: 0\r\n\r\n", True),
            (OK + b"Connection: keep-alive\r\nContent-Length: 0\r\n\r\n", True),
            (b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", False),
            (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", True),
            (b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", True),
            (b"HTTP/1.0 200 OK\r\nConnection: x, keep-alive\r\nContent-Length: 0\r\n\r\n", True),
            (
                b"HTTP/1.0 200 OK\r\nConnection: keep-alive,close\r\nContent-Length: 0\r\n\r\n",
                False,
            ),
            (b"HTTP/1.0 204 No Content\r\n\r\n", False),
            (OK + b"Content-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n", False),
            (OK + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nX", False),
        ],
    )
    def test_response_decides(self, data: bytes, reusable: bool) -> None:
        machine = self.cycle(data)
        assert machine.is_reusable is reusable
        if not reusable:
            with pytest.raises(LocalProtocolError, match="cannot carry another request"):
                machine.start_next_cycle()

    @pytest.mark.parametrize("value", [b"close", b"Close", b"keep-alive, close", b"x,close"])
    def test_request_connection_close(self, value: bytes) -> None:
        machine = self.cycle(OK + b"Content-Length: 0\r\n\r\n", [(b"Connection", value)])
        assert not machine.is_reusable

    def test_bytes_after_the_response(self) -> None:
        machine = self.cycle(OK + b"Content-Length: 0\r\n\r\n")
        assert machine.is_reusable
        machine.receive_data(b"HTTP/1.1 200 OK\r\n\r\n")
        assert not reusable(machine)
        assert machine.next_event() is RESPONSE_END

    def test_bytes_while_idle(self) -> None:
        machine = self.cycle(OK + b"Content-Length: 0\r\n\r\n")
        machine.start_next_cycle()
        machine.receive_data(b"HTTP/1.1 408 Request Timeout\r\n\r\n")
        assert not machine.is_reusable
        with pytest.raises(LocalProtocolError, match="not reusable"):
            machine.send_request(b"GET", b"/", HOST)

    def test_bytes_before_the_first_request(self) -> None:
        machine = HTTP11Machine()
        machine.receive_data(b"220 smtp ready\r\n")
        assert machine.response_started
        assert not machine.is_reusable
        with pytest.raises(LocalProtocolError, match="not reusable"):
            machine.send_request(b"GET", b"/", HOST)

    def test_eof_while_idle(self) -> None:
        machine = self.cycle(OK + b"Content-Length: 0\r\n\r\n")
        machine.start_next_cycle()
        machine.receive_data(b"")
        assert machine.peer_closed
        assert not machine.is_reusable
        with pytest.raises(LocalProtocolError, match="server closed it"):
            machine.send_request(b"GET", b"/", HOST)

    def test_eof_after_the_response(self) -> None:
        machine = self.cycle(OK + b"Content-Length: 0\r\n\r\n")
        machine.receive_data(b"")
        assert not machine.is_reusable

    def test_start_next_cycle_mid_response(self) -> None:
        machine = started()
        machine.receive_data(OK + b"Content-Length: 5\r\n\r\nab")
        drain(machine)
        assert not machine.is_reusable
        assert not machine.response_complete
        with pytest.raises(LocalProtocolError):
            machine.start_next_cycle()

    def test_start_next_cycle_while_idle_is_harmless(self) -> None:
        machine = HTTP11Machine()
        machine.start_next_cycle()
        assert machine.is_reusable


class TestEarlyResponse:
    def test_response_before_the_body_is_sent(self) -> None:
        machine = started(b"POST", [(b"Content-Length", b"1000")], end=False)
        machine.send_body(b"x" * 100)
        events = feed(
            machine,
            b"HTTP/1.1 413 Too Large\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbig!",
        )
        assert isinstance(events[0], ResponseHead)
        assert events[0].status_code == 413
        assert events[1:] == [b"big!", RESPONSE_END]
        assert machine.response_complete
        assert not machine.request_complete
        assert not machine.is_reusable

    def test_reusable_once_the_request_is_finished(self) -> None:
        machine = started(b"POST", [(b"Content-Length", b"3")], end=False)
        feed(machine, OK + b"Content-Length: 0\r\n\r\n")
        assert machine.response_complete
        assert not machine.is_reusable
        machine.send_body(b"abc")
        machine.end_request()
        assert machine.is_reusable


class TestReceiving:
    def test_eof_without_response(self) -> None:
        message = remote_error(b"")
        assert "closed the connection without a response" in message

    def test_eof_in_the_head(self) -> None:
        message = remote_error(OK + b"Content-")
        assert "in the middle of the response head (25 bytes of it received)" in message

    def test_next_event_before_request(self) -> None:
        with pytest.raises(LocalProtocolError, match="before send_request"):
            HTTP11Machine().next_event()

    def test_data_after_eof(self) -> None:
        machine = started()
        machine.receive_data(b"")
        machine.receive_data(b"")
        with pytest.raises(LocalProtocolError, match="after the EOF"):
            machine.receive_data(b"x")

    def test_need_data(self) -> None:
        machine = started()
        assert machine.next_event() is NEED_DATA
        machine.receive_data(OK)
        assert machine.next_event() is NEED_DATA
        machine.receive_data(b"Content-Length: 3\r\n\r\n")
        assert isinstance(machine.next_event(), ResponseHead)
        assert machine.next_event() is NEED_DATA
        machine.receive_data(b"ab")
        assert machine.next_event() == b"ab"
        machine.receive_data(b"c")
        assert machine.next_event() == b"c"
        assert machine.next_event() is RESPONSE_END
        assert machine.next_event() is RESPONSE_END

    def test_body_is_not_copied(self) -> None:
        machine = started()
        machine.receive_data(OK + b"Content-Length: 8\r\n\r\n")
        assert isinstance(machine.next_event(), ResponseHead)
        piece = bytes(range(4))
        machine.receive_data(piece)
        assert machine.next_event() is piece

    def test_body_split_over_receives_without_events(self) -> None:
        machine = started()
        machine.receive_data(OK + b"Content-Length: 6\r\n\r\nab")
        assert isinstance(machine.next_event(), ResponseHead)
        machine.receive_data(b"cd")
        machine.receive_data(b"efEXTRA")
        assert machine.next_event() == b"abcdef"
        assert machine.next_event() is RESPONSE_END
        assert not machine.is_reusable

    def test_pending_head_then_body_in_bytearray_mode(self) -> None:
        machine = started()
        machine.receive_data(OK + b"Content-")
        assert machine.next_event() is NEED_DATA
        machine.receive_data(b"Length: 4\r\n\r\nbo")
        machine.receive_data(b"dy")
        assert isinstance(machine.next_event(), ResponseHead)
        body = machine.next_event()
        assert body == b"body"
        assert type(body) is bytes

    def test_bytearray_input_is_not_kept(self) -> None:
        machine = started()
        data = bytearray(OK + b"Content-Length: 4\r\n\r\nbody")
        machine.receive_data(data)  # type: ignore[arg-type]
        data[-4:] = b"XXXX"
        events = drain(machine)
        assert events[1:] == [b"body", RESPONSE_END]

    def test_chunked_bytearray_mode(self) -> None:
        machine = started()
        machine.receive_data(OK + b"Transfer-Encoding: chunked\r\n\r\n3")
        assert isinstance(machine.next_event(), ResponseHead)
        assert machine.next_event() is NEED_DATA
        machine.receive_data(b"\r\nab")
        machine.receive_data(b"c\r\n0\r\n\r\n")
        assert drain(machine) == [b"abc", RESPONSE_END]

    def test_close_delimited_bytearray_mode(self) -> None:
        machine = started()
        machine.receive_data(b"HTTP/1.0 200 OK\r")
        assert machine.next_event() is NEED_DATA
        machine.receive_data(b"\n\r\nab")
        machine.receive_data(b"cd")
        assert isinstance(machine.next_event(), ResponseHead)
        assert machine.next_event() == b"abcd"
        machine.receive_data(b"ef")
        assert machine.next_event() == b"ef"

    def test_error_state_is_sticky(self) -> None:
        machine = started()
        machine.receive_data(b"garbage\r\n\r\n")
        with pytest.raises(RemoteProtocolError, match="status line"):
            machine.next_event()
        machine.receive_data(b"more")
        with pytest.raises(RemoteProtocolError, match="status line"):
            machine.next_event()
        assert not machine.is_reusable

    def test_marker_repr(self) -> None:
        assert repr(NEED_DATA) == "NEED_DATA"
        assert repr(RESPONSE_END) == "RESPONSE_END"

    def test_long_values_are_shortened_in_messages(self) -> None:
        message = remote_error(OK + b"X" * 500 + b"\r\n\r\n")
        assert "(500 bytes)" in message
        assert len(message) < 300
