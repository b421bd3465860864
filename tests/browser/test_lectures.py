"""Every lecture in JupyterLab, in a real (headless) browser, the way a student meets it.

Student view: the notebook as released renders, its math is typeset, and nbgrader's Validate button
reports failures. Solved view: Run All Cells gives no error, the plots appear, every widget renders
and moving one of its controls changes what it shows, and Validate reports success.
Screenshots go to artifacts/screenshots/.
"""

import ast

import pytest

from tests.browser.notebook_page import (LONG, WIDGET_ROOTS, cell_report, expected_formulas, images,
                                         move_a_control, open_notebook, raw_tex, run_all, shot,
                                         wait_for_math, widget_display)
from tests.course_repo import read
from tests.student.solved import release_path, released_notebooks, solved_copy

NOTEBOOKS = released_notebooks()
IDS = [f"{a}/{n}" for a, n in NOTEBOOKS]


def validate(page):
    """Press Validate; return (outcome class, message) of the dialog it opens, then close it."""
    page.locator(".validate-button").locator("jp-button, button").first.click()
    message = page.wait_for_selector("#validation-message", timeout=LONG)
    outcome = [c for c in message.get_attribute("class").split() if c.startswith("validation-")]
    text = message.inner_text()
    return (outcome[0] if outcome else ""), text


def close_dialog(page):
    page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").first.click()
    page.wait_for_selector(".jp-Dialog", state="detached")


def widget_cells(nb):
    """Indices of code cells that call a function imported from a course.widgets* module."""
    names = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course.widgets"):
                    names.update(alias.asname or alias.name for alias in node.names)
    calls = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "import" not in cell.source:
            tree = ast.parse(cell.source)
            if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in names
                   for n in ast.walk(tree)):
                calls.append(i)
    return calls


@pytest.mark.parametrize("assignment,name", NOTEBOOKS, ids=IDS)
def test_student_notebook_renders_and_fails_validation(lab, browser, assignment, name):
    nb = read(release_path(assignment, name))
    page = open_notebook(browser, lab.notebook_url(f"student/{assignment}/{name}.ipynb",
                                                   f"student-{assignment}-{name}"), len(nb.cells))
    try:
        expected = expected_formulas(nb)
        report = wait_for_math(page, expected)
        shot(page, f"{assignment}-{name}-1-student", full_page=False)
        maths = page.locator(".jp-MarkdownCell:has(mjx-container)")
        if maths.count():
            maths.nth(min(2, maths.count() - 1)).screenshot(path=str(shot.__globals__["SCREENSHOTS"] /
                                                                  f"{assignment}-{name}-2-student-math.png"))
        markdown = sum(c.cell_type == "markdown" for c in nb.cells)
        assert report["rendered"] == markdown, f"{report['rendered']} of {markdown} markdown cells rendered"
        assert report["errors"] == 0, f"MathJax reports {report['errors']} formula errors"
        assert report["formulas"] >= expected, f"{report['formulas']} of {expected} formulas typeset"
        assert not raw_tex(report), f"raw LaTeX shows: {raw_tex(report)[:5]}"

        outcome, text = validate(page)
        shot(page, f"{assignment}-{name}-5-validate-unsolved", full_page=False)
        assert outcome == "validation-failed", f"Validate on the unsolved notebook said {outcome}: {text[:500]}"
        assert "NotImplementedError" in text
        close_dialog(page)
    finally:
        page.close()
        lab.shutdown_kernels()


@pytest.mark.parametrize("assignment,name", NOTEBOOKS, ids=IDS)
def test_solved_notebook_runs_draws_reacts_and_validates(lab, browser, assignment, name):
    nb = solved_copy(assignment, name)
    page = open_notebook(browser, lab.notebook_url(f"solved/{assignment}/{name}.ipynb",
                                                   f"solved-{assignment}-{name}"), len(nb.cells))
    try:
        run_all(page)
        shot(page, f"{assignment}-{name}-3-solved-top", full_page=False)
        cells = cell_report(page)
        code = sum(c.cell_type == "code" for c in nb.cells)
        assert len(cells) == code
        not_run = [c["index"] for c in cells if not any(ch.isdigit() for ch in c["prompt"])]
        assert not not_run, f"cells {not_run} did not run (an earlier cell failed?)"
        errors = [(c["index"], e) for c in cells for e in c["errors"]]
        assert not errors, f"error or stderr output: {errors[:3]}"
        widget_errors = [(c["index"], e) for c in cells for e in c["widgetErrors"]]
        assert not widget_errors, f"widgets fail to display: {widget_errors[:3]}"
        drawn = images(page)
        assert drawn, "no plot appears"
        assert all(w > 0 and h > 0 for w, h in drawn), f"some plots are empty images: {drawn}"

        roots = page.locator(WIDGET_ROOTS)
        assert roots.count() >= len(widget_cells(nb)), \
            f"{roots.count()} widgets rendered, {len(widget_cells(nb))} cells make one"
        for k in range(roots.count()):
            root = roots.nth(k)
            root.scroll_into_view_if_needed()
            assert widget_display(root)[1] > 0, f"widget {k} shows nothing"
            cell = root.locator("xpath=ancestor::div[contains(@class,'jp-CodeCell')]")
            cell.screenshot(path=str(shot.__globals__["SCREENSHOTS"] / f"{assignment}-{name}-4-widget{k}-before.png"))
            moved = move_a_control(page, root)
            assert moved, f"widget {k}: moving its controls does not change what it shows"
            cell.screenshot(path=str(shot.__globals__["SCREENSHOTS"] / f"{assignment}-{name}-4-widget{k}-after.png"))
            shot(page, f"{assignment}-{name}-4-solved-widget{k}", full_page=False)

        outcome, text = validate(page)
        shot(page, f"{assignment}-{name}-6-validate-solved", full_page=False)
        assert outcome == "validation-success", f"Validate on the solved notebook said {outcome}: {text[:800]}"
        close_dialog(page)
    finally:
        page.close()
        lab.shutdown_kernels()
