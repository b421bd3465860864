"""One JupyterLab server and one headless Chromium for all browser tests of a run."""

import shutil

import pytest

from tests.browser.lab import LabServer, launch, require_browser
from tests.course_repo import REPO, tool_env
from tests.student.solved import write_copies


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory):
    """The server's folder: student/ holds the notebooks as released, solved/ the solved copies,
    beside the course's nbgrader_config.py (read by Validate, as under bin/start)."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    write_copies(root / "student", solved=False)
    write_copies(root / "solved", solved=True)
    return root


@pytest.fixture(scope="session")
def lab(lab_root, tmp_path_factory):
    home = tmp_path_factory.mktemp("lab-home")
    server = LabServer(lab_root, home, tool_env(), home / "jupyter.log")
    yield server
    code = server.close()
    assert code is not None, "the JupyterLab server did not stop"


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    require_browser()   # fails (does not skip) without Chromium or Playwright
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path_factory.mktemp("chromium-profile"))
        context.set_default_timeout(120_000)
        yield context
        context.close()
