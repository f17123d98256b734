"""The command's output for fixed responses, compared with the committed snapshots.

On a mismatch the test prints a unified diff (escape characters shown as ``\\x1b``).
After a deliberate change: ``python -m tests.cli.update_snapshots`` or
``pytest tests/cli --update-snapshots``.
"""

from __future__ import annotations

import difflib

import pytest

from tests.cli.snapshot_cases import CASES, MODES, Case, render, snapshot_path

UPDATE_HINT = "python -m tests.cli.update_snapshots (or pytest tests/cli --update-snapshots)"


def _visible(text: str) -> list[str]:
    return text.replace("\x1b", "\\x1b").splitlines(keepends=True)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_output_matches_snapshot(case: Case, mode: str, update_snapshots: bool) -> None:
    path = snapshot_path(case, mode)
    output = render(case, mode)
    if update_snapshots:
        path.write_text(output, encoding="utf-8", newline="")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path.name}: create it with {UPDATE_HINT}", pytrace=False)
    expected = path.read_bytes().decode("utf-8")  # as written: no newline translation
    if output != expected:
        diff = "".join(
            difflib.unified_diff(
                _visible(expected),
                _visible(output),
                fromfile=f"snapshots/{path.name}",
                tofile="current output",
            )
        )
        pytest.fail(
            f"the output of {case.name} ({mode}) changed:\n{diff}\n"
            f"If the change is deliberate, regenerate the snapshots: {UPDATE_HINT}",
            pytrace=False,
        )


def test_plain_output_has_no_colours() -> None:
    for case in CASES:
        if case.name != "control_characters":  # that body has escapes of its own, kept as is
            assert "\x1b" not in render(case, "plain"), case.name


def test_terminal_output_neutralises_control_characters() -> None:
    (case,) = [case for case in CASES if case.name == "control_characters"]
    output = render(case, "terminal")
    assert "\\x1b[31malert\\x1b[0m" in output
    assert "bell\\x07" in output
    assert "\r" not in output


def test_terminal_snapshots_are_coloured() -> None:
    for case in CASES:
        assert "\x1b[" in render(case, "terminal"), case.name
