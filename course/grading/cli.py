"""Command line: ``python -m course.grading class|one|merge`` (see ``--help`` of each)."""

import argparse
import os
from dataclasses import fields

from course.grading import plan
from course.grading.commands import cmd_class, cmd_merge, cmd_one, cmd_report
from course.grading.limits import Limits

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
