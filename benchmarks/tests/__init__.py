"""Tests of the benchmark suite's own logic (no timed assertions: it only measures)."""
