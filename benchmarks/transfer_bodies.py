"""What every transfer adapter shares: the read size, the upload's body and answer.

Free of imports, so that ``transfer_clients`` and ``transfer_peers`` both use it.
"""

from __future__ import annotations

# The chunk size of the libraries that require one to stream a body.
CHUNK_SIZE = 64 * 1024
# nginx's answer to an upload, once it has read and discarded the body.
UPLOAD_STATUS = 204
_PATTERN = b"darter-benchmark-upload-0123456789\n"


def upload_body(size: int) -> bytes:
    """``size`` bytes of a repeating pattern (built before the measurement)."""
    return (_PATTERN * (size // len(_PATTERN) + 1))[:size]
