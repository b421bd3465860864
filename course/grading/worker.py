"""Grade one notebook of one student: the unit of work a worker process does.

The job carries the notebook's spec (from the gradebook), the submitted file's path, the
folder of files the course ships to students and the limits; never the gradebook itself.
The submitted files are only read: the notebook runs on a copy in a sandbox.
"""

import hashlib
import time
from pathlib import Path

import nbformat
from nbgrader.utils import determine_grade

from course.grading import sanitize
from course.grading.execute import execute
from course.grading.limits import Limits
from course.grading.redact import Redactor
from course.grading.sandbox import Sandbox
from course.grading.scan import scan_notebook
from course.grading.spec import hidden_lines

NOT_TO_THE_END = "scored 0 because the notebook did not run to the end (as with nbgrader autograde)"


def _kind(spec_cell):
    if spec_cell["task"]:
        return "task"
    if spec_cell["grade"] and spec_cell["solution"]:
        return "written" if spec_cell["cell_type"] == "markdown" else "manual"
    if spec_cell["grade"]:
        return "test"
    return "answer"


def _test_message(cell, score, max_score):
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


def _zero_result(job, nb_spec, reason, status):
    cells = []
    for grade_id in nb_spec["order"]:
        sc = nb_spec["cells"][grade_id]
        if sc["grade"] or sc["task"]:
            cells.append({"grade_id": grade_id, "kind": _kind(sc), "points": 0.0,
                          "max": sc["points"], "passed": False, "message": reason, "diagnosis": status})
    return cells


def grade_notebook(job):
    """job: {student, assignment, notebook, path (or None), files {rel: path}, shipped, spec,
    limits (dict)}; returns a JSON-able result for this notebook."""
    started = time.monotonic()
    limits = Limits(**job["limits"])
    nb_spec = job["spec"]["notebooks"][job["notebook"]]
    redactor = Redactor(hidden_lines(job["spec"]))
    result = {"student": job["student"], "assignment": job["assignment"],
              "notebook": job["notebook"], "status": "graded", "flags": list(job.get("flags", [])),
              "scan": [], "cells": [], "timings": {}, "autograded": None}
    if job["path"] is None:
        result["status"] = "missing"
        result["cells"] = _zero_result(job, nb_spec, f"{job['notebook']}.ipynb was not submitted", "missing")
        return result
    raw = Path(job["path"]).read_bytes()
    result["sha256"] = hashlib.sha256(raw).hexdigest()
    try:
        nb, flags = sanitize.parse(raw)
        result["flags"] += flags
        result["flags"] += sanitize.restore(nb, nb_spec)
    except Exception as error:
        reason = str(error) if isinstance(error, sanitize.Unreadable) else \
            f"the notebook cannot be graded ({type(error).__name__}: {str(error)[:160]})"
        result["status"] = "unreadable"
        result["failed"] = reason
        result["flags"].append(reason)
        result["cells"] = _zero_result(job, nb_spec, reason, "unreadable")
        return result

    cells = nb_spec["cells"]

    def meta(cell):
        return cell.metadata.get("nbgrader", {})

    def is_test(cell):
        m = meta(cell)
        return bool(m.get("grade")) and not m.get("solution") and cell.cell_type == "code"

    result["scan"] = scan_notebook(nb, lambda c: not meta(c).get("locked"))
    sandbox = Sandbox(limits, isolate=not job.get("unsafe_no_sandbox"))
    try:
        sandbox.fill(job["files"], job.get("shipped"))
        run = execute(nb, sandbox, limits, is_test, nb_spec["layout"])
    finally:
        sandbox.close()
    result["flags"] += run.flags
    result["timings"] = dict(run.timings)
    if run.stopped:
        result["flags"].append(run.stopped)
        result["failed"] = run.stopped

    for index, cell in enumerate(nb.cells):
        m = meta(cell)
        if not (m.get("grade") or m.get("task")):
            continue
        sc = cells[m["grade_id"]]
        entry = {"grade_id": m["grade_id"], "kind": _kind(sc), "max": sc["points"]}
        not_run = run.stopped and run.stopped_at is not None and index >= run.stopped_at \
            and cell.cell_type == "code"
        diagnosis = None
        if m.get("task"):
            score, message = None, "graded by hand"
        elif not_run and is_test(cell):
            score = 0.0
            message = ("not run: " if index > run.stopped_at else "") + run.stopped
            diagnosis = _stopped(run.stopped)
            cell.outputs = [nbformat.v4.new_output("error", ename="GradingStopped",
                                                   evalue=run.stopped, traceback=[run.stopped])]
        elif run.stopped and is_test(cell):
            # As nbgrader autograde: a notebook that does not run to the end scores zero.
            score = 0.0
            message = f"{NOT_TO_THE_END}: {run.stopped}"
            diagnosis = _stopped(run.stopped)
        else:
            score, _ = determine_grade(cell)
            if is_test(cell):
                message = _test_message(cell, score, sc["points"])
                if score is not None and score < sc["points"]:
                    diagnosis = run.diagnoses.get(index) or "partial"
            else:
                message = "no answer" if score == 0 else "graded by hand"
        entry["points"] = None if score is None else float(score)
        entry["passed"] = None if score is None else score >= sc["points"]
        entry["message"] = redactor.message(message)
        entry["diagnosis"] = diagnosis
        result["cells"].append(entry)
    graded_ids = {c["grade_id"] for c in result["cells"]}
    for c in _zero_result(job, nb_spec, "this cell was deleted", "deleted"):
        if c["grade_id"] not in graded_ids:
            result["cells"].append(c)
    result["autograded"] = nbformat.writes(nb)
    result["timings"]["total"] = round(time.monotonic() - started, 3)
    return result
