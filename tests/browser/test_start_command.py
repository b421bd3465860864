"""The README's start command, for real: in a clean clone with its own fresh virtual environment,
``bin/start`` brings JupyterLab up on localhost, the first lecture opens in the browser, and Ctrl-C
shuts everything down (server and kernels)."""

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.lab import (QUIET_LAB_ARGS, ROOT_ARGS, free_port, lab_settings_dir, like_a_terminal, stop,
                               wait_for_http)
from tests.browser.notebook_page import open_notebook, shot
from tests.course_repo import REPO, VENV_BIN, notebooks, read

INSTALL_TIMEOUT = 1800  # s: a fresh venv from pip's cache on a busy machine


def clean_env(home):
    """The environment of someone who just cloned the course: no venv active, this repo's
    .venv not on PATH; Jupyter's runtime and settings kept in ``home``."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != str(VENV_BIN))
    env.update(JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(lab_settings_dir(home / "settings")),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    return env


def processes_running_from(folder):
    """Pids of live processes whose command line names ``folder`` (the clone's server, its kernels)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (proc / "stat").read_text().split(") ")[-1][:1]
            except OSError:
                continue
            if str(folder) in cmdline and state != "Z":
                pids.append(int(proc.name))
    return pids


def test_readme_start_command_in_a_clean_clone(browser, tmp_path):
    head = subprocess.run(["git", "status", "--porcelain", "--", "bin", "course", "release", "requirements.txt",
                           "requirements-student.txt",
                           "pyproject.toml", "nbgrader_config.py"], cwd=REPO, capture_output=True, text=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    assert not (clone / ".venv").exists() and not (clone / "workspace").exists()
    first = sorted(p.name for p in (clone / "source").iterdir() if p.is_dir())[0]
    notebook = next(iter(notebooks(first, clone / "release")), None) or next(iter(notebooks(first)))

    code = None
    port = free_port()
    log = open(tmp_path / "start.log", "w")
    process = subprocess.Popen(
        ["bin/start", "--no-browser", f"--port={port}", "--ip=127.0.0.1", "--ServerApp.token=",
         "--ServerApp.password=", *QUIET_LAB_ARGS, *ROOT_ARGS],
        cwd=clone, env=clean_env(tmp_path / "home"), stdin=subprocess.DEVNULL, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=like_a_terminal)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/status", process, timeout=INSTALL_TIMEOUT)
        assert (clone / ".venv" / "bin" / "python").exists(), "bin/start did not make its own .venv"
        lecture = clone / "workspace" / first / f"{notebook}.ipynb"
        assert lecture.exists(), "bin/start did not copy the release notebooks into workspace/"

        page = open_notebook(browser, f"http://127.0.0.1:{port}/lab/workspaces/start/tree/{first}/{notebook}.ipynb?reset",
                             len(read(lecture).cells))
        try:
            page.wait_for_selector(".jp-MarkdownOutput mjx-container", timeout=120_000)
            shot(page, f"start-command-{first}-{notebook}", full_page=False)
            kernels = page.evaluate("() => fetch('/api/kernels').then(r => r.json())")
            assert kernels, "opening the lecture started no kernel"
        finally:
            page.close()
        process.send_signal(signal.SIGINT)   # Ctrl-C, as the server's banner says
        code = process.wait(timeout=120)
    finally:
        stop(process)   # only does something when the test failed before Ctrl-C
        log.close()
    output = (tmp_path / "start.log").read_text()
    assert code == 0, f"bin/start exited with {code} on Ctrl-C:\n{output[-2000:]}"
    assert "Interrupted" in output or "Shutting down" in output, output[-2000:]
    # Server and kernels are gone: no process runs from the clone any more.
    deadline = time.monotonic() + 30
    while processes_running_from(clone) and time.monotonic() < deadline:
        time.sleep(1)
    left = processes_running_from(clone)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes started by bin/start still ran after Ctrl-C: {left}"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=5)
    if head.stdout.strip():
        print(f"note: uncommitted changes are not in the clone:\n{head.stdout}")
