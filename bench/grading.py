"""Plain ``nbgrader autograde`` against the course's grader on one synthetic class.

Every assignment in source/, 24 students (or --students N): most hand in the solution, some the
unsolved release, some a partly wrong answer (a catalogue variant), some a broken notebook
(os._exit in an answer cell of the first notebook, invalid JSON for the first notebook). Both
graders grade the same class in separate scratch courses; prints both wall times, the ratio and
whether every score is identical (both score a notebook that does not run to the end, and the
later notebooks of that submission, zero). Any difference is listed. The course's grader also
grades the class once more without its sandbox (--unsafe-no-sandbox), to print what the sandbox
costs per notebook, and its own per-notebook times (kernel start, run, total).

    python bench/grading.py [--students 24] [--jobs N] [--assignments 01_x,03_y]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import catalogues  # noqa: E402
from tests.catalogues import with_cells  # noqa: E402
from tests.course_repo import RELEASE, assignments, notebooks, read, tool_env  # noqa: E402
from tests.nbgrader_run import make_course, read_scores, submit  # noqa: E402


def synthetic_class(assignment, n):
    solved = {name: read(p) for name, p in notebooks(assignment).items()}
    released = {name: read(p) for name, p in notebooks(assignment, RELEASE).items()}
    wrong = [v for v in catalogues.load_all().get(assignment, []) if v.wrong]
    out = {}
    for i in range(n):
        student = f"s{i:02d}"
        kind = i % 6
        nbs = dict(solved)
        if kind == 1:
            nbs = dict(released)
        elif kind in (2, 3) and wrong:
            v = wrong[i % len(wrong)]
            nbs[v.notebook] = with_cells(nbs[v.notebook], v.cells)
        elif kind == 4:
            name = next(iter(nbs))
            nb = nbs[name].copy()
            nb.cells = list(nb.cells)
            first_answer = next(j for j, c in enumerate(nb.cells)
                                if c.get("metadata", {}).get("nbgrader", {}).get("solution")
                                and c.cell_type == "code")
            broken = nb.cells[first_answer].copy()
            broken.source = "import os\nos._exit(1)\n" + broken.source
            nb.cells[first_answer] = broken
            nbs[name] = nb
        out[student] = (nbs, kind == 5 and i % 12 == 5)   # second: invalid JSON for one notebook
    return out


def build(root, klass):
    root = make_course(root, list(klass))
    for assignment, students in klass.items():
        for student, (nbs, invalid) in students.items():
            submit(root, assignment, student, nbs)
            if invalid:
                first = next(iter(nbs))
                (root / "submitted" / student / assignment / f"{first}.ipynb").write_text("{ not json")
    return root


def grade(root, names, jobs, *extra):
    """Wall time of the course's grader on the class in ``root``."""
    start = time.monotonic()
    graded = subprocess.run([sys.executable, "-m", "course.grading", "class", *names, "--jobs", str(jobs),
                             "--quiet", "--course", str(root), *extra], cwd=root, env=tool_env(),
                            capture_output=True, text=True)
    if graded.returncode != 0:
        print(f"course.grading failed ({graded.returncode}):\n{graded.stderr[-3000:]}")
    return time.monotonic() - start


def total_scores(root, names):
    return {a: {s: {nb: {g: c.score for g, c in cells.items()} for nb, cells in nbs.items()}
                for s, nbs in read_scores(root, a).items()} for a in names}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--assignments", help="comma-separated subset of source/ (default: all)")
    args = parser.parse_args()
    names = args.assignments.split(",") if args.assignments else assignments()
    klass = {a: synthetic_class(a, args.students) for a in names}
    work = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        plain, ours = build(work / "plain", klass), build(work / "ours", klass)
        bare = build(work / "bare", klass)
        n = sum(len(notebooks(a)) for a in names) * args.students
        print(f"{args.students} students x {len(names)} assignments ({n} notebooks): {', '.join(names)}")
        start = time.monotonic()
        for a in names:   # plain nbgrader exits non-zero when a notebook fails: that is expected
            subprocess.run(["nbgrader", "autograde", a, "--force"], cwd=plain, env=tool_env(),
                           capture_output=True)
        t_plain = time.monotonic() - start
        t_ours = grade(ours, names, args.jobs)
        t_bare = grade(bare, names, args.jobs, "--unsafe-no-sandbox")
        a_scores, b_scores = total_scores(plain, names), total_scores(ours, names)
        same = a_scores == b_scores
        load = os.getloadavg()[0]
        print(f"plain nbgrader autograde: {t_plain:8.1f} s")
        print(f"course.grading ({args.jobs} jobs): {t_ours:8.1f} s")
        print(f"speed-up: {t_plain / t_ours:.2f}x")
        cells = sum(len(c) for a in names for nbs in a_scores[a].values() for c in nbs.values())
        print(f"identical scores: {same} ({cells} graded cells; load average now {load:.1f})")
        print(f"without the sandbox: {t_bare:8.1f} s, so the sandbox costs {(t_ours - t_bare) * args.jobs / n:+.2f} s "
              f"per notebook (target: under 0.3 s); same scores without it: {total_scores(bare, names) == b_scores}")
        timings = [nb["timings"] for a in names for p in (ours / "grades" / a).glob("*.json")
                   for nb in json.loads(p.read_text())["notebooks"] if nb["timings"].get("total")]
        for key in ("kernel_start", "run", "total"):
            values = sorted(t[key] for t in timings if key in t)
            if values:
                print(f"per notebook, {key}: median {values[len(values) // 2]:.2f} s, max {values[-1]:.2f} s")
        if not same:
            for a in names:
                for s in sorted(a_scores[a]):
                    if a_scores[a][s] != b_scores[a].get(s):
                        print(f"  differs: {a}/{s}: nbgrader {a_scores[a][s]} ours {b_scores[a].get(s)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
