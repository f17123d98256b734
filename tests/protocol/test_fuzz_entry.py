"""The HTTP/1.1 response fuzzer (fuzz/http11_response.py): a short atheris run in CI,
and a seeded replay through its ``check`` entry that needs no atheris."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "fuzz" / "http11_response.py"

SEEDS = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nA: b\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 204 No Content\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n",
]


def load_entry() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_http11_response", ENTRY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seeded_replay_through_check() -> None:
    check = load_entry().check
    rng = random.Random(20261206)
    for _ in range(3000):
        seed = bytearray(rng.choice(SEEDS))
        for _ in range(rng.randrange(4)):
            position = rng.randrange(len(seed) + 1)
            seed[position:position] = bytes([rng.randrange(256)])
        control = bytes(rng.randrange(256) for _ in range(rng.randrange(12)))
        # Interleave control bytes (limits, chunk sizes) with the response bytes.
        check(control + bytes(seed))
        check(rng.randbytes(rng.randrange(200)))


def test_short_atheris_run() -> None:
    pytest.importorskip("atheris")
    result = subprocess.run(
        [sys.executable, str(ENTRY), "-runs=20000", "-seed=1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Done 20000 runs" in result.stderr
