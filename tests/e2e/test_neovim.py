"""Headless Neovim drives the real server through the Lua integration in client-nvim.

The Lua side (``tests/e2e/nvim/test_roo_usage.lua``) loads ``client-nvim`` from this repository,
starts ``roo-usage serve`` against a temporary ledger and a copy of the sample storage, checks
the first push, the statusline, the summary request, the ``:RooUsage`` floating window and a
push after ``roo/recordUsage``. It quits 0 and prints a marker line only if every check passed.
Neovim must be installed (Debian's ``neovim``, 0.7+): a missing ``nvim`` fails, never skips.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).parent / "nvim" / "test_roo_usage.lua"
MARKER = "ROO_USAGE_NVIM_E2E_OK"
# Each wait inside the Lua script is bounded at 20 s; this bounds the whole run.
TIMEOUT_S = 120


def _nvim() -> str:
    wanted = os.environ.get("NVIM_BIN") or "nvim"
    nvim = shutil.which(wanted)
    if not nvim:
        pytest.fail(
            f"{wanted!r} not found or not executable: the Neovim end-to-end test needs "
            "Neovim 0.7+ (`apt-get install -y neovim`, as scripts/test does); NVIM_BIN may name it"
        )
    return nvim


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Runs ``command`` in its own process group; kills the whole group on timeout."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"nvim did not finish in {TIMEOUT_S} s\nstdout:\n{stdout}\nstderr:\n{stderr}")
    finally:
        # The server exits with its client; make sure nothing of this run outlives the test.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, stdout, stderr


def test_neovim_statusline_summary_window_and_push(
    tmp_path: Path, storage: Path, ledger_home: Path
) -> None:
    nvim = _nvim()
    home = tmp_path / "home"
    workspace = tmp_path / "workspace"
    for folder in (home, workspace, ledger_home):
        folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "ROO_USAGE_SOURCES": "",
        "ROO_NVIM_PLUGIN": str(REPO / "client-nvim"),
        "ROO_NVIM_PYTHON": sys.executable,
        "ROO_NVIM_STORAGE": str(storage),
        "ROO_NVIM_LEDGER": str(ledger_home),
    }
    env.pop("ROO_USAGE_HOME", None)
    # The server must import the package under test, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO / "server"), os.environ.get("PYTHONPATH", "")) if p
    )

    code, stdout, stderr = _run(
        [nvim, "--headless", "--clean", "-c", f"luafile {SCRIPT}"], workspace, env
    )

    lsp_log = home / ".cache" / "nvim" / "lsp.log"
    log_tail = lsp_log.read_text(errors="replace")[-4000:] if lsp_log.exists() else "(no LSP log)"
    details = f"exit code {code}\nstdout:\n{stdout}\nstderr:\n{stderr}\nLSP log tail:\n{log_tail}"
    assert code == 0, details
    assert MARKER in stdout.splitlines(), details
