"""The course's grader (python -m course.grading) on a scratch course, with as few graded runs as
possible (the machine has 2 cores; kernels are what costs):

1. ONE parallel class run (the module fixture) of a tiny assignment: every bad-submission and
   tampering case of the grading issue, one student each, plus a student collected from an LMS
   zip. Scores, messages, flags, the gradebook, redacted feedback, byte-identical submissions.
2. The exact commands of examples/github-actions/grade.yml (two shards with ONE worker each, then
   merge and ``nbgrader export``) on some of the same submissions: sequential = parallel, and
   repeated grading gives the same results.
3. Meanwhile, one process each beside the single-worker shards: plain ``nbgrader autograde`` on some of the same submissions
   (the same scores), and ``one`` (the CI command) on the real Lecture 1, solved but with a last
   answer that is wrong and tampers: that exercise loses its points, every other one keeps them,
   no hidden line in the result.
"""

import copy
import csv
import json
import re
import shutil
import subprocess
import zipfile

import nbformat
import pytest
import yaml
from nbformat.v4 import new_notebook

from course.grading.cli import parser as grading_parser
from course.grading.spec import hidden_lines, read_spec
from tests.course_repo import REPO, notebooks, read, tool_env
from tests.grading_course import (DOUBLE, LIMITS, SQUARE, TINY, cell_of, finish, grade_cli, leftover_processes,
                                  make_course, results_of, start_grader, submit_tiny, tree_hashes, with_answer)
from tests.nbgrader_run import read_scores
from tests.secrets_scan import secret_lines

# ---------------------------------------------------------------------------------------------
# The class: one student per case.

WRONG_SQUARE = "def square(x):\n    return np.asarray(x, dtype=float) * 2\n"
INFINITE_LOOP = "while True:\n    pass\n"
STUBBORN_LOOP = "while True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        pass\n"


def tiny_class(solved, released):
    s = solved
    cases = {
        "good": s,
        "stub": released,
        "kernel_exit": with_answer(s, "double", "import os\nos._exit(3)\n" + DOUBLE),
        "segfault": with_answer(s, "double", "import ctypes\nctypes.string_at(0)\n" + DOUBLE),
        # Ignores the interrupt after the cell timeout: the kernel is killed.
        "stubborn_loop": with_answer(s, "double", DOUBLE + STUBBORN_LOOP),
        # A memory bomb after a correct answer; sys.exit before one.
        "memory_and_exit": with_answer(with_answer(s, "square", SQUARE + "hog = bytearray(8 * 1024 ** 3)\n"),
                                       "double", "import sys\nsys.exit(1)\n" + DOUBLE),
        "fork_bomb": with_answer(s, "double", "import os, time\nfor _ in range(100000):\n"
                                 "    if os.fork() == 0:\n        time.sleep(600)\n        os._exit(0)\n" + DOUBLE),
        # Correct answers that loop forever (interrupted at the cell timeout), hook IPython, read
        # outside, warn on stderr, write a file, change directory, print a flood and raise
        # KeyboardInterrupt: full marks, with flags.
        "benign_noise": with_answer(with_answer(
            s, "square", SQUARE + INFINITE_LOOP),
            "double", "get_ipython().events.register('pre_run_cell', lambda *a: None)\n"
                      "try:\n    secret = open('/etc/hostname').read()\nexcept OSError:\n    pass\n"
                      "import os, sys, warnings\nwarnings.warn('careful')\nprint('note', file=sys.stderr)\n"
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
    # Test cells edited and re-typed, cell ids duplicated (written as raw JSON below): restored.
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
    "good": (2, 1), "stub": (0, 0), "kernel_exit": (0, 0), "segfault": (0, 0),
    "stubborn_loop": (0, 0), "memory_and_exit": (2, 0), "fork_bomb": (2, 0),
    "benign_noise": (2, 1), "tamper_numpy": (0, 1), "tamper_checks": (0, 1), "edited_tests": (2, 1),
    "moved_tests": (0, 0), "invalid_json": (0, 0), "old_nbformat": (2, 1), "missing": (0, 0),
    "renamed_and_extra": (2, 1), "ada": (2, 1),
}
NOT_TO_THE_END = "did not run to the end"
MESSAGES = {  # case: (texts in test_square's message, texts in test_double's message)
    "stub": (["NotImplementedError"], ["NotImplementedError"]),
    # As nbgrader: a notebook that does not run to the end scores zero, with the reason.
    "kernel_exit": ([NOT_TO_THE_END, "kernel died"], ["not run", "kernel died"]),
    "segfault": ([NOT_TO_THE_END, "kernel died"], ["not run", "kernel died"]),
    "stubborn_loop": ([NOT_TO_THE_END, "did not stop"], ["not run", "did not stop"]),
    "memory_and_exit": (["passed"], ["NameError"]),
    "fork_bomb": (["passed"], ["NameError"]),
    "benign_noise": (["passed"], ["passed"]),
    # Tests run apart from the student's code: what it replaces changes nothing there.
    "tamper_numpy": (["is wrong"], ["passed"]),
    "tamper_checks": (["is wrong"], ["passed"]),
    "moved_tests": (["square"], ["double"]),
    "invalid_json": (["not valid notebook JSON"], ["not valid notebook JSON"]),
    "missing": (["not submitted"], ["not submitted"]),
}
FLAGGED = {  # case: texts that must appear in its flags or scan findings
    "kernel_exit": ["kernel died"], "segfault": ["kernel died"],
    "stubborn_loop": ["time limit", "did not stop"],
    "benign_noise": ["ran over the time limit of 5 s and was interrupted", "output over",
                     "outside the working directory", "changes directory", "installs a hook"],
    "tamper_numpy": ["replaces np.allclose", "replaces np.isclose", "replaces np.testing.assert_allclose"],
    "tamper_checks": ["replaces checks.check_close", "replaces checks.run", "replaces builtins.abs",
                      "replaces sys.modules"],
    "edited_tests": ["was edited", "changed type", "duplicate cell ids"],
    "moved_tests": ["unknown nbgrader id", "test_square was missing", "test_double was missing"],
    "invalid_json": ["not valid notebook JSON"], "old_nbformat": ["old notebook format"],
    "missing": ["missing"], "renamed_and_extra": ["graded as tiny", "extra notebooks"],
}
L1 = "01_credit_regression"
# Lecture 1, solved, but its last answer is wrong and replaces numpy's comparisons.
TAMPERED_LAST = """np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None

def classifier_gradients(X, Y, W1, b1, W2, b2):
    return 0 * W1, 0 * b1, 0 * W2, 0 * b2
"""


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A scratch course (the tiny assignment and Lecture 1), its untouched gradebook copied for
    plain nbgrader, and the whole tiny class graded ONCE with 2 workers (one student from a zip)."""
    root = make_course(tmp_path_factory.mktemp("grading"), [L1])
    source = root / "source" / TINY
    plain = tmp_path_factory.mktemp("plain")   # for plain nbgrader: same course, no grades yet
    for name in ("source", "release"):
        shutil.copytree(root / name, plain / name)
    for name in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy(root / name, plain / name)
    solved = nbformat.read(str(source / "tiny.ipynb"), as_version=4)
    released = nbformat.read(str(root / "release" / TINY / "tiny.ipynb"), as_version=4)
    for student, nb in tiny_class(solved, released).items():
        submit_tiny(root, student, nb)
    folder = root / "submitted"
    dup = folder / "edited_tests" / TINY / "tiny.ipynb"   # nbformat.write would repair the ids
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
    lms = root / "lms.zip"   # an LMS download (nbgrader's zip_collect file-name conventions)
    with zipfile.ZipFile(lms, "w") as z:
        z.write(folder / "good" / TINY / "tiny.ipynb", f"{TINY}_ada_attempt_2026-11-20-10-00-00_tiny.ipynb")
    before = tree_hashes(folder)
    run = grade_cli(root, "class", TINY, "--zip", str(lms), "--jobs", "2", *LIMITS)
    return {"root": root, "plain": plain, "before": before, "run": run, "solved": solved}


def test_command_line_help():
    top = grading_parser()
    text = top.format_help()
    for command in ("class", "one", "merge"):
        assert command in text
    sub = top._subparsers._group_actions[0].choices
    for name, p in sub.items():
        help_text = p.format_help()
        assert "--course" in help_text and ("--results" in help_text) == (name != "one"), name
        if name not in ("merge", "report"):
            for option in ("--jobs", "--memory-mb", "--cell-timeout", "--notebook-timeout", "--output-mb"):
                assert option in help_text, (name, option)
    assert "--zip" in sub["class"].format_help() and "--shard" in sub["class"].format_help()
    assert "usage: python -m course.grading class" in sub["class"].format_usage()
    for example in ("class --shard 1/2 --raw raw-1 --quiet", "merge raw/* --results grade-report",
                    "--zip lms-download.zip", "--assignment 01_credit_regression --json result.json"):
        assert example in text   # the commands of the README and the workflow


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
    # A clear message on every test: the reason for each case.
    for case, expected in MESSAGES.items():
        cells = {c["grade_id"]: c["message"] for nb in results[case]["notebooks"] for c in nb["cells"]}
        for grade_id, texts in zip(("test_square", "test_double"), expected):
            for text in texts:
                assert text in cells[grade_id], f"{case}/{grade_id}: {text!r} not in {cells[grade_id]!r}"
    for s, r in results.items():
        for nb in r["notebooks"]:
            assert all(c["message"] for c in nb["cells"] if c["kind"] == "test"), s
    # The gradebook agrees (formgrader and nbgrader export read it).
    scores = read_scores(course["root"], TINY)
    assert {s: (scores[s]["tiny"]["test_square"].score, scores[s]["tiny"]["test_double"].score)
            for s in EXPECTED} == {s: tuple(map(float, v)) for s, v in EXPECTED.items()}
    # The batch went on: every student is in the summary, the run itself succeeded, every
    # graded notebook is in autograded/.
    assert all(s in course["run"].stdout for s in EXPECTED)
    for s in EXPECTED:
        if s not in ("invalid_json", "missing"):
            assert (course["root"] / "autograded" / s / TINY / "tiny.ipynb").exists(), s
    # The answer cells really did what each case says (outputs kept for the instructor).
    for case, grade_id, error in [("memory_and_exit", "square", "MemoryError"),
                                  ("memory_and_exit", "double", "SystemExit"),
                                  ("fork_bomb", "double", "BlockingIOError"),
                                  ("benign_noise", "square", "CellTimeoutError"),
                                  ("benign_noise", "double", "KeyboardInterrupt")]:
        nb = nbformat.read(str(course["root"] / "autograded" / case / TINY / "tiny.ipynb"), as_version=4)
        names = [o.get("ename") for o in cell_of(nb, grade_id).outputs if o.output_type == "error"]
        assert error in names, (case, grade_id, names)


def test_submissions_stay_byte_identical(course):
    after = tree_hashes(course["root"] / "submitted")
    assert {k: after.get(k) for k in course["before"]} == course["before"]
    # The zip was collected as nbgrader zip_collect would, and nothing else was added.
    assert set(after) - set(course["before"]) == {f"ada/{TINY}/tiny.ipynb", f"ada/{TINY}/timestamp.txt"}
    assert after[f"ada/{TINY}/tiny.ipynb"] == after[f"good/{TINY}/tiny.ipynb"]
    # The file a student's notebook wrote stayed in the sandbox.
    assert not list((course["root"]).rglob("scratch.txt"))


def test_no_process_or_sandbox_left(course):
    """Every kernel and every process it started (the fork bomb's children) is gone, and so are
    the sandboxes (this run's sandboxes live in root/tmp, so other graders on the machine do
    not count)."""
    tmp = course["root"] / "tmp"
    assert not leftover_processes(str(tmp))
    assert not list(tmp.iterdir())


def test_feedback_never_shows_hidden_tests(course):
    root = course["root"]
    secret = hidden_lines(read_spec(f"sqlite:///{root / 'gradebook.db'}", TINY))
    assert len(secret) >= 3
    secret |= secret_lines()
    files = list((root / "feedback").rglob("*.html")) + list((root / "grades" / TINY).glob("*.json"))
    assert len(files) >= 2 * len(EXPECTED) - 1
    for path in files:
        text = path.read_text()
        leaked = [line for line in secret if line in text or line.split("#")[0].strip() in text]
        assert not leaked, f"{path.name} shows hidden test lines {leaked}"
        assert "BEGIN HIDDEN" not in text and "Traceback" not in text
        if path.suffix == ".html":   # readable from disk, offline: nothing to fetch
            assert not re.search(r"(src|href)=|https?://|<script", text), path
    html = (root / "feedback" / "tamper_numpy" / TINY / "tiny.html").read_text()
    assert "test_square" in html and "failed" in html and "0 / 2" in html


# An example for the instructor's grading repository, kept where it cannot run in this one.
WORKFLOW = REPO / "examples" / "github-actions" / "grade.yml"
PARITY = ["good", "stub", "kernel_exit", "invalid_json", "edited_tests"]
TAMPERING = "tamper_numpy"   # the two graders differ here, as the README says


@pytest.fixture(scope="module")
def side_runs(course, tmp_path_factory):
    """Runs that each keep one core busy, started together and left running while the
    single-worker workflow test grades (2 cores): plain ``nbgrader autograde`` on some of the
    class, and ``one`` on the real Lecture 1."""
    plain = course["plain"]
    for case in PARITY + [TAMPERING]:
        shutil.copytree(course["root"] / "submitted" / case, plain / "submitted" / case)
    nbgrader_run = subprocess.Popen(["nbgrader", "autograde", TINY, "--force"], cwd=plain, env=tool_env(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    work = tmp_path_factory.mktemp("lecture01")
    [(name, path)] = notebooks(L1).items()
    solved = read(path)
    folder = work / "submissions" / "tamperer" / L1
    folder.mkdir(parents=True)
    nbformat.write(with_answer(solved, "classifier_gradients", TAMPERED_LAST), str(folder / f"{name}.ipynb"))
    lecture = {"solved": solved, "folder": folder, "before": tree_hashes(folder), "json": work / "result.json"}
    # A temporary folder too deep for Unix sockets (as a test runner's can be): still graded.
    deep = work / ("deep-temporary-folder-" * 4) / "tmp"
    deep.mkdir(parents=True)
    lecture["run"] = start_grader(course["root"], "one", str(folder), "--assignment", L1,
                                  "--json", str(lecture["json"]), "--cell-timeout", "300",
                                  env={"TMPDIR": str(deep)})
    yield {"nbgrader": nbgrader_run, "lecture": lecture}
    for process in (nbgrader_run, lecture["run"]):
        if process.poll() is None:
            process.kill()
            process.communicate()


def workflow():
    return yaml.safe_load(WORKFLOW.read_text())


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
    text = WORKFLOW.read_text()
    assert "\t" not in text
    assert "submissions/" in text    # hidden tests stay in the instructor's repository


REPEATED = ["good", "kernel_exit", "tamper_checks", "edited_tests"]


def test_workflow_commands_sequential_and_repeated(course, side_runs, tmp_path):
    """The workflow's own commands (gradebook from source, two shards, merge, nbgrader export) in
    a fresh copy, each shard with ONE worker: the same results as the parallel class run."""
    flow = workflow()
    repo = tmp_path / "instructor"
    repo.mkdir()
    shutil.copytree(course["root"] / "source" / TINY, repo / "source" / TINY)
    shutil.copy(REPO / "nbgrader_config.py", repo / "nbgrader_config.py")
    for case in REPEATED:
        shutil.copytree(course["root"] / "submitted" / case / TINY, repo / "submissions" / case / TINY)

    def run_step(job, name, **matrix):
        step = next(s for s in flow["jobs"][job]["steps"] if s.get("name") == name)
        script = step["run"]
        for key, value in matrix.items():
            script = script.replace("${{ matrix.%s }}" % key, str(value))
        script = script.replace("--quiet", "--quiet --jobs 1 " + " ".join(LIMITS))
        env = {**tool_env(), **flow["env"]}
        subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=repo, env=env, check=True,
                       capture_output=True, timeout=600)

    run_step("shard", "Gradebook from source")
    for shard in (1, 2):
        run_step("shard", "Grade shard", shard=shard)
        shutil.copytree(repo / f"raw-{shard}", repo / "raw" / f"raw-{shard}")   # download-artifact
    run_step("merge", "Merge shards")
    first = results_of(course["root"])
    again = {p.stem: json.loads(p.read_text()) for p in (repo / "grade-report" / TINY).glob("*.json")}
    assert set(again) == set(REPEATED)

    def outcome(data):
        return [(nb["notebook"], nb["status"], c["grade_id"], c["points"], c["passed"], c["message"])
                for nb in data["notebooks"] for c in nb["cells"]], data["flags"], data["scan"]

    for case in REPEATED:
        assert outcome(again[case]) == outcome(first[case]), case
    with open(repo / "grade-report" / "grades.csv") as f:
        rows = {r["student"]: float(r["score"]) for r in csv.DictReader(f)}
    assert rows == {case: float(sum(EXPECTED[case])) for case in REPEATED}
    with open(repo / "grade-report" / "nbgrader-export.csv") as f:
        exported = {r["student_id"]: float(r["score"]) for r in csv.DictReader(f)}
    assert exported == rows
    assert (repo / "grade-report" / "feedback" / "good" / TINY / "tiny.html").exists()


def test_same_grades_as_plain_nbgrader(course, side_runs):
    """Plain ``nbgrader autograde`` on the same submissions (its own copy of the course)."""
    side_runs["nbgrader"].wait(timeout=900)   # non-zero: some notebooks fail, as expected
    expected = read_scores(course["plain"], TINY)
    ours = read_scores(course["root"], TINY)
    for case in PARITY:
        assert {k: v.score for k, v in ours[case]["tiny"].items()} == \
               {k: v.score for k, v in expected[case]["tiny"].items()}, case
    # Replacing numpy's comparisons makes every later test fail in nbgrader's kernel; this grader
    # runs the tests apart, so only the wrong answer loses its points.
    assert {k: v.score for k, v in expected[TAMPERING]["tiny"].items()} == {"test_square": 0.0, "test_double": 0.0}
    assert {k: v.score for k, v in ours[TAMPERING]["tiny"].items()} == {"test_square": 0.0, "test_double": 1.0}


def test_one_lecture01_tampered(course, side_runs):
    """``one`` (the CI command) on the real Lecture 1: the solution everywhere, but the last
    answer is wrong and replaces numpy's comparisons. Every earlier test keeps its points (the
    grader runs the real lecture: plots, widgets, data), the last one scores zero."""
    lecture = side_runs["lecture"]
    run = finish(lecture["run"])
    assert run.returncode == 0      # a student doing badly is not a grading failure
    assert tree_hashes(lecture["folder"]) == lecture["before"]
    data = json.loads(lecture["json"].read_text())
    assert data["student"] == "tamperer" and data["assignment"] == L1
    cells = {c["grade_id"]: c for nb in data["notebooks"] for c in nb["cells"]}
    tests = [c.metadata.nbgrader.grade_id for c in lecture["solved"].cells
             if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.nbgrader.get("solution")]
    assert tests[-1] == "test_classifier_gradients" and len(tests) >= 8
    for grade_id in tests:
        cell = cells[grade_id]
        assert set(cell) >= {"grade_id", "points", "max", "message", "passed"}
        if grade_id == tests[-1]:
            assert cell["points"] == 0 and not cell["passed"] and "all zeros" in cell["message"], cell
        else:
            assert cell["points"] == cell["max"] and cell["passed"], cell
    assert any("np.allclose" in s for s in data["scan"])
    assert data["notebooks"][0]["timings"]["total"] > 0
    text = lecture["json"].read_text()
    assert not [line for line in secret_lines() if line in text]
    bad = grade_cli(course["root"], "one", str(lecture["folder"]), "--assignment", "no_such", check=False)
    assert bad.returncode != 0 and "no_such" in bad.stderr
