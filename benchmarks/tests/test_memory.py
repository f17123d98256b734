"""Peak RSS: the runner's own, not what it inherited from the suite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import memory
from benchmarks.suite import PACKAGE_PARENT

BIG = 300 * 1024 * 1024
_CHILD = (
    "import json, resource\n"
    "from benchmarks.memory import peak_rss_kb\n"
    "print(json.dumps([*peak_rss_kb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))\n"
)


def test_a_child_of_a_big_parent_reports_its_own_peak() -> None:
    ballast = bytearray(BIG)
    ballast[::4096] = b"x" * len(ballast[::4096])  # every page resident
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        cwd=PACKAGE_PARENT,
        capture_output=True,
        text=True,
        check=True,
    )
    peak_kb, source, maxrss_kb = json.loads(done.stdout)
    del ballast
    assert source == memory.VMHWM
    assert peak_kb < 100 * 1024  # an interpreter, not the parent's 300 MB
    # What the old figure said: at least the parent's ballast.
    assert maxrss_kb > BIG // 1024


def test_vmhwm_is_read_from_the_status_text() -> None:
    status = "Name:\tpython\nVmPeak:\t  9000 kB\nVmHWM:\t    4242 kB\nVmRSS:\t 4000 kB\n"
    assert memory._vmhwm_kb(status) == 4242
    assert memory._vmhwm_kb("Name:\tpython\n") is None


def test_without_proc_it_falls_back_to_ru_maxrss(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(memory, "_STATUS", tmp_path / "missing")
    peak_kb, source = memory.peak_rss_kb()
    assert source == memory.RU_MAXRSS
    assert peak_kb > 0
