"""A class's results as plain data: the exercises of an assignment (from its released notebooks)
and each student's graded cells, read from the grader's JSON results, its raw results, or a
gradebook that plain ``nbgrader autograde`` filled (points per cell, nothing else)."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.grading import cells as marks

BY_HAND = ("written", "manual", "task")


@dataclass
class Exercise:
    notebook: str
    title: str                                   # "Exercise 1 — the four gradients", or a grade_id
    tests: list = field(default_factory=list)    # autograded test cells (grade_ids)
    by_hand: list = field(default_factory=list)  # answers graded by hand (grade_ids)
    max: float = 0.0                             # autograded points


# -- what an assignment is: its exercises, in notebook order -------------------------------------

_HEADING = re.compile(r"^\s*#{1,6}\s+(Exercise\s+\d+\w*\s*[—–-].*?)\s*$")
_TEX = [(r"\\partial\s*", "∂"), (r"\\(boldsymbol|mathbf|mathrm|text)\b\s*", ""), (r"\\cdot", "·"),
        (r"\\top\b", "ᵀ"), (r"[${}`]", ""), (r"\\,", " ")]


def plain_title(text):
    """A heading as plain text: no '(graded)' suffix, no TeX markup, no code backticks."""
    text = re.sub(r"\s*\((manually )?graded\)\s*$", "", text.strip())
    for pattern, new in _TEX:
        text = re.sub(pattern, new, text)
    return re.sub(r"\s+", " ", text).strip()


def _kind(meta, cell_type):
    if meta.get("task"):
        return "task"
    if meta.get("solution"):
        return "written" if cell_type == "markdown" else "manual"
    return "test"


def exercises_from_release(release_dir):
    """[Exercise] from the released notebooks (sorted by name): each graded cell belongs to the
    latest 'Exercise N — title' heading above it (or stands alone, named by its grade_id)."""
    out = []
    for path in sorted(Path(release_dir).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        current = None
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    match = _HEADING.match(line)
                    if match:
                        current = Exercise(path.stem, plain_title(match.group(1)))
                        out.append(current)
            meta = marks.nbgrader(cell)
            if not (meta.get("grade") or meta.get("task")):
                continue
            exercise = current or Exercise(path.stem, meta["grade_id"])
            if exercise is not current:
                out.append(exercise)
            if _kind(meta, cell.cell_type) == "test":
                exercise.tests.append(meta["grade_id"])
                exercise.max += float(meta.get("points") or 0)
            else:
                exercise.by_hand.append(meta["grade_id"])
    return [e for e in out if e.tests or e.by_hand]


def exercises_from_results(submissions):
    """[Exercise], one per graded cell, in the order the results list them (no release at hand)."""
    seen = {}
    for submission in submissions:
        for nb in sorted(submission["notebooks"], key=lambda n: n["notebook"]):
            for cell in nb["cells"]:
                key = (nb["notebook"], cell["grade_id"])
                if key in seen or cell["kind"] == "answer":
                    continue
                exercise = seen[key] = Exercise(nb["notebook"], cell["grade_id"])
                if cell["kind"] == "test":
                    exercise.tests.append(cell["grade_id"])
                    exercise.max = float(cell["max"] or 0)
                else:
                    exercise.by_hand.append(cell["grade_id"])
    return sorted(seen.values(), key=lambda e: e.notebook)


# -- reading results -----------------------------------------------------------------------------

def _cells(cells):
    # blank: an answer graded by hand that nbgrader found as released (it scores 0, without a
    # diagnosis; a missing or unreadable notebook's answers carry one).
    return [{**{k: c.get(k) for k in ("grade_id", "kind", "points", "max", "diagnosis", "message")},
             "blank": c.get("kind") in BY_HAND and c.get("points") == 0 and not c.get("diagnosis")}
            for c in cells if c.get("kind") != "answer"]


def _notebook(nb):
    return {"notebook": nb["notebook"], "status": nb.get("status", "graded"), "failed": nb.get("failed"),
            "flags": list(nb.get("flags", [])), "scan": list(nb.get("scan", [])),
            "timings": dict(nb.get("timings") or {}), "cells": _cells(nb["cells"])}


def read_results(results_dir, assignment):
    """Submissions from ``grades/<assignment>/<student>.json`` (written by ``class`` and ``merge``)."""
    out = []
    for path in sorted((Path(results_dir) / assignment).glob("*.json")):
        data = json.loads(path.read_text())
        out.append({"student": data["student"], "notebooks": [_notebook(nb) for nb in data["notebooks"]]})
    return out


def read_raw(raw_dirs, assignment):
    """Submissions from raw results (``class --shard``/``--no-gradebook``, ``one --raw``); a
    student found in several folders counts once (the last folder wins)."""
    found = {}
    for raw_dir in raw_dirs:
        for path in sorted((Path(raw_dir) / assignment).glob("*.json")):
            data = json.loads(path.read_text())
            student = data["submission"]["student"]
            found[student] = {"student": student, "notebooks": [_notebook(r) for r in data["results"]]}
    return [found[s] for s in sorted(found)]


def read_gradebook(db_url, assignment):
    """Submissions from nbgrader's gradebook: points per graded cell, nothing else."""
    from nbgrader.api import Gradebook
    out = []
    with Gradebook(db_url) as gb:
        for submission in gb.assignment_submissions(assignment):
            notebooks = []
            for nb in submission.notebooks:
                answers = {c.name for c in nb.notebook.solution_cells}
                cells = []
                for grade in nb.grades:
                    if type(grade.cell).__name__ == "TaskCell":
                        kind, points = "task", grade.score
                    elif grade.name in answers:
                        kind = "written" if grade.cell_type == "markdown" else "manual"
                        points = grade.manual_score if grade.manual_score is not None else grade.auto_score
                    else:
                        kind, points = "test", grade.score
                    cells.append({"grade_id": grade.name, "kind": kind, "max": float(grade.max_score),
                                  "points": None if points is None else float(points),
                                  "blank": kind != "test" and grade.auto_score == 0,
                                  "diagnosis": None, "message": None})
                notebooks.append({"notebook": nb.name, "status": None, "failed": None, "flags": [],
                                  "scan": [], "timings": {}, "cells": cells})
            out.append({"student": submission.student.id, "notebooks": notebooks})
    return sorted(out, key=lambda s: s["student"])


def gradebook_assignments(db_url):
    """Assignments with at least one submission in the gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        return sorted(a.name for a in gb.assignments if gb.assignment_submissions(a.name))
