"""A hand-made class of two small assignments, written as the grader writes its results (JSON per
student, and raw results), whose every count in the class report is known in advance."""

import json

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tests.grading_course import meta

UNIT, UNIT_B = "00_unit", "00_unit_b"
EX1 = "Exercise 1 — ∂C/∂W^(3)"
EX2 = "Exercise 2 — two checks"
EX3 = "Exercise 3 — why"
KNOWN = "the gradient for W: this looks like a @ delta; the input enters transposed."
DIED = "the kernel died (the code ended Python, crashed, or ran out of memory)"


def unit_release():
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# A unit of the course"),
        new_code_cell("pass", metadata=meta("test_warmup", grade=True, locked=True, points=1)),
        new_markdown_cell("Some words.\n\n### Exercise 1 — $\\partial C/\\partial \\boldsymbol W^{(3)}$ (graded)"),
        new_code_cell("# YOUR CODE HERE", metadata=meta("grad_w", solution=True)),
        new_code_cell("pass", metadata=meta("test_grad_w", grade=True, locked=True, points=2)),
        new_markdown_cell("### Exercise 2 — two `checks` (graded)"),
        new_code_cell("# YOUR CODE HERE", metadata=meta("pair", solution=True)),
        new_code_cell("pass", metadata=meta("test_first", grade=True, locked=True, points=1)),
        new_markdown_cell("### An aside"),
        new_code_cell("pass", metadata=meta("test_second", grade=True, locked=True, points=2)),
        new_markdown_cell("### Exercise 3 — why (manually graded)"),
        new_markdown_cell("YOUR ANSWER HERE", metadata=meta("why", grade=True, solution=True, points=1)),
    ]
    return nb


def graded(grade_id, points, top, diagnosis=None, message=None):
    return {"grade_id": grade_id, "kind": "test", "points": points, "max": top, "passed": points >= top,
            "diagnosis": diagnosis, "message": message or ("passed" if points >= top else "failed")}


def written(points, diagnosis=None):
    return {"grade_id": "why", "kind": "written", "points": points, "max": 1.0, "passed": None,
            "diagnosis": diagnosis, "message": "no answer" if points == 0 else "graded by hand"}


def notebook(cells, status="graded", flags=(), scan=(), total=None, failed=None):
    return {"notebook": "unit", "status": status, "flags": list(flags), "scan": list(scan), "cells": cells,
            "timings": {} if total is None else {"kernel_start": 0.5, "run": total - 1, "total": total},
            **({"failed": failed} if failed else {})}


STUB = "error:NotImplementedError"
ZERO_BY_DEATH = f"scored 0 because the notebook did not run to the end (as with nbgrader autograde): {DIED}"
UNIT_CLASS = {
    "amy": notebook([graded("test_warmup", 1, 1), graded("test_grad_w", 2, 2), graded("test_first", 1, 1),
                     graded("test_second", 2, 2), written(None)], total=3.0),
    "ben": notebook([graded("test_warmup", 1, 1), graded("test_grad_w", 0, 2, "factor:2"), graded("test_first", 1, 1),
                     graded("test_second", 1, 2, "partial"), written(0.0)], total=5.0),
    "cal": notebook([graded("test_warmup", 1, 1), graded("test_grad_w", 0, 2, "factor:2"),
                     graded("test_first", 0, 1, "sign"), graded("test_second", 0, 2, "sign"), written(None)],
                    flags=["locked cell test_first was edited: restored"],
                    scan=["cell grad_w line 1: replaces np.allclose"], total=9.0),
    "dan": notebook([graded("test_warmup", 0, 1, "error:NameError"), graded("test_grad_w", 0, 2, STUB),
                     graded("test_first", 0, 1, STUB), graded("test_second", 0, 2, STUB), written(0.0)]),
    "eve": notebook([graded("test_warmup", 0, 1, "kernel-died", ZERO_BY_DEATH),
                     graded("test_grad_w", 0, 2, "kernel-died", DIED),
                     graded("test_first", 0, 1, "kernel-died", f"not run: {DIED}"),
                     graded("test_second", 0, 2, "kernel-died", f"not run: {DIED}"), written(None)], flags=[DIED]),
    # A test's own time-out: the notebook went on (this is no notebook that stopped).
    "fay": notebook([graded("test_warmup", 0, 1, "timeout", "the test ran over the time limit"),
                     graded("test_grad_w", 0, 2, "known", KNOWN), graded("test_first", 0, 1, "transpose"),
                     graded("test_second", 2, 2), written(None)],
                    flags=["a cell ran over the time limit of 5 s and was interrupted"]),
    "gus": notebook([graded(g, 0, m, "missing", "unit.ipynb was not submitted")
                     for g, m in (("test_warmup", 1), ("test_grad_w", 2), ("test_first", 1), ("test_second", 2))]
                    + [written(0.0, "missing")], status="missing", flags=["unit.ipynb is missing"]),
}
# The second assignment: amy and cal solve it, ben leaves it as released, the others hand in nothing.
UNIT_B_CLASS = {
    "amy": UNIT_CLASS["amy"], "cal": UNIT_CLASS["amy"],
    "ben": notebook([graded(g, 0, m, STUB) for g, m in (("test_warmup", 1), ("test_grad_w", 2), ("test_first", 1),
                                                      ("test_second", 2))] + [written(0.0)]),
}


def write_unit_course(root):
    for assignment, class_ in ((UNIT, UNIT_CLASS), (UNIT_B, UNIT_B_CLASS)):
        (root / "release" / assignment).mkdir(parents=True)
        nbformat.write(unit_release(), str(root / "release" / assignment / "unit.ipynb"))
        for student, nb in class_.items():
            results = root / "grades" / assignment / f"{student}.json"
            results.parent.mkdir(parents=True, exist_ok=True)
            results.write_text(json.dumps({"student": student, "assignment": assignment, "notebooks": [nb]}))
            raw = root / "raw" / assignment / f"{student}.json"
            raw.parent.mkdir(parents=True, exist_ok=True)
            raw.write_text(json.dumps({"submission": {"student": student, "assignment": assignment},
                                       "results": [{**nb, "student": student, "assignment": assignment}]}))
    return root
