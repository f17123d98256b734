"""The resources the benchmark server serves: paths and body sizes.

Kept apart from ``server`` (and free of imports) so that a runner process can know
them without loading the server-management code.
"""

from __future__ import annotations

SMALL_PATH = "/small"
SMALL_SIZE = 100
TWO_K_PATH = "/2k"
TWO_K_SIZE = 2048
LARGE_PATH = "/large"
UPLOAD_PATH = "/upload"
# nginx's stub_status counters (connections accepted, active...).
STATUS_PATH = "/nginx-status"
