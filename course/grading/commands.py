"""What each command of ``python -m course.grading`` does (``cli`` reads the arguments)."""

import json
import sys
import time
from dataclasses import fields
from pathlib import Path

from course.grading import plan, raw, report
from course.grading.course_dir import CourseDir
from course.grading.failures import zero_after_failure
from course.grading.limits import Limits
from course.grading.parallel import run_jobs

UNSAFE = """cannot grade: {problem}.
Every notebook runs in an operating-system sandbox so that a student's code cannot reach the
solutions, the gradebook, other students or the grader. Install bubblewrap (the README says how,
also for CI runners), or pass --unsafe-no-sandbox to grade without it (only for code you trust)."""


def _limits(args):
    return Limits(**{f.name: getattr(args, f.name) for f in fields(Limits)})


def _check_sandbox(args):
    if args.unsafe_no_sandbox:
        print("warning: grading WITHOUT a sandbox (--unsafe-no-sandbox): student code can reach "
              "everything the grading user can", file=sys.stderr)
        return
    from course.grading.sandbox import sandbox_problem
    problem = sandbox_problem()
    if problem:
        raise SystemExit(UNSAFE.format(problem=problem))


def _failed(results):
    return 1 if any(r.status == "grader-error" for r in results) else 0


def cmd_class(args):
    course = CourseDir(args.course)
    _check_sandbox(args)
    assignments = course.assignments(args.assignments)
    if args.zip:
        if len(assignments) != 1:
            raise SystemExit("--zip needs exactly one assignment")
        found = plan.unzip_collect(args.zip, assignments[0], course.submitted, args.zip_regex)
        print(f"collected {len(found)} students from {args.zip}", file=sys.stderr)
    specs = {a: course.spec(a) for a in assignments}
    students = plan.class_students(course.submitted, assignments)
    if args.students:
        students = [s for s in students if s in args.students.split(",")]
    submissions, jobs = [], []
    for student in plan.shard(students, args.shard):
        for assignment in assignments:
            folder = course.submitted / student / assignment
            if folder.is_dir():
                submissions.append(course.submission(student, assignment, folder))
                jobs += course.jobs(submissions[-1], specs[assignment], _limits(args), args.unsafe_no_sandbox)
    start = time.monotonic()
    print(f"grading {len(submissions)} submissions ({len(jobs)} notebooks) with {args.jobs} workers",
          file=sys.stderr)
    results = run_jobs(jobs, args.jobs, args.quiet)
    graded = raw.group(submissions, jobs, results)
    raw_dir = Path(args.raw or (Path(args.results) / "raw" if args.results else course.root / "grades" / "raw"))
    raw.save(raw_dir, graded)
    results_dir = Path(args.results or course.root / "grades")
    final = not args.shard and not args.no_gradebook
    if final:
        raw.merge(course, [raw_dir], results_dir)
    report.summary(graded)
    print(f"graded in {time.monotonic() - start:.1f} s; raw results in {raw_dir}"
          + (f"; reports in {results_dir}" if final else ""), file=sys.stderr)
    if final:
        _class_report(course.root, results_dir)
    return _failed(results)


def cmd_one(args):
    course = CourseDir(args.course)
    _check_sandbox(args)
    [assignment] = course.assignments([args.assignment])
    folder = Path(args.submission).resolve()
    student = args.student or (folder.parent.name if folder.name == assignment else folder.name)
    submission = course.submission(student, assignment, folder)
    start = time.monotonic()
    jobs = course.jobs(submission, course.spec(assignment), _limits(args), args.unsafe_no_sandbox)
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
        raw.save(args.raw, [(submission, results)])
    report.summary([(submission, results)], sys.stderr)
    return _failed(results)


def cmd_merge(args):
    course = CourseDir(args.course)
    results_dir = Path(args.results or course.root / "grades")
    graded = raw.merge(course, args.raw, results_dir)
    report.summary(graded)
    _class_report(course.root, results_dir)
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
