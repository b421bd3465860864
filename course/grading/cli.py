"""Command line: ``python -m course.grading class|one|merge`` (see ``--help`` of each)."""

import argparse
import json
import multiprocessing
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, fields
from pathlib import Path

from course.grading import plan, report
from course.grading.failures import zero_after_failure
from course.grading.limits import Limits
from course.grading.redact import Redactor
from course.grading.spec import hidden_lines, read_spec


LIMIT_HELP = {
    "memory_mb": "address space of the kernel and of each process it starts, in MiB",
    "cpu_seconds": "CPU time of the kernel, in seconds",
    "processes": "processes and threads the notebook may have at once",
    "file_size_mb": "largest file the notebook may write, in MiB",
    "cell_timeout": "seconds per cell; then the cell is interrupted (a kernel that ignores it is killed)",
    "notebook_timeout": "seconds for the whole notebook",
    "output_mb": "outputs kept per notebook, in MiB; the rest is dropped and flagged",
}


def _add_limits(parser):
    group = parser.add_argument_group("limits (per notebook run)")
    for f in fields(Limits):
        metavar = {int: "N", float: "X"}[type(f.default)]
        group.add_argument(f"--{f.name.replace('_', '-')}", type=type(f.default), default=f.default,
                           metavar=metavar, help=f"{LIMIT_HELP[f.name]} (default: {f.default:g})")


def _limits(args):
    return Limits(**{f.name: getattr(args, f.name) for f in fields(Limits)})


def _course(args):
    root = Path(args.course).resolve()
    if not (root / "gradebook.db").exists():
        raise SystemExit(f"{root}/gradebook.db not found: run `nbgrader generate_assignment` first")
    return root, f"sqlite:///{root / 'gradebook.db'}"


def _assignments(root, db_url, names):
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        known = sorted(a.name for a in gb.assignments)
    for name in names or []:
        if name not in known:
            raise SystemExit(f"assignment {name!r} is not in the gradebook (known: {', '.join(known)})")
    return names or known


def _spec(root, db_url, assignment):
    release = root / "release" / assignment
    if not release.is_dir():
        raise SystemExit(f"{release} not found: run `nbgrader generate_assignment {assignment}` first")
    return read_spec(db_url, assignment, release, root / "source" / assignment)


def _timestamp(folder):
    stamp = Path(folder) / "timestamp.txt"
    return stamp.read_text().strip() if stamp.exists() else None


def _jobs_for(student, assignment, folder, spec, root, args):
    jobs = []
    files = plan.student_files(folder)
    for notebook, (path, flags) in plan.match_notebooks(folder, spec).items():
        jobs.append({"student": student, "assignment": assignment, "notebook": notebook,
                     "path": str(path) if path else None, "files": files, "flags": flags,
                     "shipped": str(root / "release" / assignment), "spec": spec,
                     "limits": asdict(_limits(args)), "unsafe_no_sandbox": args.unsafe_no_sandbox})
    return jobs


UNSAFE = """cannot grade: {problem}.
Every notebook runs in an operating-system sandbox so that a student's code cannot reach the
solutions, the gradebook, other students or the grader. Install bubblewrap (the README says how,
also for CI runners), or pass --unsafe-no-sandbox to grade without it (only for code you trust)."""


def _check_sandbox(args):
    if args.unsafe_no_sandbox:
        print("warning: grading WITHOUT a sandbox (--unsafe-no-sandbox): student code can reach "
              "everything the grading user can", file=sys.stderr)
        return
    from course.grading.sandbox import sandbox_problem
    problem = sandbox_problem()
    if problem:
        raise SystemExit(UNSAFE.format(problem=problem))


def _safe_grade(job):
    from course.grading.worker import grade_notebook
    try:
        return grade_notebook(job)
    except Exception:
        return _error(job, "grader error: " + traceback.format_exc(limit=3).strip().splitlines()[-1])


def run_jobs(jobs, n_workers, quiet=False):
    """Grade every job, in parallel; returns results in job order."""
    progress = None if quiet else report.Progress(len(jobs))
    results = [None] * len(jobs)
    if n_workers <= 1:
        for i, job in enumerate(jobs):
            results[i] = _safe_grade(job)
            progress and progress.step(f"{job['student']}/{job['notebook']}")
        return results
    # forkserver: workers start from a clean process, not a copy of this one (which knows the
    # gradebook's location).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["course.grading.worker"])
    with ProcessPoolExecutor(n_workers, mp_context=context, initializer=_follow_parent,
                             initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(_safe_grade, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                results[i] = future.result()
            except Exception:   # a worker process died: the notebook gets a grader error
                results[i] = _error(jobs[i], "the grading worker died")
            progress and progress.step(f"{jobs[i]['student']}/{jobs[i]['notebook']}")
    return results


def _follow_parent(pid):
    """In a worker: exit when the grading command is gone (killed, or Ctrl-C), so that no worker,
    kernel or test process outlives it (a worker's sandboxes and test processes end with it)."""
    import threading

    def gone():
        try:
            with open(f"/proc/{pid}/status") as f:
                return any(line.startswith("State:") and "Z" in line.split()[1] for line in f)
        except OSError:
            return True

    def watch():
        while not gone():
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _error(job, reason):
    from course.grading.worker import _zero_result
    nb_spec = job["spec"]["notebooks"][job["notebook"]]
    return {"student": job["student"], "assignment": job["assignment"], "notebook": job["notebook"],
            "status": "grader-error", "flags": [reason], "scan": [], "timings": {},
            "autograded": None, "cells": _zero_result(job, nb_spec, reason, "grader-error")}


def _group(jobs, results, submissions):
    graded = []
    for key, submission in submissions.items():
        graded.append((submission, zero_after_failure([r for j, r in zip(jobs, results)
                                                       if (j["student"], j["assignment"]) == key])))
    return graded


def save_raw(raw_dir, graded):
    for submission, results in graded:
        path = Path(raw_dir) / submission["assignment"] / f"{submission['student']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"submission": submission, "results": results}))


def merge(root, db_url, raw_dirs, results_dir):
    """Put raw results (from one or many shards) into the gradebook, autograded/, reports."""
    from course.grading.gradebook import record
    graded = []
    for raw_dir in raw_dirs:
        for path in sorted(Path(raw_dir).glob("*/*.json")):
            data = json.loads(path.read_text())
            graded.append((data["submission"], data["results"]))
    for submission, results in graded:
        record(db_url, root, submission, results, submission.get("folder"))
    redactors = {a: Redactor(hidden_lines(read_spec(db_url, a))) for a in {s["assignment"] for s, _ in graded}}
    report.write_reports(results_dir, root, graded, redactors)
    return graded


def cmd_class(args):
    root, db_url = _course(args)
    _check_sandbox(args)
    assignments = _assignments(root, db_url, args.assignments)
    submitted = root / "submitted"
    if args.zip:
        if len(assignments) != 1:
            raise SystemExit("--zip needs exactly one assignment")
        found = plan.unzip_collect(args.zip, assignments[0], submitted, args.zip_regex)
        print(f"collected {len(found)} students from {args.zip}", file=sys.stderr)
    specs = {a: _spec(root, db_url, a) for a in assignments}
    students = plan.class_students(submitted, assignments)
    if args.students:
        students = [s for s in students if s in args.students.split(",")]
    students = plan.shard(students, args.shard)
    submissions, jobs = {}, []
    for student in students:
        for assignment in assignments:
            folder = submitted / student / assignment
            if not folder.is_dir():
                continue
            submissions[(student, assignment)] = {"student": student, "assignment": assignment,
                                                  "timestamp": _timestamp(folder), "folder": str(folder)}
            jobs += _jobs_for(student, assignment, folder, specs[assignment], root, args)
    start = time.monotonic()
    print(f"grading {len(submissions)} submissions ({len(jobs)} notebooks) with {args.jobs} workers",
          file=sys.stderr)
    results = run_jobs(jobs, args.jobs, args.quiet)
    graded = _group(jobs, results, submissions)
    raw_dir = Path(args.raw or (Path(args.results) / "raw" if args.results else root / "grades" / "raw"))
    save_raw(raw_dir, graded)
    results_dir = Path(args.results or root / "grades")
    if not args.shard and not args.no_gradebook:
        merge(root, db_url, [raw_dir], results_dir)
    report.summary(graded)
    print(f"graded in {time.monotonic() - start:.1f} s; raw results in {raw_dir}"
          + ("" if args.shard or args.no_gradebook else f"; reports in {results_dir}"), file=sys.stderr)
    if not args.shard and not args.no_gradebook:
        _class_report(root, results_dir)
    return 1 if any(r["status"] == "grader-error" for r in results) else 0


def cmd_one(args):
    root, db_url = _course(args)
    _check_sandbox(args)
    [assignment] = _assignments(root, db_url, [args.assignment])
    spec = _spec(root, db_url, assignment)
    folder = Path(args.submission).resolve()
    student = args.student or (folder.parent.name if folder.name == assignment else folder.name)
    submission = {"student": student, "assignment": assignment, "timestamp": _timestamp(folder),
                  "folder": str(folder)}
    start = time.monotonic()
    jobs = _jobs_for(student, assignment, folder, spec, root, args)
    results = zero_after_failure(run_jobs(jobs, args.jobs, quiet=True))
    data = report.submission_json(submission, results)
    data["timings"] = {"total": round(time.monotonic() - start, 3)}
    text = json.dumps(data, indent=1, sort_keys=True)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text)
    else:
        print(text)
    if args.raw:
        save_raw(args.raw, [(submission, results)])
    report.summary([(submission, results)], sys.stderr)
    return 1 if any(r["status"] == "grader-error" for r in results) else 0


def cmd_merge(args):
    root, db_url = _course(args)
    graded = merge(root, db_url, args.raw, Path(args.results or root / "grades"))
    report.summary(graded)
    _class_report(root, Path(args.results or root / "grades"))
    return 0


def _class_report(root, results_dir):
    """The class report after grading; a failure to write it is told, not a grading failure."""
    from course.grading import class_report
    try:
        html_path, _, _ = class_report.write(root, results_dir)
        print(f"class report: {html_path}", file=sys.stderr)
    except Exception as error:
        print(f"class report not written ({type(error).__name__}: {error}); "
              "run `python -m course.grading report` to retry", file=sys.stderr)


def cmd_report(args):
    from course.grading import class_report
    root = Path(args.course).resolve()
    results_dir = Path(args.results or root / "grades")
    html_path, csv_path, used = class_report.write(
        root, results_dir, args.out, args.assignments, args.raw, args.source, args.anonymise,
        args.help_threshold, args.help_count)
    for assignment, source in used.items():
        print(f"{assignment}: from {source}" + (" (scores only)" if source == "gradebook" else ""), file=sys.stderr)
    print(f"class report: {html_path}\nper student and exercise: {csv_path}", file=sys.stderr)
    return 0


DESCRIPTION = """Grade nbgrader submissions in parallel, each notebook in a fresh sandboxed kernel.
Run it in the course folder (nbgrader_config.py, gradebook.db filled by `nbgrader
generate_assignment`). Scores go to the gradebook and autograded/ as with `nbgrader autograde`;
reports (grades.csv, one JSON per submission) to grades/, redacted feedback to feedback/."""

EXAMPLES = """examples:
  python -m course.grading class 01_credit_regression --jobs 2
  python -m course.grading class 01_credit_regression --zip lms-download.zip
  python -m course.grading class --shard 1/2 --raw raw-1 --quiet      (CI: one shard of the class)
  python -m course.grading merge raw/* --results grade-report         (CI: then merge the shards)
  python -m course.grading one submissions/ada/01_credit_regression --assignment 01_credit_regression --json result.json
  python -m course.grading report --anonymise --out class-report.html  (where the class struggles)

The exit status is non-zero only when grading itself failed, never because a student did badly."""


def parser():
    top = argparse.ArgumentParser(prog="python -m course.grading", description=DESCRIPTION, epilog=EXAMPLES,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", required=True, metavar="{class,one,merge,report}")

    def command(name, summary, description):
        return sub.add_parser(name, help=summary, description=f"{summary}.\n\n{description}",
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    p = command("class", "grade every student in submitted/ (or in an LMS zip)",
                "Grades submitted/<student>/<assignment>/ for the given assignments (default: all in the\n"
                "gradebook), then writes the gradebook, autograded/, grades/ and feedback/ (unless\n"
                "--shard or --no-gradebook: then only raw results, for `merge`).")
    p.add_argument("assignments", nargs="*", help="assignments to grade (default: every assignment in the gradebook)")
    p.add_argument("--zip", metavar="FILE",
                   help="an LMS download: collect it into submitted/ first (needs exactly one assignment)")
    p.add_argument("--zip-regex", metavar="REGEX", default=plan.DEFAULT_ZIP_REGEX,
                   help="file-name pattern with student_id and file_id groups, as nbgrader zip_collect "
                        "(default: nbgrader's documented example)")
    p.add_argument("--students", metavar="A,B", help="comma-separated student ids (default: all)")
    p.add_argument("--shard", metavar="I/N",
                   help="grade only the I-th of N parts of the class and keep raw results (merge them later)")
    p.add_argument("--no-gradebook", action="store_true",
                   help="keep raw results only: leave the gradebook, autograded/ and reports alone")
    p.add_argument("--raw", metavar="DIR", help="folder for raw results (default: RESULTS/raw)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_class)

    p = command("one", "grade one submission folder and print (or write) its JSON result",
                "For CI jobs: the gradebook is only read (to know the assignment), never written.")
    p.add_argument("submission", help="folder holding the student's notebooks (and other files)")
    p.add_argument("--assignment", required=True, help="assignment name, as in the gradebook")
    p.add_argument("--student", help="student id (default: the folder's name, or its parent's when the "
                                     "folder is named after the assignment)")
    p.add_argument("--json", metavar="FILE", help="write the JSON result here (default: stdout)")
    p.add_argument("--raw", metavar="DIR", help="also keep raw results here, for `merge`")
    p.set_defaults(func=cmd_one)

    p = command("merge", "put raw results (of `class --shard` or `one --raw`) into the gradebook and reports",
                "Writes the gradebook, autograded/, RESULTS (grades.csv, JSON per submission) and feedback/.")
    p.add_argument("raw", nargs="+", metavar="DIR", help="raw result folders")
    p.set_defaults(func=cmd_merge)

    p = command("report", "write the class report: where the class struggles, and which mistakes it makes",
                "One HTML file that opens from disk (figures embedded, nothing fetched), and a CSV beside it\n"
                "with one row per student and exercise (points, max, diagnosis codes). Per assignment: the\n"
                "score distribution; per exercise, full/partial/zero marks and the most frequent diagnoses;\n"
                "exercises left unattempted; notebooks that did not run to the end; flags; grading time.\n"
                "Across assignments: each student's trajectory and the students who may need help.\n"
                "Each assignment is read from the grader's results (RESULTS/<assignment>/*.json), else from\n"
                "raw results, else from the gradebook (as plain `nbgrader autograde` fills it: scores only).\n"
                "`class` and `merge` write it to RESULTS/report.html at the end of a run.")
    p.add_argument("assignments", nargs="*", help="assignments to report on (default: every one with results)")
    p.add_argument("--out", metavar="FILE", help="the HTML file (default: RESULTS/report.html); the CSV goes "
                                                 "beside it, with the suffix .csv")
    p.add_argument("--raw", metavar="DIR", action="append",
                   help="a raw result folder; repeat for several (default: RESULTS/raw)")
    p.add_argument("--from", dest="source", choices=["auto", "results", "raw", "gradebook"], default="auto",
                   help="where to read results (default: auto, in the order results, raw, gradebook)")
    p.add_argument("--anonymise", action="store_true",
                   help="show students as Student 1, Student 2, ... (numbers kept in pseudonyms.json beside "
                        "the report, so a student keeps theirs from one report to the next; keep that file private)")
    p.add_argument("--help-threshold", type=float, default=50.0, metavar="PERCENT",
                   help="a student may need help below this autograded score (default: 50)")
    p.add_argument("--help-count", type=int, default=2, metavar="N",
                   help="a student may need help when below the threshold (or without a submission) on at "
                        "least N assignments, or on all of them when there are fewer (default: 2)")
    p.set_defaults(func=cmd_report)

    for name, p in sub.choices.items():
        p.add_argument("--course", metavar="DIR", default=".",
                       help="course folder, with nbgrader_config.py and gradebook.db (default: .)")
        if name != "one":
            p.add_argument("--results", metavar="DIR", help="reports folder (default: COURSE/grades)")
        if name not in ("merge", "report"):
            p.add_argument("--jobs", type=int, metavar="N", default=os.cpu_count() or 1,
                           help="notebooks graded at once (default: the machine's cores, "
                                f"here {os.cpu_count() or 1})")
            _add_limits(p)
            p.add_argument("--unsafe-no-sandbox", action="store_true",
                           help="grade without the operating-system sandbox (bubblewrap): only for "
                                "code you trust; without it the grader refuses when no sandbox can be made")
    return top


def main(argv=None):
    args = parser().parse_args(argv)
    return args.func(args)
