"""How long the class report takes for a large class.

Writes the hand-made class of tests/report_class.py (two assignments) again and again under new
student ids until it has --students students, as the grader's JSON results, then times
``python -m course.grading report`` (what an instructor waits for: Python's start and the imports
of matplotlib and seaborn included) and prints the sizes of the HTML and the CSV.

    python bench/class_report.py [--students 300]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.course_repo import tool_env  # noqa: E402
from tests.report_class import UNIT, UNIT_B, UNIT_B_CLASS, UNIT_CLASS, write_unit_course  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = write_unit_course(Path(tmp))
        for path in (root / "grades").glob("*/*.json"):   # only the copies under new ids stay
            path.unlink()
        for assignment, class_ in ((UNIT, UNIT_CLASS), (UNIT_B, UNIT_B_CLASS)):
            models = list(class_.values())
            for i in range(args.students):
                path = root / "grades" / assignment / f"s{i:04d}.json"
                path.write_text(json.dumps({"student": f"s{i:04d}", "assignment": assignment,
                                            "notebooks": [models[i % len(models)]]}))
        count = len(list((root / "grades").glob("*/*.json")))
        start = time.monotonic()
        subprocess.run([sys.executable, "-m", "course.grading", "report", "--course", str(root)],
                       check=True, env=tool_env(), capture_output=True)
        seconds = time.monotonic() - start
        html, table = root / "grades" / "report.html", root / "grades" / "report.csv"
        print(f"{count} submissions ({args.students} students x 2 assignments): report in {seconds:.1f} s; "
              f"HTML {html.stat().st_size / 1024:.0f} KiB, CSV {table.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
