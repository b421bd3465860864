"""A JupyterLab server on localhost and a headless Chromium driven by Playwright, for the tests.

Chromium is Debian's (/usr/bin/chromium, installed by tests/browser/install_browser.sh); Playwright
never downloads a browser here. A missing browser or Playwright is an error, not a skip.
"""

import http.cookiejar
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.course_repo import REPO

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-default-apps", "--disable-dev-shm-usage"]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
# No news feed, no update check: the server must not reach out to the network.
QUIET_LAB_ARGS = ["--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
# Containers and CI machines often run as root, which Jupyter refuses unless told.
ROOT_ARGS = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
# Every cell in the DOM (no virtual scrolling), so that every output and formula can be checked.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension:notification": {"checkForUpdates": False, "fetchNews": "false"},
}


def require_browser():
    """The Playwright module and Debian's Chromium, or an error saying how to install them."""
    hint = "run tests/browser/install_browser.sh (Chromium from Debian, Playwright from PyPI)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise RuntimeError(f"Playwright is not installed: {hint}") from None
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        raise RuntimeError(f"Chromium is missing at {CHROMIUM}: {hint}")


def launch(playwright, user_data_dir):
    """A fresh headless Chromium context (its own empty profile)."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1400, "height": 1000}, device_scale_factor=1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_settings_dir(folder):
    """A JupyterLab user-settings folder holding LAB_SETTINGS (a fresh one, never the user's)."""
    folder = Path(folder)
    for plugin, values in LAB_SETTINGS.items():
        package, name = plugin.split(":")
        path = folder / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return folder


def wait_for_http(url, process=None, timeout=600):
    """Poll ``url`` until it answers 200; fail early when ``process`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def like_a_terminal():
    """preexec_fn for servers the tests start: Ctrl-C (SIGINT) acts as in a terminal, even when
    the test run itself was started in the background, where SIGINT is ignored and children
    inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop(process, timeout=60):
    """Stop a server the way a person does (Ctrl-C), then wait for it; return its exit code.
    Only ``process`` itself is signalled; it shuts its kernels down on the way out."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                return process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise RuntimeError("the server did not stop on Ctrl-C nor on SIGTERM")
    return process.returncode


class LabServer:
    """``jupyter lab`` serving ``root`` on a free localhost port, without token, started from ``root``
    (so that nbgrader's Validate reads the nbgrader_config.py there)."""

    def __init__(self, root, home, env, log):
        self.root, self.port = Path(root), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(env, JUPYTERLAB_SETTINGS_DIR=str(lab_settings_dir(Path(home) / "settings")),
                   JUPYTERLAB_WORKSPACES_DIR=str(Path(home) / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(Path(home) / "runtime"))
        self.log = open(log, "w")
        self.process = subprocess.Popen(
            [shutil.which("jupyter", path=env["PATH"]), "lab", "--no-browser", f"--port={self.port}",
             "--ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
             "--ServerApp.disable_check_xsrf=False", f"--ServerApp.root_dir={self.root}", *QUIET_LAB_ARGS, *ROOT_ARGS],
            cwd=self.root, env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            preexec_fn=like_a_terminal)
        wait_for_http(f"{self.url}/api/status", self.process, timeout=300)

    def notebook_url(self, path, workspace):
        """The notebook at ``path`` (relative to root) opened in its own, fresh workspace."""
        return f"{self.url}/lab/workspaces/{workspace}/tree/{Path(path).as_posix()}?reset"

    def shutdown_kernels(self):
        """Shut down every kernel (a closed tab leaves its kernel running, as in JupyterLab).
        Like the browser, send the server's _xsrf cookie back as a header."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(f"{self.url}/lab", timeout=60).close()
        xsrf = {c.name: c.value for c in jar}.get("_xsrf", "")
        with opener.open(f"{self.url}/api/kernels", timeout=60) as response:
            kernels = json.load(response)
        for kernel in kernels:
            request = urllib.request.Request(f"{self.url}/api/kernels/{kernel['id']}", method="DELETE",
                                             headers={"X-XSRFToken": xsrf})
            opener.open(request, timeout=60).close()
        return len(kernels)

    def close(self):
        code = stop(self.process)
        self.log.close()
        return code
