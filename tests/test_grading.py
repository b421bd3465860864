"""The course's grader (python -m course.grading) on a scratch course: every bad-submission and
tampering case of the grading issue in ONE graded class run of a tiny assignment, the same
answers as plain nbgrader, parallel = sequential = repeated, redacted feedback, byte-identical
submissions, sharding and merging with the exact commands of .github/workflows/grade.yml, and
Lecture 1 (solution full marks, tampered answer loses points) through the real grader."""

import copy
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.grading.spec import hidden_lines, read_spec
from tests.course_repo import REPO, RELEASE, SOURCE, tool_env
from tests.nbgrader_run import make_course, nbgrader, read_scores, submit

TINY = "00_tiny"
LIMITS = ["--cell-timeout", "5", "--notebook-timeout", "60", "--memory-mb", "1024",
          "--processes", "64", "--output-mb", "1"]


def meta(grade_id, grade=False, solution=False, locked=False, points=None):
    m = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
         "solution": solution, "task": False}
    if points is not None:
        m["points"] = points
    return {"nbgrader": m}


SQUARE = 'def square(x):\n    """x squared, elementwise."""\n    ### BEGIN SOLUTION\n    return np.asarray(x, dtype=float) ** 2\n    ### END SOLUTION\n'
DOUBLE = 'def double(x):\n    """Twice x."""\n    ### BEGIN SOLUTION\n    return 2 * np.asarray(x, dtype=float)\n    ### END SOLUTION\n'
TEST_SQUARE = ('checks.check_close("square(3)", checks.run(square, 3.0), 9.0)\n'
               '### BEGIN HIDDEN TESTS\n'
               '_hidden_square_range = checks.run(square, np.arange(7.0))  # secret square check\n'
               'checks.check_close("square of a range", _hidden_square_range, np.arange(7.0) ** 2)\n'
               '### END HIDDEN TESTS\n')
TEST_DOUBLE = ('checks.check_close("double(4)", checks.run(double, 4.0), 8.0)\n'
               '### BEGIN HIDDEN TESTS\n'
               'checks.check_close("double of minus three point five", checks.run(double, -3.5), -7.0)\n'
               '### END HIDDEN TESTS\n')


def tiny_source():
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})
    nb.cells = [
        new_code_cell("import numpy as np\nfrom course import checks", metadata=meta("setup", locked=True)),
        new_markdown_cell("Square, then double."),
        new_code_cell(SQUARE, metadata=meta("square", solution=True)),
        new_code_cell(TEST_SQUARE, metadata=meta("test_square", grade=True, locked=True, points=2)),
        new_code_cell(DOUBLE, metadata=meta("double", solution=True)),
        new_code_cell(TEST_DOUBLE, metadata=meta("test_double", grade=True, locked=True, points=1)),
    ]
    return nb


def grade_cli(root, *args, check=True):
    result = subprocess.run([sys.executable, "-m", "course.grading", *args, "--course", str(root)],
                            cwd=root, env=tool_env(), capture_output=True, text=True, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"grader failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def cell_of(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def with_answer(nb, grade_id, source):
    nb = copy.deepcopy(nb)
    cell_of(nb, grade_id).source = source
    return nb


def tree_hashes(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------
# The class: one student per case.

WRONG_SQUARE = "def square(x):\n    return np.asarray(x, dtype=float) * 2\n"


def tiny_class(solved, released):
    s = solved
    cases = {
        "good": s,
        "stub": released,
        "kernel_exit": with_answer(s, "double", "import os\nos._exit(3)\n" + DOUBLE),
        "segfault": with_answer(s, "double", "import ctypes\nctypes.string_at(0)\n" + DOUBLE),
        "infinite_loop": with_answer(s, "double", DOUBLE + "while True:\n    pass\n"),
        "stubborn_loop": with_answer(s, "double", DOUBLE + "while True:\n    try:\n        while True:\n"
                                     "            pass\n    except KeyboardInterrupt:\n        pass\n"),
        # A memory bomb after a correct answer; sys.exit before one.
        "memory_and_exit": with_answer(with_answer(s, "square", SQUARE + "hog = bytearray(8 * 1024 ** 3)\n"),
                                       "double", "import sys\nsys.exit(1)\n" + DOUBLE),
        "fork_bomb": with_answer(s, "double", "import os, time\nfor _ in range(100000):\n"
                                 "    if os.fork() == 0:\n        time.sleep(600)\n        os._exit(0)\n" + DOUBLE),
        # Correct answers that hook IPython, read outside, warn on stderr, write a file, change
        # directory, print a flood and raise KeyboardInterrupt: full marks, with flags.
        "benign_noise": with_answer(with_answer(
            s, "square", "get_ipython().events.register('pre_run_cell', lambda *a: None)\n"
                         "secret = open('/etc/hostname').read()\n" + SQUARE),
            "double", "import os, sys, warnings\nwarnings.warn('careful')\nprint('note', file=sys.stderr)\n"
                      "open('scratch.txt', 'w').write('x')\nos.chdir('/')\n" + DOUBLE
                      + "for i in range(30000):\n    print('x' * 200)\nraise KeyboardInterrupt\n"),
        "tamper_numpy": with_answer(s, "square", "np.allclose = lambda *a, **k: True\n"
                                    "np.isclose = lambda *a, **k: True\n"
                                    "np.testing.assert_allclose = lambda *a, **k: None\n" + WRONG_SQUARE),
        "tamper_checks": with_answer(s, "square", "checks.check_close = lambda *a, **k: None\n"
                                     "checks.run = lambda f, *a, **k: f(*a, **k)\n"
                                     "import builtins, sys\nbuiltins.abs = lambda x: 0\n"
                                     "sys.modules['numpy.testing'] = None\n" + WRONG_SQUARE),
    }
    # Test cells edited and re-typed, cell ids duplicated: restored, full marks.
    edited = copy.deepcopy(s)
    cell_of(edited, "test_square").source = "print('all good')"
    cell = cell_of(edited, "test_double")
    cell.cell_type = "markdown"
    del cell["outputs"], cell["execution_count"]
    cases["edited_tests"] = edited
    # A test re-pointed to another id (and worth 100), another deleted: both put back.
    moved = with_answer(with_answer(s, "square", WRONG_SQUARE), "double", "def double(x):\n    return x\n")
    cell_of(moved, "test_square").metadata.nbgrader.update(grade_id="test_extra", points=100, grade=False)
    moved.cells = [c for c in moved.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_double"]
    cases["moved_tests"] = moved
    return cases


EXPECTED = {  # (test_square, test_double) scores
    "good": (2, 1), "stub": (0, 0), "kernel_exit": (2, 0), "segfault": (2, 0),
    "infinite_loop": (2, 1), "stubborn_loop": (2, 0), "memory_and_exit": (2, 0), "fork_bomb": (2, 0),
    "benign_noise": (2, 1), "tamper_numpy": (0, 0), "tamper_checks": (0, 0), "edited_tests": (2, 1),
    "moved_tests": (0, 0), "invalid_json": (0, 0), "old_nbformat": (2, 1), "missing": (0, 0),
    "renamed_and_extra": (2, 1),
}
FLAGGED = {  # case: texts that must appear in its flags or scan findings
    "kernel_exit": ["kernel died"], "segfault": ["kernel died"], "stubborn_loop": ["time limit"],
    "benign_noise": ["output over", "outside the working directory", "changes directory",
                     "IPython hooks added", "installs a hook"],
    "tamper_numpy": ["replaces np.allclose", "replaces np.testing.assert_allclose", "replaced during the run"],
    "tamper_checks": ["replaces checks.check_close", "replaces builtins.abs", "replaces sys.modules"],
    "edited_tests": ["was edited", "changed type", "duplicate"],
    "moved_tests": ["unknown nbgrader id", "test_square was missing", "test_double was missing"],
    "invalid_json": ["not valid notebook JSON"], "old_nbformat": ["old notebook format"],
    "missing": ["missing"], "renamed_and_extra": ["graded as tiny", "extra notebooks"],
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A scratch course with the tiny assignment; the whole class graded once (2 workers)."""
    root = tmp_path_factory.mktemp("grading")
    source = root / "source" / TINY
    source.mkdir(parents=True)
    nbformat.write(tiny_source(), str(source / "tiny.ipynb"))
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    nbgrader(["generate_assignment", TINY, "--force"], cwd=root)
    solved = nbformat.read(str(source / "tiny.ipynb"), as_version=4)
    released = nbformat.read(str(root / "release" / TINY / "tiny.ipynb"), as_version=4)
    for student, nb in tiny_class(solved, released).items():
        submit(root, TINY, student, {"tiny": nb})
    folder = root / "submitted"
    dup = folder / "edited_tests" / TINY / "tiny.ipynb"   # nbformat.write would fix the ids
    data = json.loads(dup.read_text())
    for c in data["cells"]:
        c["id"] = "same"
    dup.write_text(json.dumps(data))
    (folder / "invalid_json" / TINY).mkdir(parents=True)
    (folder / "invalid_json" / TINY / "tiny.ipynb").write_text('{"cells": [ oops')
    (folder / "old_nbformat" / TINY).mkdir(parents=True)
    nbformat.write(nbformat.convert(solved, 3), str(folder / "old_nbformat" / TINY / "tiny.ipynb"), version=3)
    (folder / "missing" / TINY).mkdir(parents=True)
    (folder / "missing" / TINY / "notes.txt").write_text("forgot the notebook")
    (folder / "renamed_and_extra" / TINY).mkdir(parents=True)
    nbformat.write(solved, str(folder / "renamed_and_extra" / TINY / "tiny (1).ipynb"))
    nbformat.write(new_notebook(), str(folder / "renamed_and_extra" / TINY / "scratch.ipynb"))
    before = tree_hashes(folder)
    run = grade_cli(root, "class", TINY, "--jobs", "2", *LIMITS)
    return {"root": root, "before": before, "run": run, "solved": solved}


def results_of(root, results="grades"):
    return {p.stem: json.loads(p.read_text()) for p in (Path(root) / results / TINY).glob("*.json")}


def test_every_case_is_graded(course):
    results = results_of(course["root"])
    assert set(results) == set(EXPECTED)
    got = {s: tuple(next((c["points"] for nb in r["notebooks"] for c in nb["cells"] if c["grade_id"] == t), None)
                    for t in ("test_square", "test_double")) for s, r in results.items()}
    wrong = {s: (got[s], EXPECTED[s]) for s in EXPECTED if got[s] != EXPECTED[s]}
    assert not wrong, f"(got, expected): {wrong}"
    for case, texts in FLAGGED.items():
        notes = " | ".join(results[case]["flags"] + results[case]["scan"])
        for text in texts:
            assert text in notes, f"{case}: {text!r} not in {notes!r}"
    # The gradebook agrees (formgrader and nbgrader export read it).
    scores = read_scores(course["root"], TINY)
    assert {s: (scores[s]["tiny"]["test_square"].score, scores[s]["tiny"]["test_double"].score)
            for s in EXPECTED} == {s: tuple(map(float, v)) for s, v in EXPECTED.items()}
    # Every case leaves a message on failed tests, and the run lists every student.
    for s, r in results.items():
        for nb in r["notebooks"]:
            assert all(c["message"] for c in nb["cells"] if c["kind"] == "test"), s
    assert all(s in course["run"].stdout for s in EXPECTED)


def test_submissions_stay_byte_identical(course):
    assert tree_hashes(course["root"] / "submitted") == course["before"]


def test_no_process_or_sandbox_left(course):
    leftovers = subprocess.run(["pgrep", "-f", "course.grading.limits"], capture_output=True, text=True)
    assert not leftovers.stdout.strip()
    cgroups = Path("/sys/fs/cgroup/pids/course-grading")
    if cgroups.is_dir():
        assert not [p for p in cgroups.iterdir() if p.is_dir()]


def test_feedback_never_shows_hidden_tests(course):
    root = course["root"]
    spec = read_spec(f"sqlite:///{root / 'gradebook.db'}", TINY)
    secret = hidden_lines(spec)
    assert len(secret) >= 3
    files = list((root / "feedback").rglob("*.html")) + list((root / "grades" / TINY).glob("*.json"))
    assert len(files) >= 2 * len(EXPECTED) - 1
    for path in files:
        text = path.read_text()
        leaked = [line for line in secret if line in text or line.split("#")[0].strip() in text]
        assert not leaked, f"{path.name} shows hidden test lines {leaked}"
        assert "BEGIN HIDDEN" not in text and "Traceback" not in text
    html = (root / "feedback" / "tamper_numpy" / TINY / "tiny.html").read_text()
    assert "test_square" in html and "failed" in html and "0 / 2" in html


def test_same_grades_as_nbgrader_sequential_and_repeated(course, tmp_path):
    """Plain nbgrader on some cases, our grader sequentially (-j 1) on a copy: identical scores."""
    cases = ["good", "stub", "edited_tests", "tamper_numpy"]
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copytree(course["root"] / "source", plain / "source")
    shutil.copy(REPO / "nbgrader_config.py", plain / "nbgrader_config.py")
    nbgrader(["generate_assignment", TINY, "--force"], cwd=plain)
    for case in cases:
        shutil.copytree(course["root"] / "submitted" / case, plain / "submitted" / case)
    nbgrader(["autograde", TINY, "--force"], cwd=plain)
    expected = read_scores(plain, TINY)
    ours = read_scores(course["root"], TINY)
    for case in cases:
        assert {k: v.score for k, v in ours[case]["tiny"].items()} == \
               {k: v.score for k, v in expected[case]["tiny"].items()}, case
    # Again, sequentially, into a fresh results folder: the same grades.
    grade_cli(course["root"], "class", TINY, "--jobs", "1", "--students", ",".join(cases),
              "--no-gradebook", "--results", "again", *LIMITS)
    first, again = results_of(course["root"]), results_of(course["root"], "again/raw")
    for case in cases:
        assert [c["points"] for nb in again[case]["results"] for c in nb["cells"]] == \
               [c["points"] for nb in first[case]["notebooks"] for c in nb["cells"]], case


def test_ci_one_submission_json(course, tmp_path):
    out = tmp_path / "result.json"
    folder = course["root"] / "submitted" / "tamper_checks" / TINY
    run = grade_cli(course["root"], "one", str(folder), "--assignment", TINY, "--json", str(out), *LIMITS)
    assert run.returncode == 0      # a student doing badly is not a grading failure
    data = json.loads(out.read_text())
    assert data["student"] == "tamper_checks" and data["score"] == 0 and data["max_score"] == 3
    cell = data["notebooks"][0]["cells"][1]
    assert set(cell) >= {"grade_id", "points", "max", "message", "passed"}
    assert "replaced" in cell["message"]
    assert data["flags"] and data["scan"] and data["notebooks"][0]["timings"]["total"] > 0
    bad = grade_cli(course["root"], "one", str(folder), "--assignment", "no_such", check=False)
    assert bad.returncode != 0


def workflow():
    return yaml.safe_load((REPO / ".github" / "workflows" / "grade.yml").read_text())


def test_workflow_is_well_formed():
    flow = workflow()
    on = flow.get("on", flow.get(True))
    assert "push" in on and flow["permissions"] == {"contents": "read"}
    jobs = flow["jobs"]
    assert set(jobs) == {"shard", "merge"} and jobs["merge"]["needs"] == "shard"
    assert jobs["shard"]["strategy"]["matrix"]["shard"] == list(range(1, int(flow["env"]["SHARDS"]) + 1))
    for job in jobs.values():
        assert job["runs-on"]
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            if "uses" in step:
                assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), step["uses"]
            for ref in re.findall(r"\$\{\{\s*([^}]*?)\s*\}\}", json.dumps(step)):
                assert ref.startswith(("matrix.", "env.", "secrets.", "github.")), ref
    text = (REPO / ".github" / "workflows" / "grade.yml").read_text()
    assert "\t" not in text
    assert "submissions/" in text    # hidden tests stay in the instructor's repository


def test_workflow_commands_shard_and_merge(course, tmp_path):
    """Run the workflow's own grade and merge commands on two students, in two shards."""
    flow = workflow()
    repo = tmp_path / "instructor"
    repo.mkdir()
    shutil.copytree(course["root"] / "source", repo / "source")
    shutil.copy(REPO / "nbgrader_config.py", repo / "nbgrader_config.py")
    for case in ("good", "tamper_numpy"):
        shutil.copytree(course["root"] / "submitted" / case, repo / "submissions" / case)

    def run_step(job, name, **matrix):
        step = next(s for s in flow["jobs"][job]["steps"] if s.get("name") == name)
        script = step["run"]
        for key, value in matrix.items():
            script = script.replace("${{ matrix.%s }}" % key, str(value))
        script = script.replace("--quiet", "--quiet " + " ".join(LIMITS))
        env = {**tool_env(), **flow["env"]}
        subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=repo, env=env, check=True,
                       capture_output=True, timeout=600)

    run_step("shard", "Gradebook from source")
    for shard in (1, 2):
        run_step("shard", "Grade shard", shard=shard)
        shutil.copytree(repo / f"raw-{shard}", repo / "raw" / f"raw-{shard}")   # download-artifact
    run_step("merge", "Merge shards")
    with open(repo / "grade-report" / "grades.csv") as f:
        rows = {r["student"]: float(r["score"]) for r in csv.DictReader(f)}
    assert rows == {"good": 3.0, "tamper_numpy": 0.0}
    with open(repo / "grade-report" / "nbgrader-export.csv") as f:
        exported = {r["student_id"]: float(r["score"]) for r in csv.DictReader(f)}
    assert exported == rows
    assert (repo / "grade-report" / "feedback" / "good" / TINY / "tiny.html").exists()


def test_zip_collect(course, tmp_path):
    """An LMS zip (nbgrader's zip_collect file-name conventions) is collected and graded."""
    root = tmp_path / "zipcourse"
    root.mkdir()
    shutil.copytree(course["root"] / "source", root / "source")
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    nbgrader(["generate_assignment", TINY, "--force"], cwd=root)
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(course["root"] / "submitted" / "good" / TINY / "tiny.ipynb",
                f"{TINY}_ada_attempt_2026-11-20-10-00-00_tiny.ipynb")
    grade_cli(root, "class", TINY, "--zip", str(archive), "--jobs", "1", *LIMITS)
    assert json.loads((root / "grades" / TINY / "ada.json").read_text())["score"] == 3


def test_lecture01_through_the_grader(tmp_path):
    """The real Lecture 1: the solution gets every autograded point, a wrong answer that
    replaces numpy's comparisons loses its exercise; no hidden line reaches the feedback."""
    from tests.catalogues.lecture01 import ASSIGNMENT, VARIANTS
    from tests.test_autograde import with_cells
    from tests.course_repo import notebooks, read, test_cell_ids
    root = make_course(tmp_path / "l1", [ASSIGNMENT])
    name, path = next(iter(notebooks(ASSIGNMENT).items()))
    solved = read(path)
    tamper = next(v for v in VARIANTS if v.name == "grads_tampered_checks")
    submit(root, ASSIGNMENT, "solution", {name: solved})
    submit(root, ASSIGNMENT, "tamper", {name: with_cells(solved, tamper.cells)})
    grade_cli(root, "class", ASSIGNMENT, "--jobs", "2", "--cell-timeout", "300")
    scores = read_scores(root, ASSIGNMENT)
    tests = test_cell_ids(solved)
    assert all(scores["solution"][name][t].score == scores["solution"][name][t].max_score for t in tests)
    assert scores["tamper"][name]["test_one_neuron_gradients"].score == 0
    result = json.loads((root / "grades" / ASSIGNMENT / "tamper.json").read_text())
    assert any("np.allclose" in s for s in result["scan"])
    secret = hidden_lines(read_spec(f"sqlite:///{root / 'gradebook.db'}", ASSIGNMENT))
    for html in (root / "feedback").rglob("*.html"):
        text = html.read_text()
        assert not [line for line in secret if len(line) >= 16 and line in text], html
