"""The points of a notebook that has run: nbgrader's rule for each graded cell (a test's error
or stderr output scores zero, a number it shows is partial credit), the zero of every test a
notebook that did not run to the end takes with it (as ``nbgrader autograde``), and a message
for the student and a diagnosis for the instructor beside each."""

import nbformat
from nbgrader.utils import determine_grade

from course.grading import cells as marks
from course.grading.records import CellResult, kind, zero_result

NOT_TO_THE_END = "scored 0 because the notebook did not run to the end (as with nbgrader autograde)"


def test_message(cell, score, max_score):
    """What the student may read about a test cell: never its source or traceback."""
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            if out.ename == "CellTimeoutError":
                return "the test ran over the time limit"
            if out.ename == "CheckFailed":
                return out.evalue
            return f"{out.ename}: {out.evalue}" if out.evalue else out.ename
    for out in cell.get("outputs", []):
        if out.output_type == "stream" and out.name == "stderr":
            return "the test wrote to stderr (a warning or error message), which counts as a failure"
    if score is not None and score < max_score:
        return f"partial credit: {score:g} of {max_score:g}"
    return "passed"


def _stopped(reason):
    """The diagnosis of tests a notebook that did not run to the end took with it."""
    if "kernel died" in reason:
        return "kernel-died"
    if "time limit" in reason:
        return "timeout"
    return "stopped"


def _cell(index, cell, spec_cell, run):
    """(points, message, diagnosis) of one graded cell."""
    if marks.nbgrader(cell).get("task"):
        return None, "graded by hand", None
    test = marks.is_test(cell)
    if test and run.stopped and run.stopped_at is not None and index >= run.stopped_at:
        cell.outputs = [nbformat.v4.new_output("error", ename="GradingStopped",
                                               evalue=run.stopped, traceback=[run.stopped])]
        return 0.0, ("not run: " if index > run.stopped_at else "") + run.stopped, _stopped(run.stopped)
    if test and run.stopped:   # as nbgrader autograde: a notebook that does not run to the end scores zero
        return 0.0, f"{NOT_TO_THE_END}: {run.stopped}", _stopped(run.stopped)
    score, _ = determine_grade(cell)
    if not test:
        return score, ("no answer" if score == 0 else "graded by hand"), None
    short = score is not None and score < spec_cell["points"]
    return score, test_message(cell, score, spec_cell["points"]), \
        (run.diagnoses.get(index) or "partial") if short else None


def score(nb, job, run, redactor):
    """The graded cells of ``nb`` (run in place by ``execute``), in notebook order, then the
    assignment's graded cells the notebook no longer holds (deleted answers: zero)."""
    spec_cells = job.notebook_spec["cells"]
    out = []
    for index, cell in enumerate(nb.cells):
        meta = marks.nbgrader(cell)
        if not (meta.get("grade") or meta.get("task")):
            continue
        spec_cell = spec_cells[meta["grade_id"]]
        points, message, diagnosis = _cell(index, cell, spec_cell, run)
        out.append(CellResult(meta["grade_id"], kind(spec_cell), spec_cell["points"],
                              None if points is None else float(points),
                              None if points is None else points >= spec_cell["points"],
                              redactor.message(message), diagnosis))
    graded = {c.grade_id for c in out}
    out += [c for c in zero_result(job, "this cell was deleted", "deleted").cells if c.grade_id not in graded]
    return out
