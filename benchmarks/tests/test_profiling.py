"""Summaries of py-spy's collapsed stacks and path shortening."""

from __future__ import annotations

from pathlib import Path

from benchmarks.profiling import parse_collapsed, py_spy_tables, shorten_path


def test_shorten_path() -> None:
    assert shorten_path("/x/lib/python3.11/site-packages/httpx/_client.py") == "httpx/_client.py"
    assert shorten_path("/x/repo/src/darter/_sync/client.py") == "darter/_sync/client.py"
    assert shorten_path("/x/lib/python3.11/socket.py") == "socket.py"
    assert shorten_path("<frozen runpy>") == "<frozen runpy>"


def test_parse_collapsed() -> None:
    stacks = parse_collapsed(["a (m.py:1);b (m.py:2) 3", "", "garbage"])
    assert stacks == [(["a (m.py:1)", "b (m.py:2)"], 3)]


def test_py_spy_tables_keep_the_measured_loop_only(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(
        "main (r.py:1);_measured_loop (w.py:5);get (c.py:10);parse (p.py:3) 3\n"
        "main (r.py:1);_measured_loop (w.py:5);get (c.py:11) 1\n"
        "main (r.py:1);_warm_up (w.py:2);get (c.py:10) 50\n"
    )
    text = py_spy_tables(raw, top=5)
    assert "4 samples" in text
    assert "| `parse (p.py)` | 75.0% |" in text
    assert "| `get (c.py)` | 100.0% |" in text
    assert "main" not in text


def test_py_spy_tables_without_samples(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text("main (r.py:1) 3\n")
    assert "no sample" in py_spy_tables(raw)


def test_py_spy_tables_focus_on_trio_workers(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(
        "run (trio/_core.py:1);_measured_worker (b/async_workloads.py:80);get (c.py:10) 2\n"
        "run (trio/_core.py:1);_warm_up_worker (b/async_workloads.py:70);get (c.py:10) 9\n"
        "run (trio/_core.py:1);unrolled_run (trio/_core.py:5) 4\n"
    )
    text = py_spy_tables(raw, top=5)
    assert "2 samples" in text
    assert "| `get (c.py)` | 100.0% |" in text
