"""Run the ``darter`` command in a subprocess (``python -m darter``), always with a timeout."""

from __future__ import annotations

import os
import subprocess
import sys

#: Seconds any one command may take before the test fails.
TIMEOUT = 60

#: Variables that would change what the command does or how it prints.
_CLEARED = {
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "ssl_cert_file",
    "ssl_cert_dir",
    "sslkeylogfile",
    "force_color",
    "no_color",
    "tty_compatible",
    "tty_interactive",
    "columns",
    "lines",
}


def darter_env(**extra: str) -> dict[str, str]:
    """The test process's environment without proxies, CA or colour settings, plus ``extra``."""
    env = {name: value for name, value in os.environ.items() if name.lower() not in _CLEARED}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def run_darter(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
    cwd: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m darter ARGS``, its output captured as text."""
    return run_python("-m", "darter", *args, env=env, timeout=timeout, cwd=cwd)


def run_python(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
    cwd: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """This interpreter with ``args``, its output captured as text."""
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=darter_env() if env is None else env,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )


def assert_one_line_error(
    result: subprocess.CompletedProcess[str], *fragments: str, status: int = 1
) -> str:
    """The command failed with ``status`` and one ``error: ...`` line holding ``fragments``."""
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]
