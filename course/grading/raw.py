"""Raw results: what grading a class (or a shard of it, or one submission) keeps before anything
is written for nbgrader, one JSON file per submission; ``merge`` puts any number of them into the
gradebook, autograded/, the reports and feedback."""

import json
from pathlib import Path

from course.grading import report
from course.grading.failures import zero_after_failure
from course.grading.records import NotebookResult, Submission
from course.grading.redact import Redactor
from course.grading.spec import hidden_lines, read_spec


def group(submissions, jobs, results):
    """[(Submission, [NotebookResult])], with nbgrader's rule for a notebook that did not run to
    the end applied within each submission."""
    return [(s, zero_after_failure([r for j, r in zip(jobs, results)
                                    if (j.student, j.assignment) == (s.student, s.assignment)]))
            for s in submissions]


def save(raw_dir, graded):
    for submission, results in graded:
        path = Path(raw_dir) / submission.assignment / f"{submission.student}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"submission": submission.to_dict(), "results": [r.to_dict() for r in results]}))


def load(raw_dirs):
    graded = []
    for raw_dir in raw_dirs:
        for path in sorted(Path(raw_dir).glob("*/*.json")):
            data = json.loads(path.read_text())
            graded.append((Submission(**data["submission"]), [NotebookResult.from_dict(r) for r in data["results"]]))
    return graded


def merge(course, raw_dirs, results_dir):
    """Put raw results (from one or many shards) into the gradebook, autograded/, reports."""
    from course.grading.gradebook import record
    graded = load(raw_dirs)
    for submission, results in graded:
        record(course.db_url, course.root, submission, results)
    redactors = {a: Redactor(hidden_lines(read_spec(course.db_url, a))) for a in {s.assignment for s, _ in graded}}
    report.write_reports(results_dir, course.root, graded, redactors)
    return graded
