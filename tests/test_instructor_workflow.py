"""The README's plain-nbgrader workflow on this repository's config: generate_assignment,
autograde, generate_feedback and export, for one submission of Lecture 1."""

import csv

from tests.course_repo import notebooks, read
from tests.nbgrader_run import make_course, nbgrader, submit

ASSIGNMENT = "01_credit_regression"


def test_generate_autograde_feedback_export(tmp_path):
    root = make_course(tmp_path / "course", [ASSIGNMENT])        # runs generate_assignment
    assert (root / "release" / ASSIGNMENT / "credit_regression.ipynb").exists()
    submit(root, ASSIGNMENT, "alice", {n: read(p) for n, p in notebooks(ASSIGNMENT).items()})

    nbgrader(["autograde", ASSIGNMENT], cwd=root)
    assert (root / "autograded" / "alice" / ASSIGNMENT / "credit_regression.ipynb").exists()

    nbgrader(["generate_feedback", ASSIGNMENT], cwd=root)
    html = (root / "feedback" / "alice" / ASSIGNMENT / "credit_regression.html").read_text()
    assert "credit_regression" in html and "Visible tests passed." in html

    nbgrader(["export", "--to", str(tmp_path / "grades.csv")], cwd=root)
    rows = list(csv.DictReader(open(tmp_path / "grades.csv")))
    alice = [r for r in rows if r["student_id"] == "alice" and r["assignment"] == ASSIGNMENT]
    assert len(alice) == 1
    # every autograded point; the two written answers wait for the instructor
    assert float(alice[0]["raw_score"]) == float(alice[0]["max_score"]) - 2
