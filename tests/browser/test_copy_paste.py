"""A student copies an answer cell with JupyterLab's copy and paste and saves: the notebook on disk
now holds two cells with the same nbgrader metadata. The course's grader grades it as meant."""

import json
import shutil

import nbformat

from tests.browser.notebook_page import LONG, open_notebook, shot
from tests.course_repo import tool_env
from tests.grading_course import grade_cli, make_course
from tests.nbgrader_run import submit

L1, NAME = "01_credit_regression", "credit_regression"


def test_a_pasted_answer_cell_keeps_full_marks(lab, lab_root, browser, tmp_path):
    folder = lab_root / "copy-paste"
    folder.mkdir()
    shutil.copy(lab_root / "solved" / L1 / f"{NAME}.ipynb", folder / f"{NAME}.ipynb")
    saved = folder / f"{NAME}.ipynb"
    cells = len(nbformat.read(str(saved), as_version=4).cells)
    page = open_notebook(browser, lab.notebook_url(f"copy-paste/{NAME}.ipynb", "copy-paste"), cells)
    try:
        answer = page.locator(".jp-CodeCell", has_text="def forward(").first
        answer.locator(".jp-InputPrompt").click()           # select the cell (command mode)
        page.keyboard.press("Escape")
        page.keyboard.press("c")                            # copy ...
        page.keyboard.press("v")                            # ... and paste below
        page.wait_for_function(f"document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length == {cells + 1}",
                               timeout=LONG)
        page.keyboard.press("Control+s")
        page.wait_for_selector(".jp-NotebookPanel:not(.jp-mod-dirty)", timeout=LONG)
        shot(page, "copy-paste-saved", full_page=False)
    finally:
        page.close()
        lab.shutdown_kernels()
    data = json.loads(saved.read_text())
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in data["cells"]]
    assert ids.count("forward") == 2, "JupyterLab's paste should carry the nbgrader metadata"

    course = make_course(tmp_path / "course", [L1])
    submit(course, L1, "pasted", {NAME: nbformat.read(str(saved), as_version=4)})
    out = tmp_path / "result.json"
    grade_cli(course, "one", str(course / "submitted" / "pasted" / L1), "--assignment", L1,
              "--json", str(out), "--cell-timeout", "300", env=tool_env())
    result = json.loads(out.read_text())
    short = {c["grade_id"]: c["message"] for nb in result["notebooks"] for c in nb["cells"]
             if c["kind"] == "test" and c["points"] < c["max"]}
    assert not short, short
    assert any("the last copy keeps it" in f for f in result["flags"]), result["flags"]
