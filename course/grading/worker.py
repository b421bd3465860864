"""Grade one notebook of one student: the unit of work a worker process does.

The job carries the notebook's spec (from the gradebook), the submitted file's path, the
folder of files the course ships to students and the limits; never the gradebook itself.
The submitted files are only read: the notebook runs on a copy in a sandbox.
"""

import hashlib
import time
from pathlib import Path

import nbformat

from course.grading import cells as marks
from course.grading import sanitize
from course.grading.execute import execute
from course.grading.limits import Limits
from course.grading.records import NotebookResult, zero_result
from course.grading.redact import Redactor
from course.grading.sandbox import Sandbox
from course.grading.scan import scan_notebook
from course.grading.scoring import score
from course.grading.spec import hidden_lines


def grade_notebook(job):
    """The ``NotebookResult`` of one ``Job``."""
    started = time.monotonic()
    if job.path is None:
        return zero_result(job, f"{job.notebook}.ipynb was not submitted", "missing")
    raw = Path(job.path).read_bytes()
    try:
        nb, flags = sanitize.parse(raw)
        flags += sanitize.restore(nb, job.notebook_spec)
    except Exception as error:
        reason = str(error) if isinstance(error, sanitize.Unreadable) else \
            f"the notebook cannot be graded ({type(error).__name__}: {str(error)[:160]})"
        result = zero_result(job, reason, "unreadable", flags=[reason], failed=True)
        result.sha256 = hashlib.sha256(raw).hexdigest()
        return result
    result = NotebookResult(job.student, job.assignment, job.notebook, flags=[*job.flags, *flags],
                            sha256=hashlib.sha256(raw).hexdigest(),
                            scan=scan_notebook(nb, lambda c: not marks.nbgrader(c).get("locked")))
    limits = Limits(**job.limits)
    sandbox = Sandbox(limits, isolate=not job.unsafe_no_sandbox)
    try:
        sandbox.fill(job.files, job.shipped)
        run = execute(nb, sandbox, limits, marks.is_test, job.notebook_spec["layout"])
    finally:
        sandbox.close()
    result.flags += run.flags
    result.timings = dict(run.timings)
    if run.stopped:
        result.flags.append(run.stopped)
        result.failed = run.stopped
    result.cells = score(nb, job, run, Redactor(hidden_lines(job.spec)))
    result.autograded = nbformat.writes(nb)
    result.timings["total"] = round(time.monotonic() - started, 3)
    return result
