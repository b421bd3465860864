"""The class report's content: what a class did, per assignment and exercise (see
``class_results`` for where it is read), summarised into plain data, a CSV and, through
``class_report_html``, the page.

Only course-written text reaches the summary: exercise titles from the released notebook,
diagnosis codes put into words, the grader's notes as feedback words them, the kinds of static-scan
findings; never a cell's source, an output or anything from the student's kernel.
"""

import builtins
import csv
import json
import random
import re
import statistics
from pathlib import Path

from course.grading.class_results import (exercises_from_release, exercises_from_results, gradebook_assignments,
                                           read_gradebook, read_raw, read_results)
from course.grading.redact import feedback_note
from course.grading.scoring import NOT_TO_THE_END

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
        name = code.split(":", 1)[1]
        # Other names may come from the student's own code: the CSV keeps them, the page does not.
        builtin = getattr(builtins, name, None)
        if isinstance(builtin, type) and issubclass(builtin, BaseException):
            return f"raises {name}"
        return "raises an exception that is not one of Python's built-in ones"
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

def natural(name):
    """Sort key putting "Student 2" before "Student 10"."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _one_student(exercise, cells):
    """What one student did on one exercise: (result, points, max, failed codes, their words)."""
    found = [cells.get((exercise.notebook, g), (None, None)) for g in exercise.tests]
    points = sum((c or {}).get("points") or 0 for c, _ in found)
    top = sum(c["max"] if c else 0 for c, _ in found) or exercise.max
    codes, labels = [], []
    for cell, nb in found:
        if cell and cell.get("diagnosis") and (cell.get("points") or 0) < (cell.get("max") or 0):
            codes.append(cell["diagnosis"])
            labels.append(diagnosis_words(cell["diagnosis"], cell.get("message"), nb["status"]))
    hand = [cells.get((exercise.notebook, g), (None, None))[0] for g in exercise.by_hand]
    if exercise.tests:
        result = "full" if points >= top > 0 else "zero" if points == 0 else "partial"
    else:
        # Zero points with a diagnosis: the notebook was missing or unreadable, not left blank.
        answered = any(c and not c.get("blank") and not (c.get("points") == 0 and c.get("diagnosis")) for c in hand)
        result = "graded by hand" if answered else "blank" if all(c and c.get("blank") for c in hand) else "no answer"
        known = [c["points"] for c in hand if c and c.get("points") is not None]
        points = sum(known) if known else None   # None: not graded yet
        top = sum(c["max"] or 0 for c in hand if c)
    return result, points, top, list(dict.fromkeys(codes)), list(dict.fromkeys(labels))


def _exercise(assignment, exercise, submissions, cells_of):
    """(the exercise's numbers, its CSV rows)."""
    counts = dict.fromkeys(("full", "partial", "zero", "graded by hand", "blank", "no answer"), 0)
    diagnoses, unattempted, rows = {}, 0, []
    for submission in submissions:
        student = submission["student"]
        result, points, top, codes, labels = _one_student(exercise, cells_of[student])
        counts[result] += 1
        unattempted += UNATTEMPTED in codes or result == "blank"
        for label in labels:
            diagnoses[label] = diagnoses.get(label, 0) + 1
        rows.append({"assignment": assignment, "notebook": exercise.notebook, "exercise": exercise.title,
                     "grade_ids": " ".join(exercise.tests or exercise.by_hand), "student": student,
                     "points": "" if points is None else f"{points:g}",
                     "max": f"{top:g}", "result": result, "diagnosis": ";".join(codes)})
    return {"exercise": exercise, "counts": counts, "unattempted": unattempted,
            "diagnoses": sorted(diagnoses.items(), key=lambda kv: (-kv[1], kv[0]))}, rows


def _notebooks(submissions):
    """Notebooks that did not run to the end, the grader's notes and scan findings, timings."""
    stops, notes, timings = [], [], {}
    for submission in submissions:
        student = submission["student"]
        for nb in sorted(submission["notebooks"], key=lambda n: n["notebook"]):
            stop = stop_of(nb)
            if stop:
                stops.append({"student": student, "notebook": nb["notebook"], "code": stop[0],
                              "why": STOPS[stop[0]], "note": note_words(stop[1]) if stop[1] else ""})
            worded = list(dict.fromkeys(note_words(f) for f in nb["flags"]))
            scanned = list(dict.fromkeys(scan_words(s) for s in nb["scan"]))
            if worded or scanned:
                notes.append({"student": student, "notebook": nb["notebook"], "notes": worded, "scan": scanned})
            if nb["timings"].get("total") is not None:
                timings.setdefault(nb["notebook"], []).append((nb["timings"], student))
    note_students = {}
    for entry in notes:
        for text in entry["notes"] + [f"scan: {s}" for s in entry["scan"]]:
            note_students.setdefault(text, set()).add(entry["student"])
    return {"stops": sorted(stops, key=lambda s: (natural(s["student"]), s["notebook"])),
            "notes": sorted(notes, key=lambda n: (natural(n["student"]), n["notebook"])),
            "note_counts": sorted(((t, len(s)) for t, s in note_students.items()), key=lambda x: (-x[1], x[0])),
            "timings": [_timing(name, entries) for name, entries in sorted(timings.items())]}


def _timing(notebook, entries):
    totals = [t["total"] for t, _ in entries]
    starts = [t["kernel_start"] for t, _ in entries if t.get("kernel_start") is not None]
    slowest = max(entries, key=lambda e: e[0]["total"])
    return {"notebook": notebook, "count": len(entries), "median": statistics.median(totals),
            "max": slowest[0]["total"], "slowest": slowest[1],
            "kernel_start": statistics.median(starts) if starts else None}


def summarise(assignment, exercises, submissions, source):
    """Plain data for one assignment's part of the report, with its CSV rows."""
    cells_of = {s["student"]: {(nb["notebook"], c["grade_id"]): (c, nb) for nb in s["notebooks"] for c in nb["cells"]}
                for s in submissions}
    stats, rows = [], []
    for exercise in exercises:
        stat, exercise_rows = _exercise(assignment, exercise, submissions, cells_of)
        stats.append(stat)
        rows += exercise_rows
    top = sum(e.max for e in exercises)
    scores = {}
    for student, cells in cells_of.items():
        points = sum((cells.get((e.notebook, g), (None, None))[0] or {}).get("points") or 0
                     for e in exercises for g in e.tests)
        scores[student] = {"points": points, "percent": 100.0 * points / top if top else None}
    return {"assignment": assignment, "source": source, "scores_only": source == "gradebook", "max": top,
            "students": len(submissions), "scores": scores, "exercises": stats, "rows": rows,
            "unattempted": sorted(((s["exercise"], s["unattempted"]) for s in stats if s["unattempted"]),
                                  key=lambda x: -x[1]),
            **_notebooks(submissions)}


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
