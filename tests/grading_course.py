"""A scratch course for the grader's tests: a tiny assignment (two short exercises whose tests
read the instructor's data and a value the instructor computes with the student's function),
students made from it, and the grader's command run on them."""

import copy
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tests.course_repo import REPO, tool_env
from tests.nbgrader_run import nbgrader, submit

TINY = "00_tiny"
LIMITS = ["--cell-timeout", "5", "--notebook-timeout", "60", "--memory-mb", "1024",
          "--processes", "64", "--output-mb", "1"]


def meta(grade_id, grade=False, solution=False, locked=False, points=None):
    m = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
         "solution": solution, "task": False}
    if points is not None:
        m["points"] = points
    return {"nbgrader": m}


DATA = "xs = np.arange(5.0)   # the data the tests use\n"
SQUARE = 'def square(x):\n    """x squared, elementwise."""\n    ### BEGIN SOLUTION\n    return np.asarray(x, dtype=float) ** 2\n    ### END SOLUTION\n'
DOUBLE = 'def double(x):\n    """Twice x."""\n    ### BEGIN SOLUTION\n    return 2 * np.asarray(x, dtype=float)\n    ### END SOLUTION\n'
DOUBLED = "doubled = double(xs)   # computed with the student's function\n"
TEST_SQUARE = ('checks.check_close("square(3)", checks.run(square, 3.0), 9.0)\n'
               '### BEGIN HIDDEN TESTS\n'
               '_hidden_square_range = checks.run(square, np.arange(7.0))  # secret square check\n'
               'checks.check_close("square of a range", _hidden_square_range, np.arange(7.0) ** 2)\n'
               'checks.check_close("square of the data", checks.run(square, xs), xs ** 2)\n'
               '### END HIDDEN TESTS\n')
TEST_DOUBLE = ('checks.check_close("double(4)", checks.run(double, 4.0), 8.0)\n'
               '### BEGIN HIDDEN TESTS\n'
               'checks.check_close("double of minus three point five", checks.run(double, -3.5), -7.0)\n'
               'checks.check_close("the data doubled above", doubled, 2 * xs)\n'
               '### END HIDDEN TESTS\n')


def tiny_source():
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})
    nb.cells = [
        new_code_cell("import numpy as np\nfrom course import checks", metadata=meta("setup", locked=True)),
        new_markdown_cell("Square, then double."),
        new_code_cell(DATA),
        new_code_cell(SQUARE, metadata=meta("square", solution=True)),
        new_code_cell(TEST_SQUARE, metadata=meta("test_square", grade=True, locked=True, points=2)),
        new_code_cell(DOUBLE, metadata=meta("double", solution=True)),
        new_code_cell(DOUBLED),
        new_code_cell(TEST_DOUBLE, metadata=meta("test_double", grade=True, locked=True, points=1)),
    ]
    return nb


def make_course(root, assignments=()):
    """A scratch course at ``root`` with the tiny assignment (and copies of ``assignments`` from
    source/), its gradebook filled by ``nbgrader generate_assignment``."""
    root = Path(root)
    source = root / "source" / TINY
    source.mkdir(parents=True)
    nbformat.write(tiny_source(), str(source / "tiny.ipynb"))
    for assignment in assignments:
        shutil.copytree(REPO / "source" / assignment, root / "source" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    for assignment in (TINY, *assignments):
        nbgrader(["generate_assignment", assignment, "--force"], cwd=root)
    return root


def solved(root):
    return nbformat.read(str(Path(root) / "source" / TINY / "tiny.ipynb"), as_version=4)


def released(root):
    return nbformat.read(str(Path(root) / "release" / TINY / "tiny.ipynb"), as_version=4)


def cell_of(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def with_answer(nb, grade_id, source):
    nb = copy.deepcopy(nb)
    cell_of(nb, grade_id).source = source
    return nb


def submit_tiny(root, student, nb):
    submit(root, TINY, student, {"tiny": nb})


def start_grader(root, *args, env=None):
    """Start the grader on the course at ``root``; its sandboxes go to root/tmp (see the checks
    that nothing is left behind)."""
    (Path(root) / "tmp").mkdir(exist_ok=True)
    env = {**tool_env(), "TMPDIR": str(Path(root) / "tmp"), **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "course.grading", *args, "--course", str(root)],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process, check=True, timeout=900):
    stdout, stderr = process.communicate(timeout=timeout)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    if check and result.returncode != 0:
        raise AssertionError(f"grader failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def grade_cli(root, *args, check=True, env=None):
    return finish(start_grader(root, *args, env=env), check)


def results_of(root, results="grades", assignment=TINY):
    return {p.stem: json.loads(p.read_text()) for p in (Path(root) / results / assignment).glob("*.json")}


def points(result, grade_ids=("test_square", "test_double")):
    cells = {c["grade_id"]: c["points"] for nb in result["notebooks"] for c in nb["cells"]}
    return tuple(cells.get(g) for g in grade_ids)


def tree_hashes(folder, pattern="*"):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob(pattern)) if p.is_file()}


def leftover_processes(marker):
    """Processes whose command line mentions ``marker``."""
    found = subprocess.run(["pgrep", "-af", marker], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if "pgrep" not in line]
