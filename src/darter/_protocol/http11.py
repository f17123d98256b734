"""A client-only, sans-I/O HTTP/1.1 state machine (RFC 9110, RFC 9112).

The machine never touches a socket. The connection code around it hands it the
bytes read from the network (``receive_data``) and writes the bytes it returns
(``send_request``, ``send_body``, ``end_request``). One machine serves one
connection, one request/response exchange (a *cycle*) at a time.

Sending (our side)
------------------
::

    IDLE --send_request--> BODY_LENGTH   (Content-Length: n, n > 0)
                           BODY_CHUNKED  (Transfer-Encoding: chunked)
                           DONE          (no body, or Content-Length: 0)
    BODY_LENGTH --send_body--> DONE once exactly n bytes were given
    BODY_CHUNKED --end_request--> DONE   (writes the last chunk, b"0\\r\\n\\r\\n")
    BODY_LENGTH --too many bytes, or end_request too early--> ERROR (LocalProtocolError)

``send_request`` is refused (LocalProtocolError) unless both sides are IDLE and the
connection is reusable. The head is validated completely before any byte is
produced (in ``_http11_send``): the method must be
a token, the target visible ASCII (no whitespace, CTL or non-ASCII byte), header
names tokens, header values free of CTLs other than HTAB (so no CR, LF or NUL),
exactly one Host (RFC 9112 §3.2), at most one well-formed Content-Length or
a Transfer-Encoding of exactly ``chunked``, never both. The request line always
says HTTP/1.1 and the headers are written as given, names in their case and order.

Receiving (their side)
----------------------
::

    IDLE --send_request--> HEAD
    HEAD: 1xx other than 101 -> skipped (counted, at most max_informational_responses)
          101 (only if the request carried Upgrade) -> TUNNEL
          2xx to CONNECT -> TUNNEL
          response to HEAD, 204, 304 -> END (no body)
          Transfer-Encoding: chunked -> CHUNK_SIZE
          Content-Length: n -> BODY_LENGTH (or END when n == 0)
          neither -> BODY_CLOSE (body runs until EOF; connection not reusable)
    BODY_LENGTH: returns body bytes; after n bytes -> END
    CHUNK_SIZE --size > 0--> CHUNK_DATA --size bytes--> CHUNK_CRLF --CRLF--> CHUNK_SIZE
    CHUNK_SIZE --size 0--> TRAILERS --empty line--> DONE
    BODY_CLOSE: returns body bytes; at EOF -> DONE
    END --next_event returns RESPONSE_END--> DONE
    any --RemoteProtocolError--> ERROR (every later next_event raises again)
    TUNNEL: next_event returns RESPONSE_END; tunnel_data holds the bytes received
            after the head; the connection no longer speaks HTTP

Bytes received in IDLE or DONE are dropped and make the connection not reusable;
an EOF is recorded (``peer_closed``) and acted on once the buffered bytes are read.

``next_event`` returns the final ``ResponseHead`` once, then the body as non-empty
``bytes`` slices, then ``RESPONSE_END`` (returned again on later calls); it
returns ``NEED_DATA`` when it needs more bytes. Reading does not depend on the
sending side, so a response that arrives before the request body was completely
sent (say a 413 followed by a close) is read normally.
``start_next_cycle`` takes both sides from DONE back to IDLE, and is only allowed
while ``is_reusable`` is true.

Rules of RFC 9112 applied, and decisions where the RFC leaves a choice
----------------------------------------------------------------------
* Lines end with CRLF. A bare LF (which §2.2 allows a recipient to accept) is
  rejected, as is a bare CR (§2.2), so a head is never split differently from how
  a strict intermediary would split it.
* Status line ``HTTP/1.x SP 3DIGIT [SP reason-phrase]`` (§4), status 100 to 999;
  the SP after the code may be left out when the reason is empty. HTTP/1.0 and
  HTTP/1.1 are accepted; HTTP/1.2 to HTTP/1.9 are processed as HTTP/1.1 (RFC 9110
  §2.5) and reported as ``b"HTTP/1.1"``; any other version is rejected.
* Field lines ``name ":" OWS value OWS`` (§5): the name must be a token (so no
  non-ASCII byte and no whitespace before the colon, §5.1), the value may hold
  HTAB, SP, VCHAR and obs-text; NUL, CR, LF and other CTLs are rejected.
  obs-fold is replaced by one SP (§5.2, as a user agent must); whitespace before
  the first field line is rejected (§2.2).
* A head, or a trailer section, longer than ``max_head_size`` bytes or with more
  than ``max_header_count`` fields is rejected; each 1xx head counts separately.
* Body length (§6.3): no body for a response to HEAD, for 1xx, 204 and 304 (their
  framing fields are ignored, as the RFC says), none for a 2xx to CONNECT (whose
  framing fields must be ignored, RFC 9110 §9.3.6). Otherwise Transfer-Encoding
  must be exactly ``chunked`` and comes without Content-Length; a
  Transfer-Encoding in an HTTP/1.0 response is rejected as faulty framing (§6.1).
  Several equal Content-Length values count as one; differing, non-decimal or
  overlong ones are rejected. Without either field the body runs to EOF.
* Chunks (§7.1): hex size of at most 16 digits, extensions checked against the
  grammar (whitespace after the size or the extensions is tolerated: it cannot
  change the framing), the chunk-size line bounded by ``max_head_size``, exactly
  CRLF after each chunk's data, trailers parsed and limited as the head is.
  EOF before the last chunk or before Content-Length bytes is an error: a
  truncated body is never reported as complete.
* Persistence (§9.3): the connection is reusable only after both sides are DONE,
  if neither the request nor the response said ``Connection: close``, the
  response is HTTP/1.1 or said ``keep-alive``, the body was not delimited by EOF,
  the peer has not closed, and no byte arrived after the complete response or
  while idle (§6.3: such bytes must never be taken for the next response).

Cost
----
The head is found with one ``bytes.find`` and checked with one precompiled
expression for the common shape (``name: value`` lines); only unusual or invalid
heads take the line-by-line path in ``_http11_parse``. Body bytes are returned as
slices of what ``receive_data`` got, or that very object when it holds exactly
the rest of the body; incomplete units are accumulated in a bytearray and
searched incrementally, so arrival in small pieces stays linear.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from typing import Final, Literal, TypeAlias

from darter._exceptions import LocalProtocolError, RemoteLimitExceeded, RemoteProtocolError

from ._http11_parse import (
    HTTP_11,
    HeaderField,
    ResponseHead,
    check_transfer_encoding,
    connection_tokens,
    parse_chunk_line,
    parse_content_length,
    parse_fields,
    parse_response_head,
    shorten,
)
from ._http11_send import serialize_request

__all__ = [
    "NEED_DATA",
    "RESPONSE_END",
    "Event",
    "HTTP11Machine",
    "HeaderField",
    "Marker",
    "ResponseHead",
]


class Marker(enum.Enum):
    """The two non-data results of ``HTTP11Machine.next_event``."""

    NEED_DATA = "NEED_DATA"
    RESPONSE_END = "RESPONSE_END"

    def __repr__(self) -> str:
        return self.value


#: ``next_event`` needs more bytes (or the EOF) from ``receive_data``.
NEED_DATA: Final = Marker.NEED_DATA
#: ``next_event``: the response is complete (its body, if any, was all returned).
RESPONSE_END: Final = Marker.RESPONSE_END

#: What ``next_event`` returns.
Event: TypeAlias = ResponseHead | bytes | Literal[Marker.NEED_DATA, Marker.RESPONSE_END]

# Reading states. The order matters: receive_data treats every state from _R_DONE
# on as "not expecting response bytes".
_R_HEAD: Final = 0
_R_LENGTH: Final = 1
_R_CHUNK_SIZE: Final = 2
_R_CHUNK_DATA: Final = 3
_R_CHUNK_CRLF: Final = 4
_R_TRAILERS: Final = 5
_R_CLOSE: Final = 6
_R_END: Final = 7
_R_DONE: Final = 8
_R_TUNNEL: Final = 9
_R_IDLE: Final = 10
_R_ERROR: Final = 11

# Sending states.
_W_IDLE: Final = 0
_W_LENGTH: Final = 1
_W_CHUNKED: Final = 2
_W_DONE: Final = 3
_W_ERROR: Final = 4

# The usual chunk-size lines: plain hex digits (at most 16), no extension. The
# first form also takes the CRLF that ends the previous chunk's data.
_CHUNK_SIZE_FAST: Final = re.compile(rb"([0-9A-Fa-f]{1,16})\r\n")
_AFTER_DATA_FAST: Final = re.compile(rb"\r\n([0-9A-Fa-f]{1,16})\r\n")


class HTTP11Machine:
    """The client side of one HTTP/1.1 connection, without I/O.

    ``max_head_size`` bounds the bytes of a response head (and of a trailer
    section), ``max_header_count`` the number of fields in either, and
    ``max_informational_responses`` the 1xx responses skipped before a final one.
    Raises ``ValueError`` if a limit is not a positive integer (zero is allowed for
    ``max_informational_responses``).
    """

    __slots__ = (
        "_body_received",
        "_buf",
        "_connect",
        "_eof",
        "_error",
        "_head_request",
        "_informational",
        "_keep_alive",
        "_max_head_size",
        "_max_header_count",
        "_max_informational",
        "_pos",
        "_received",
        "_remaining",
        "_rstate",
        "_scanned",
        "_upgrade",
        "_wlength",
        "_wremaining",
        "_wstate",
        "trailers",
    )

    def __init__(
        self,
        *,
        max_head_size: int = 100 * 1024,
        max_header_count: int = 256,
        max_informational_responses: int = 100,
    ) -> None:
        if max_head_size < 1 or max_header_count < 1 or max_informational_responses < 0:
            raise ValueError("HTTP11Machine limits must be positive")
        self._max_head_size = max_head_size
        self._max_header_count = max_header_count
        self._max_informational = max_informational_responses
        # Unconsumed received bytes are self._buf[self._pos:]. _buf is the bytes
        # object given to receive_data when possible (so that body data can be
        # returned without copying) and becomes a bytearray only while an incomplete
        # unit (head, chunk line, trailers) waits for more bytes, so that appending
        # stays amortised O(1). _scanned counts the pending bytes already searched
        # for the end of such a unit, so that searching is not repeated.
        self._buf: bytes | bytearray = b""
        self._pos = 0
        self._scanned = 0
        self._eof = False
        # False as soon as anything makes the connection not reusable; never reset.
        self._keep_alive = True
        self._error = ""
        self._rstate = _R_IDLE
        self._wstate = _W_IDLE
        self._reset_cycle()

    def _reset_cycle(self) -> None:
        self._received = False
        self._remaining = 0
        self._body_received = 0
        self._informational = 0
        self._head_request = False
        self._connect = False
        self._upgrade = False
        self._wlength = 0
        self._wremaining = 0
        #: Trailer fields of a chunked response body, once the body was read.
        self.trailers: list[HeaderField] = []

    # ------------------------------------------------------------------ properties

    @property
    def is_reusable(self) -> bool:
        """Whether the connection can carry another request (see the module docs).

        True while idle on a healthy connection, and after ``RESPONSE_END`` once the
        request was completely sent, if nothing asked for or forced a close.
        """
        if not self._keep_alive:
            return False
        if self._rstate == _R_DONE:
            return self._wstate == _W_DONE
        return self._rstate == _R_IDLE

    @property
    def response_started(self) -> bool:
        """Whether any byte was received since the current cycle began.

        If a request fails while this is false, the server sent nothing for it, which
        is when retrying it on a fresh connection can be safe.
        """
        return self._received

    @property
    def peer_closed(self) -> bool:
        """Whether the EOF (``receive_data(b"")``) was received."""
        return self._eof

    @property
    def request_complete(self) -> bool:
        """Whether the whole request, body included, was produced."""
        return self._wstate == _W_DONE

    @property
    def response_complete(self) -> bool:
        """Whether ``next_event`` has returned ``RESPONSE_END`` for this cycle."""
        return self._rstate == _R_DONE or self._rstate == _R_TUNNEL

    @property
    def is_tunnelled(self) -> bool:
        """Whether the connection left HTTP: 2xx to CONNECT, or 101 to an Upgrade."""
        return self._rstate == _R_TUNNEL

    @property
    def tunnel_data(self) -> bytes:
        """Bytes received after the head that opened a tunnel, for the tunnel's user.

        Empty unless ``is_tunnelled``.
        """
        if self._rstate != _R_TUNNEL:
            return b""
        return bytes(self._buf[self._pos :])

    @property
    def informational_responses(self) -> int:
        """How many 1xx responses (other than 101) were skipped in this cycle."""
        return self._informational

    # --------------------------------------------------------------------- sending

    def send_request(
        self, method: bytes, target: bytes, headers: Sequence[tuple[bytes, bytes]]
    ) -> bytes:
        """Validate the request head and return it serialised.

        The body framing comes from the headers: Content-Length gives a body of that
        length, ``Transfer-Encoding: chunked`` a chunked body, neither no body.

        Raises ``LocalProtocolError``, before anything changes, if the head is not
        valid (see the module docs) or if the connection cannot carry a request now.
        """
        if self._wstate != _W_IDLE or self._rstate != _R_IDLE:
            raise LocalProtocolError(
                "Cannot send a request: the previous request/response cycle is not "
                "finished (call start_next_cycle() after RESPONSE_END)."
            )
        if not self._keep_alive:
            raise LocalProtocolError(
                "Cannot send a request on this connection: "
                + (
                    "the server closed it."
                    if self._eof
                    else "it is not reusable (the server sent data while it was idle)."
                )
            )
        request = serialize_request(method, target, headers)
        self._upgrade = request.upgrade
        if request.close:
            self._keep_alive = False
        length = request.body_length
        if length < 0:
            self._wstate = _W_CHUNKED
        elif length:
            self._wstate = _W_LENGTH
            self._wlength = self._wremaining = length
        else:
            self._wstate = _W_DONE
        self._head_request = method == b"HEAD"
        self._connect = method == b"CONNECT"
        self._rstate = _R_HEAD
        return request.data

    def send_body(self, data: bytes) -> bytes:
        """Return ``data`` framed for the wire (as one chunk when chunked).

        Empty ``data`` gives ``b""`` (never a zero-size chunk, which would end the
        body).

        Raises ``LocalProtocolError`` if no request body is being sent, or if
        ``data`` goes beyond the declared Content-Length.
        """
        state = self._wstate
        if state == _W_CHUNKED:
            if not data:
                return b""
            return b"".join((b"%x\r\n" % len(data), data, b"\r\n"))
        if state == _W_LENGTH:
            size = len(data)
            if size > self._wremaining:
                self._wstate = _W_ERROR
                self._keep_alive = False
                raise LocalProtocolError(
                    f"Too much request body: {self._wlength - self._wremaining + size} "
                    f"bytes given for a Content-Length of {self._wlength}."
                )
            self._wremaining -= size
            if not self._wremaining:
                self._wstate = _W_DONE
            return data
        if not data and state == _W_DONE:
            return b""
        raise LocalProtocolError(self._cannot_send_body())

    def _cannot_send_body(self) -> str:
        if self._wstate == _W_DONE:
            if self._wlength:
                return f"Too much request body: the Content-Length of {self._wlength} was sent."
            return (
                "Cannot send a request body: the request declared none (no Content-Length, "
                "Content-Length: 0 or no Transfer-Encoding) or it was already ended."
            )
        if self._wstate == _W_IDLE:
            return "Cannot send a request body: no request was started."
        return "Cannot send a request body after an earlier error."

    def end_request(self) -> bytes:
        """Finish the request body; return the bytes to write (the last chunk).

        Returns ``b""`` if there is nothing left to write (no body, a complete
        Content-Length body, or a request already ended).

        Raises ``LocalProtocolError`` if fewer bytes than the Content-Length were
        given, or if no request was started.
        """
        state = self._wstate
        if state == _W_CHUNKED:
            self._wstate = _W_DONE
            return b"0\r\n\r\n"
        if state == _W_DONE:
            return b""
        if state == _W_LENGTH:
            self._wstate = _W_ERROR
            self._keep_alive = False
            raise LocalProtocolError(
                f"Too little request body: {self._wlength - self._wremaining} bytes given "
                f"for a Content-Length of {self._wlength}."
            )
        raise LocalProtocolError(self._cannot_send_body())

    # ------------------------------------------------------------------- receiving

    def receive_data(self, data: bytes) -> None:
        """Give the machine bytes read from the connection; ``b""`` means EOF.

        Bytes received while no response is expected (idle, or after the complete
        response) are dropped and make the connection not reusable.

        Raises ``LocalProtocolError`` if non-empty data comes after the EOF.
        """
        if not data:
            self._eof = True
            self._keep_alive = False
            return
        if self._eof:
            raise LocalProtocolError("receive_data() was given bytes after the EOF.")
        self._received = True
        if self._rstate >= _R_DONE and self._rstate != _R_TUNNEL:
            # Never to be read as a response (RFC 9112 §6.3).
            self._keep_alive = False
            return
        buf = self._buf
        pos = self._pos
        if pos >= len(buf):
            self._buf = data if type(data) is bytes else bytes(data)
            self._pos = 0
        elif type(buf) is bytearray:
            if pos:
                del buf[:pos]  # cheap: drops the consumed prefix without moving data
                self._pos = 0
            buf += data
        else:
            pending = bytearray(buf[pos:] if pos else buf)
            pending += data
            self._buf = pending
            self._pos = 0

    def next_event(self) -> Event:
        """Return the next response event; see the module docs for the order.

        Raises ``RemoteProtocolError`` for anything invalid the server sent,
        including an EOF where the response is not complete; after that the
        machine stays broken. Raises ``LocalProtocolError`` if no request was sent.
        """
        state = self._rstate
        if state == _R_LENGTH:
            # The hottest path, kept inline: a Content-Length body.
            buf = self._buf
            pos = self._pos
            available = len(buf) - pos
            if available:
                remaining = self._remaining
                if available < remaining:
                    self._remaining = remaining - available
                    self._body_received += available
                    end = len(buf)
                else:
                    self._remaining = 0
                    self._body_received += remaining
                    self._rstate = _R_END
                    end = pos + remaining
                self._pos = end
                if type(buf) is bytes:
                    if pos == 0 and end == len(buf):
                        return buf  # exactly the received bytes: no copy
                    return buf[pos:end]
                return bytes(buf[pos:end])
            if not self._eof:
                return NEED_DATA
        try:
            if state == _R_HEAD:
                return self._read_head()
            if state == _R_END:
                return self._finish()
            if _R_CHUNK_SIZE <= state <= _R_TRAILERS:
                return self._read_chunked()
            if state == _R_CLOSE:
                return self._read_until_close()
            if state == _R_LENGTH:
                raise RemoteProtocolError(
                    f"The server closed the connection after sending {self._body_received} "
                    f"of the {self._body_received + self._remaining} body bytes its "
                    f"Content-Length announced."
                )
        except RemoteProtocolError as exc:
            self._rstate = _R_ERROR
            self._keep_alive = False
            self._error = str(exc)
            raise
        if state in (_R_DONE, _R_TUNNEL):
            return RESPONSE_END
        if state == _R_IDLE:
            raise LocalProtocolError("next_event() called before send_request().")
        raise RemoteProtocolError(f"The connection is unusable after an error: {self._error}")

    def start_next_cycle(self) -> None:
        """Get ready for the next request on this connection.

        Raises ``LocalProtocolError`` if the connection is not reusable (see
        ``is_reusable``).
        """
        if not self.is_reusable:
            raise LocalProtocolError(
                "This connection cannot carry another request "
                "(it is closing, mid-response, or the request was not completely sent)."
            )
        self._rstate = _R_IDLE
        self._wstate = _W_IDLE
        self._reset_cycle()

    # ------------------------------------------------------------- reading helpers

    def _read_until_close(self) -> bytes | Literal[Marker.RESPONSE_END, Marker.NEED_DATA]:
        buf = self._buf
        pos = self._pos
        if pos < len(buf):
            self._pos = len(buf)
            if type(buf) is bytes:
                return buf[pos:] if pos else buf
            return bytes(buf[pos:])
        if self._eof:
            self._rstate = _R_DONE
            return RESPONSE_END
        return NEED_DATA

    def _finish(self) -> Literal[Marker.RESPONSE_END]:
        if self._pos < len(self._buf):
            # Bytes after the complete response: never to be read as the next one.
            self._keep_alive = False
        self._buf = b""
        self._pos = self._scanned = 0
        self._rstate = _R_DONE
        return RESPONSE_END

    def _find_block_end(self, what: str) -> int:
        """Index just past the CRLF of the last line of a head or trailer section
        that starts at _pos (the empty line follows), or -1 if it is incomplete.

        Raises ``RemoteProtocolError`` when it can no longer complete within
        ``max_head_size``, uses bare LF line endings, or the EOF came first.
        """
        buf = self._buf
        pos = self._pos
        start = pos + self._scanned - 3 if self._scanned > 3 else pos
        end = buf.find(b"\r\n\r\n", start)
        if end >= 0:
            if end + 4 - pos > self._max_head_size:
                raise self._too_big(what)
            return end + 2
        pending = len(buf) - pos
        self._scanned = pending
        if pending >= self._max_head_size:
            raise self._too_big(what)
        # An LF-only empty line means the server uses bare LF line endings, which
        # are rejected: fail now rather than wait for a CRLF CRLF that never comes.
        lf = buf.find(b"\n\n", start)
        if lf < 0:
            lf = buf.find(b"\n\r\n", start)
        if lf >= 0:
            raise RemoteProtocolError(
                f"Invalid response {what}: its lines end with a bare LF instead of CRLF "
                f"(received {shorten(bytes(buf[pos : lf + 2]))})."
            )
        if self._eof:
            if what == "head" and not pending:
                raise RemoteProtocolError(
                    "The server closed the connection without a response"
                    + (
                        f" (after {self._informational} informational responses)."
                        if self._informational
                        else "."
                    )
                )
            raise RemoteProtocolError(
                f"The server closed the connection in the middle of the response {what} "
                f"({pending} bytes of it received)."
            )
        return -1

    def _too_big(self, what: str) -> RemoteProtocolError:
        return RemoteLimitExceeded(
            f"The response {what} is larger than max_head_size ({self._max_head_size} "
            "bytes): raise it with darter.ResponseLimits(max_head_size=...) if the server "
            "is trusted.",
            limit="max_head_size",
        )

    def _read_head(self) -> ResponseHead | Literal[Marker.NEED_DATA]:
        while True:
            buf = self._buf
            pos = self._pos
            end = buf.find(b"\r\n\r\n", pos) if not self._scanned else -1
            if end < 0 or end + 4 - pos > self._max_head_size:
                # Incomplete, too big, or searched before: the careful version.
                end = self._find_block_end("head")
                if end < 0:
                    return NEED_DATA
            else:
                end += 2
            if type(buf) is bytes:
                head, special = parse_response_head(buf, pos, end, self._max_header_count)
            else:
                data = bytes(buf[pos:end])
                head, special = parse_response_head(data, 0, len(data), self._max_header_count)
            self._pos = end + 2
            self._scanned = 0
            code = head.status_code
            if code >= 200:
                return self._start_body(head, special)
            if code == 101:
                if not self._upgrade:
                    raise RemoteProtocolError(
                        "The server answered 101 Switching Protocols to a request that did "
                        "not ask for an Upgrade."
                    )
                self._rstate = _R_TUNNEL
                self._keep_alive = False
                return head
            self._informational += 1
            if self._informational > self._max_informational:
                raise RemoteLimitExceeded(
                    f"The server sent more than {self._max_informational} informational (1xx) "
                    "responses (max_informational_responses): raise it with "
                    "darter.ResponseLimits(max_informational_responses=...) if the server is "
                    "trusted.",
                    limit="max_informational_responses",
                )

    def _start_body(self, head: ResponseHead, special: list[tuple[bytes, bytes]]) -> ResponseHead:
        """Decide the body framing of a final response (RFC 9112 §6.3).

        ``special`` holds the (lower-cased name, value) of its framing fields.
        """
        code = head.status_code
        http11 = head.http_version is HTTP_11
        close = keep_alive_token = False
        lengths: list[bytes] = []
        codings: list[bytes] = []
        for lower, value in special:
            if lower == b"content-length":
                lengths.append(value)
            elif lower == b"transfer-encoding":
                codings.append(value)
            else:
                option = value.lower()
                if option == b"keep-alive":
                    keep_alive_token = True
                elif option == b"close":
                    close = True
                else:
                    options = connection_tokens((option,))
                    close = close or b"close" in options
                    keep_alive_token = keep_alive_token or b"keep-alive" in options
        keep_alive = not close and (http11 or keep_alive_token)
        if not keep_alive:
            self._keep_alive = False
        if self._head_request or code == 204 or code == 304:
            self._rstate = _R_END
        elif self._connect and code < 300:
            self._rstate = _R_TUNNEL
            self._keep_alive = False
        elif codings:
            if not http11:
                raise RemoteProtocolError(
                    "Invalid HTTP/1.0 response: it has a Transfer-Encoding, which HTTP/1.0 "
                    "does not define (RFC 9112 §6.1)."
                )
            if lengths:
                raise RemoteProtocolError(
                    "Invalid response: it has both Content-Length and Transfer-Encoding, "
                    "so its length is ambiguous (RFC 9112 §6.3)."
                )
            if codings != [b"chunked"]:
                check_transfer_encoding(codings)
            self._rstate = _R_CHUNK_SIZE
        elif lengths:
            value = lengths[0]
            if len(lengths) == 1 and value.isdigit() and len(value) <= 18:
                self._remaining = int(value)
            else:
                self._remaining = parse_content_length(lengths)
            self._rstate = _R_LENGTH if self._remaining else _R_END
        else:
            self._rstate = _R_CLOSE
            self._keep_alive = False
        return head

    def _read_chunked(self) -> bytes | Literal[Marker.RESPONSE_END, Marker.NEED_DATA]:
        """Chunk sizes, data, CRLFs and trailers, until there is data to return."""
        while True:
            state = self._rstate
            buf = self._buf
            pos = self._pos
            if state == _R_CHUNK_DATA:
                available = len(buf) - pos
                if not available:
                    break
                remaining = self._remaining
                if available < remaining:
                    self._remaining = remaining - available
                    end = len(buf)
                else:
                    self._rstate = _R_CHUNK_CRLF
                    end = pos + remaining
                self._body_received += end - pos
                self._pos = end
                if type(buf) is bytes:
                    if pos == 0 and end == len(buf):
                        return buf
                    return buf[pos:end]
                return bytes(buf[pos:end])
            if state == _R_TRAILERS:
                if buf[pos : pos + 2] == b"\r\n":  # no trailer fields: the usual end
                    self._pos = pos + 2
                    return self._finish()
                return self._read_trailers()
            # The usual case in one step: [CRLF after the data] hex-size CRLF.
            match = (_AFTER_DATA_FAST if state == _R_CHUNK_CRLF else _CHUNK_SIZE_FAST).match(
                buf, pos
            )
            if match is not None:
                size = int(match[1], 16)
                self._pos = match.end()
                self._scanned = 0
            else:
                size = self._read_chunk_line_slowly()
                if size < 0:
                    break
            if size:
                self._remaining = size
                self._rstate = _R_CHUNK_DATA
            else:
                self._rstate = _R_TRAILERS
        if self._eof:
            raise RemoteProtocolError(
                f"The server closed the connection before the end of the chunked response "
                f"body ({self._body_received} body bytes received)."
            )
        return NEED_DATA

    def _read_chunk_line_slowly(self) -> int:
        """Consume the CRLF after chunk data (in _R_CHUNK_CRLF) and a chunk-size line
        of any valid form; return the size, or -1 if more bytes are needed."""
        buf = self._buf
        pos = self._pos
        if self._rstate == _R_CHUNK_CRLF:
            available = len(buf) - pos
            if available >= 2 and buf[pos] == 0x0D and buf[pos + 1] == 0x0A:
                self._pos = pos = pos + 2
                self._rstate = _R_CHUNK_SIZE
            elif available >= 2 or (available == 1 and buf[pos] != 0x0D):
                raise RemoteProtocolError(
                    f"Invalid chunked body: the chunk data is not followed by CRLF "
                    f"(got {shorten(bytes(buf[pos : pos + 2]))})."
                )
            else:
                return -1
        start = pos + self._scanned - 1 if self._scanned > 1 else pos
        eol = buf.find(b"\r\n", start)
        if eol < 0:
            self._scanned = len(buf) - pos
            if self._scanned >= self._max_head_size:
                raise RemoteLimitExceeded(
                    f"A chunk header line is larger than max_head_size ({self._max_head_size} "
                    "bytes): raise it with darter.ResponseLimits(max_head_size=...) if the "
                    "server is trusted.",
                    limit="max_head_size",
                )
            return -1
        size = parse_chunk_line(bytes(buf[pos:eol]))
        self._pos = eol + 2
        self._scanned = 0
        return size

    def _read_trailers(self) -> Literal[Marker.RESPONSE_END, Marker.NEED_DATA]:
        """The trailer section, when it is not just the empty line."""
        buf = self._buf
        pos = self._pos
        available = len(buf) - pos
        if available == 1 and buf[pos] == 0x0D:
            if self._eof:
                raise RemoteProtocolError(
                    "The server closed the connection in the middle of the response trailer "
                    "section (1 bytes of it received)."
                )
            return NEED_DATA
        end = self._find_block_end("trailer section")
        if end < 0:
            return NEED_DATA
        self.trailers = parse_fields(
            bytes(buf[pos:end]), 0, end - pos, self._max_header_count, "trailer"
        )
        self._pos = end + 2
        return self._finish()
