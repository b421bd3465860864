"""What instructors and students read: a summary table, grades.csv, one JSON per student and
assignment, and per-notebook HTML feedback in which hidden tests never appear (test name,
points, pass/fail and the student-facing message only)."""

import csv
import html
import json
import sys
from pathlib import Path

from course.grading.redact import feedback_note


def totals(results):
    """(score, max) over the autograded and hand-graded cells of some ``NotebookResult``s."""
    score = sum(c.points or 0 for r in results for c in r.cells if c.kind != "answer")
    top = sum(c.max or 0 for r in results for c in r.cells if c.kind != "answer")
    return score, top


def submission_json(submission, results):
    score, top = totals(results)
    return {
        "student": submission.student, "assignment": submission.assignment,
        "score": score, "max_score": top,
        "flags": sorted({f for r in results for f in r.flags}),
        "scan": [f"{r.notebook}: {s}" for r in results for s in r.scan],
        "notebooks": [{k: v for k, v in r.to_dict().items() if k not in ("autograded", "sha256", "student", "assignment")}
                      for r in results],
    }


def feedback_html(submission, result, redactor):
    """Feedback for one notebook in the course's own words: test names, points and messages, and
    the grader's notes as ``redact.feedback_note`` words them; no cell source, no output, no
    traceback, nothing that came from the student's kernel, no hidden test."""
    rows = []
    for cell in result.cells:
        if cell.kind == "answer":
            continue
        state = ("passed" if cell.passed else "failed") if cell.passed is not None else "to be graded"
        points = "–" if cell.points is None else f"{cell.points:g}"
        rows.append(f"<tr class='{state.replace(' ', '-')}'><td>{html.escape(cell.grade_id)}</td>"
                    f"<td>{points} / {cell.max:g}</td><td>{state}</td>"
                    f"<td>{html.escape(redactor.message(cell.message))}</td></tr>")
    score, top = totals([result])
    sentences = []
    for flag in result.flags:
        note = feedback_note(flag)
        if note and note not in sentences and not redactor.reveals(note):
            sentences.append(note)
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in sentences)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(result.notebook)}: feedback</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:.3em .6em;
border-bottom:1px solid #ddd;text-align:left;vertical-align:top}}.passed td:nth-child(3){{color:#070}}
.failed td:nth-child(3){{color:#b00}}</style></head><body>
<h1>{html.escape(submission.assignment)} / {html.escape(result.notebook)}</h1>
<p>Student: {html.escape(submission.student)}. Autograded score: <b>{score:g} / {top:g}</b>
(hand-graded answers are added later).</p>
<table><tr><th>Test</th><th>Points</th><th>Result</th><th>Message</th></tr>
{''.join(rows)}</table>
{'<h2>Notes</h2><ul>' + notes + '</ul>' if notes else ''}
</body></html>
"""


def write_reports(out_dir, course_root, graded, redactors):
    """graded: [(submission, [results])]; redactors: {assignment: Redactor}. Writes grades.csv,
    JSON per submission and feedback."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for submission, results in graded:
        student, assignment = submission.student, submission.assignment
        data = submission_json(submission, results)
        path = out_dir / assignment / f"{student}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, sort_keys=True))
        for result in results:
            fb = Path(course_root) / "feedback" / student / assignment / f"{result.notebook}.html"
            fb.parent.mkdir(parents=True, exist_ok=True)
            fb.write_text(feedback_html(submission, result, redactors[assignment]), encoding="utf-8")
        rows.append({"student": student, "assignment": assignment, "score": data["score"],
                     "max_score": data["max_score"], "flags": len(data["flags"]), "scan": len(data["scan"])})
    # grades.csv covers every submission graded so far (merging shards adds to it).
    table = out_dir / "grades.csv"
    old = {}
    if table.exists():
        with open(table, newline="") as f:
            old = {(r["student"], r["assignment"]): r for r in csv.DictReader(f)}
    old.update({(r["student"], r["assignment"]): r for r in rows})
    with open(table, "w", newline="") as f:
        writer = csv.DictWriter(f, ["student", "assignment", "score", "max_score", "flags", "scan"])
        writer.writeheader()
        for key in sorted(old):
            writer.writerow(old[key])
    return table


def summary(graded, stream=sys.stdout):
    """Print one line per submission: score, notes for the instructor."""
    width = max([len(s.student) for s, _ in graded] + [7])
    stream.write(f"\n{'student':<{width}}  {'assignment':<28} {'score':>11}  notes\n")
    for submission, results in sorted(graded, key=lambda g: (g[0].assignment, g[0].student)):
        score, top = totals(results)
        flags = sorted({f for r in results for f in r.flags})
        scans = [s for r in results for s in r.scan]
        notes = "; ".join(flags[:3] + ([f"scan: {len(scans)} finding(s), e.g. {scans[0]}"] if scans else []))
        stream.write(f"{submission.student:<{width}}  {submission.assignment:<28} "
                     f"{score:>5g}/{top:<5g}  {notes[:160]}\n")
    stream.flush()


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream

    def step(self, label=""):
        self.done += 1
        filled = int(30 * self.done / max(1, self.total))
        self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} {label[:40]:<40}")
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()
