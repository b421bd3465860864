"""The class report's data: what a class did, per assignment and exercise, read from the grader's
results (``grades/<assignment>/*.json``, or raw results) or from a gradebook that plain
``nbgrader autograde`` filled (then scores only), summarised into plain data and a CSV.

Only course-written text reaches the summary: exercise titles from the released notebook,
diagnosis codes put into words, the grader's notes as feedback words them, the kinds of static-scan
findings; never a cell's source, an output or anything from the student's kernel.
"""

import csv
import json
import random
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.grading.redact import feedback_note
from course.grading.worker import NOT_TO_THE_END

BY_HAND = ("written", "manual", "task")
# Diagnoses that say why a whole notebook scored nothing, not what an answer got wrong.
STOPS = {"kernel-died": "the kernel died", "timeout": "ran out of time", "stopped": "stopped early",
         "unreadable": "invalid file", "missing": "not submitted", "grader-error": "grader error",
         "earlier-notebook-failed": "an earlier notebook failed"}
WORDS = {
    "shape": "wrong shape", "transpose": "transposed", "sign": "wrong sign", "value": "wrong values",
    "zeros": "all zeros", "none": "returns None", "type": "not a number", "nan": "NaN or infinity",
    "target": "misses the stated target", "check": "fails a check", "tampered": "replaced a library function",
    "timeout": "ran over the time limit", "stderr": "wrote to stderr", "partial": "partial credit",
    "error:NotImplementedError": "not attempted (the stub still raises NotImplementedError)",
    "kernel-died": "the kernel died", "stopped": "the notebook stopped early",
    "unreadable": "invalid notebook file", "deleted": "cell deleted",
    "earlier-notebook-failed": "an earlier notebook failed", "grader-error": "grader error",
    "test-process-stopped": "the test process stopped",
}
UNATTEMPTED = "error:NotImplementedError"


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
            meta = cell.metadata.get("nbgrader", {})
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


# -- words ---------------------------------------------------------------------------------------

def factor_words(value):
    number = float(value)
    return f"{number:g}" if number == int(number) or abs(number) >= 0.1 else f"1/{1 / number:.3g}"


def diagnosis_words(code, message=None, status=None):
    """A diagnosis code in plain words ("off by a factor 2", "transposed", ...)."""
    if code == "missing":
        return "notebook not submitted" if status == "missing" else "a gradient is missing"
    if code.startswith("factor:"):
        return f"off by a factor {factor_words(code.split(':', 1)[1])}"
    if code == "known":
        return f"a known mistake: {message}" if message else "a known mistake"
    if code in WORDS:
        return WORDS[code]
    if code.startswith("error:"):
        return f"raises {code.split(':', 1)[1]}"
    return code


def note_words(flag):
    """A grader's note as feedback words it; other notes cut to their first clause (the rest
    may quote a file name or an exception)."""
    return feedback_note(flag) or re.split(r" \(|: ", flag, maxsplit=1)[0]


def scan_words(finding):
    """'cell X line N: replaces np.allclose' -> 'replaces np.allclose' (what, not where or with what)."""
    what = finding.split(": ", 1)[-1]
    return what.split(" (", 1)[0]


def stop_of(nb):
    """(code, the grader's note) when the notebook did not run to the end, else None."""
    if nb["status"] in ("missing", "unreadable", "grader-error"):
        note = nb["failed"] or next((f for f in nb["flags"]), None)
        return nb["status"], note
    for cell in nb["cells"]:
        code, message = cell.get("diagnosis"), cell.get("message") or ""
        if code not in STOPS:
            continue
        note = nb["failed"] or next((f for f in nb["flags"] if f and f in message), None)
        # A test's own time-out leaves the notebook running; a stopped notebook says so.
        if code != "timeout" or note or message.startswith(("not run: ", NOT_TO_THE_END)):
            return code, note
    return None


# -- summaries -----------------------------------------------------------------------------------

def _percent(points, top):
    return None if not top else 100.0 * points / top


def natural(name):
    """Sort key putting "Student 2" before "Student 10"."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def summarise(assignment, exercises, submissions, source):
    """Plain data for one assignment's part of the report, and its CSV rows."""
    scores_only = source == "gradebook"
    rows, scores, stats = [], {}, []
    by_student = {}
    for submission in submissions:
        cells = {(nb["notebook"], c["grade_id"]): (c, nb) for nb in submission["notebooks"] for c in nb["cells"]}
        by_student[submission["student"]] = cells
    for exercise in exercises:
        counts = {"full": 0, "partial": 0, "zero": 0, "answered": 0, "no answer": 0}
        diagnoses, unattempted = {}, 0
        for submission in submissions:
            student, cells = submission["student"], by_student[submission["student"]]
            found = [cells.get((exercise.notebook, g), (None, None)) for g in exercise.tests]
            points = sum((c or {}).get("points") or 0 for c, _ in found)
            top = sum(c["max"] if c else 0 for c, _ in found) or exercise.max
            codes, labels = [], []
            for cell, nb in found:
                if cell and cell.get("diagnosis") and (cell.get("points") or 0) < (cell.get("max") or 0):
                    if cell["diagnosis"] not in codes:
                        codes.append(cell["diagnosis"])
                    label = diagnosis_words(cell["diagnosis"], cell.get("message"), nb["status"])
                    if label not in labels:
                        labels.append(label)
            for label in labels:
                diagnoses[label] = diagnoses.get(label, 0) + 1
            hand = [cells.get((exercise.notebook, g), (None, None))[0] for g in exercise.by_hand]
            hand_points = [c["points"] for c in hand if c and c.get("points") is not None]
            blank = bool(hand) and all(c and c.get("blank") for c in hand)
            answered = any(c and not c.get("blank") and not (c.get("points") == 0 and c.get("diagnosis"))
                           for c in hand)
            if exercise.tests:
                result = "full" if points >= top > 0 else "zero" if points == 0 else "partial"
                counts[result] += 1
                unattempted += UNATTEMPTED in codes
            if exercise.by_hand:
                counts["answered" if answered else "no answer"] += 1
                unattempted += blank and not exercise.tests
                if not exercise.tests:
                    result = "graded by hand" if answered else "no answer"
            hand_max = sum(c["max"] or 0 for c in hand if c)
            rows.append({"assignment": assignment, "notebook": exercise.notebook, "exercise": exercise.title,
                         "grade_ids": " ".join(exercise.tests + exercise.by_hand), "student": student,
                         "points": f"{points + sum(hand_points):g}" if exercise.tests or hand_points else "",
                         "max": f"{top + hand_max:g}", "result": result, "diagnosis": ";".join(codes)})
        stats.append({"exercise": exercise, "counts": counts, "unattempted": unattempted,
                      "diagnoses": sorted(diagnoses.items(), key=lambda kv: (-kv[1], kv[0]))})
    top = sum(e.max for e in exercises)
    for submission in submissions:
        cells = by_student[submission["student"]]
        points = sum((cells.get((e.notebook, g), ({}, None))[0] or {}).get("points") or 0
                     for e in exercises for g in e.tests)
        scores[submission["student"]] = {"points": points, "percent": _percent(points, top)}
    stops, notes, timings = [], [], {}
    for submission in submissions:
        for nb in sorted(submission["notebooks"], key=lambda n: n["notebook"]):
            stop = stop_of(nb)
            if stop:
                stops.append({"student": submission["student"], "notebook": nb["notebook"], "code": stop[0],
                              "why": STOPS[stop[0]], "note": note_words(stop[1]) if stop[1] else ""})
            worded = list(dict.fromkeys(note_words(f) for f in nb["flags"]))
            scanned = list(dict.fromkeys(scan_words(s) for s in nb["scan"]))
            if worded or scanned:
                notes.append({"student": submission["student"], "notebook": nb["notebook"],
                              "notes": worded, "scan": scanned})
            if nb["timings"].get("total") is not None:
                timings.setdefault(nb["notebook"], []).append((nb["timings"], submission["student"]))
    note_counts = {}
    for entry in notes:
        for text in entry["notes"] + [f"scan: {s}" for s in entry["scan"]]:
            note_counts.setdefault(text, set()).add(entry["student"])
    return {
        "assignment": assignment, "source": source, "scores_only": scores_only, "max": top,
        "students": len(submissions), "scores": scores, "exercises": stats,
        "unattempted": sorted(((s["exercise"], s["unattempted"]) for s in stats if s["unattempted"]),
                              key=lambda x: -x[1]),
        "stops": sorted(stops, key=lambda s: (natural(s["student"]), s["notebook"])),
        "notes": sorted(notes, key=lambda n: (natural(n["student"]), n["notebook"])),
        "note_counts": sorted(((t, len(s)) for t, s in note_counts.items()), key=lambda x: (-x[1], x[0])),
        "timings": [_timing(name, entries) for name, entries in sorted(timings.items())],
        "rows": rows,
    }


def _timing(notebook, entries):
    totals = [t["total"] for t, _ in entries]
    starts = [t["kernel_start"] for t, _ in entries if t.get("kernel_start") is not None]
    slowest = max(entries, key=lambda e: e[0]["total"])
    return {"notebook": notebook, "count": len(entries), "median": statistics.median(totals),
            "max": slowest[0]["total"], "slowest": slowest[1],
            "kernel_start": statistics.median(starts) if starts else None, "totals": totals}


def across(summaries, threshold=50.0, count=2):
    """Each student's percentage per assignment (None: not submitted), and the students below
    ``threshold`` % (or without a submission) on at least ``count`` assignments (all of them when
    there are fewer)."""
    names = [s["assignment"] for s in summaries]
    students = sorted({st for s in summaries for st in s["scores"]}, key=natural)
    trajectory = {st: [(s["scores"].get(st) or {}).get("percent") if st in s["scores"] else None
                       for s in summaries] for st in students}
    need = min(count, len(names))
    help_ = []
    for student, percents in trajectory.items():
        below = [a for a, p in zip(names, percents) if p is None or p < threshold]
        if need and len(below) >= need:
            help_.append({"student": student, "below": below, "percents": percents})
    return {"assignments": names, "trajectory": trajectory, "help": help_, "threshold": threshold,
            "count": need}


# -- pseudonyms and files ------------------------------------------------------------------------

def pseudonyms(students, key_file):
    """{student id: "Student N"}, kept in ``key_file`` so that a student keeps their number from
    one report to the next; new students get the next numbers in a random order (not the order of
    their ids, which anyone with the class list could undo)."""
    key_file = Path(key_file)
    known = json.loads(key_file.read_text()) if key_file.exists() else {}
    new = [s for s in sorted(set(students)) if s not in known]
    random.SystemRandom().shuffle(new)
    for student in new:
        known[student] = max(known.values(), default=0) + 1
    if new:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(json.dumps(known, indent=1, sort_keys=True))
    return {s: f"Student {known[s]}" for s in students}


def renamed(submissions, names):
    return [{**s, "student": names[s["student"]]} for s in submissions]


CSV_FIELDS = ["assignment", "notebook", "exercise", "grade_ids", "student", "points", "max", "result", "diagnosis"]


def write_csv(path, summaries):
    """One row per student × exercise: points, max, result, diagnosis codes (';'-separated)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, CSV_FIELDS)
        writer.writeheader()
        for summary in summaries:
            for row in sorted(summary["rows"], key=lambda r: natural(r["student"])):
                writer.writerow(row)


# -- the whole report ----------------------------------------------------------------------------

SOURCES = ("results", "raw", "gradebook")


def _available(course_root, results_dir, raw_dirs):
    """{source: set of assignments it has submissions for}."""
    found = {"results": {p.parent.name for p in Path(results_dir).glob("*/*.json") if p.parent.name != "raw"},
             "raw": {p.parent.name for d in raw_dirs for p in Path(d).glob("*/*.json")}, "gradebook": set()}
    db = Path(course_root) / "gradebook.db"
    if db.exists():
        found["gradebook"] = set(gradebook_assignments(f"sqlite:///{db}"))
    return found


def write(course_root, results_dir, out=None, assignments=None, raw_dirs=None, source="auto",
          anonymise=False, help_threshold=50.0, help_count=2):
    """Write the class report (HTML) and its CSV for ``assignments`` (default: every assignment
    with results). Each assignment is read from the first of ``SOURCES`` that has it (or from
    ``source`` only). Returns (html path, csv path, {assignment: source used})."""
    from course.grading import class_report_html
    course_root, results_dir = Path(course_root), Path(results_dir)
    raw_dirs = [Path(d) for d in (raw_dirs or [results_dir / "raw"])]
    out = Path(out or results_dir / "report.html")
    order = SOURCES if source == "auto" else (source,)
    found = _available(course_root, results_dir, raw_dirs)
    names = sorted(assignments or set().union(*(found[s] for s in order)))
    if not names:
        raise SystemExit(f"no results to report on in {', '.join(order)} "
                         f"(looked in {results_dir}, {', '.join(map(str, raw_dirs))} and the gradebook)")
    read = {"results": lambda a: read_results(results_dir, a), "raw": lambda a: read_raw(raw_dirs, a),
            "gradebook": lambda a: read_gradebook(f"sqlite:///{course_root / 'gradebook.db'}", a)}
    where = {"results": lambda a: f"the grader's results in {results_dir / a}",
             "raw": lambda a: f"the grader's raw results in {', '.join(str(d / a) for d in raw_dirs)}",
             "gradebook": lambda a: f"the gradebook {course_root / 'gradebook.db'}"}
    loaded, used = {}, {}
    for name in names:
        picked = next((s for s in order if name in found[s]), None)
        if picked is None:
            raise SystemExit(f"no results for {name} in {', '.join(order)}")
        loaded[name], used[name] = read[picked](name), picked
    if anonymise:
        names_of = pseudonyms([s["student"] for subs in loaded.values() for s in subs],
                              out.parent / "pseudonyms.json")
        loaded = {a: renamed(subs, names_of) for a, subs in loaded.items()}
    summaries = []
    for name in names:
        release = course_root / "release" / name
        exercises = exercises_from_release(release) if any(release.glob("*.ipynb")) else \
            exercises_from_results(loaded[name])
        summaries.append(summarise(name, exercises, loaded[name], used[name]))
    overall = across(summaries, help_threshold, help_count)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(class_report_html.render(summaries, overall, {a: where[used[a]](a) for a in names}, anonymise),
                   encoding="utf-8")
    table = out.with_suffix(".csv")
    write_csv(table, summaries)
    return out, table, used
