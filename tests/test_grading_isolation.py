"""The grader against a hostile class: every attack of a student who wants full marks for wrong
answers, the instructor's solutions, or another student's zero, in ONE run of the real
``class`` command with two workers (several students at once), beside honest students.

Each attacker hands in a wrong answer plus the attack; it must score exactly what the wrong
answer alone scores (graded in the same run), every other student exactly what they score when
graded alone (a second run), and the course (gradebook, source/, submitted/, the venv's
site-packages) must come out untouched, the command must succeed and leave no process behind.
Also here: an honest student's accidents (a copied cell, deleted tests, output written to the
file descriptors) cost nothing, and no feedback shows a hidden test in any spelling.
"""

import copy
import html
import json
import os
import site
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course.grading.redact import normalise
from course.grading.spec import hidden_lines, read_spec
from tests.nbgrader_run import read_scores
from tests.grading_course import (DOUBLE, LIMITS, SQUARE, TINY, cell_of, grade_cli, leftover_processes,
                                  make_course, points, results_of, solved, submit_tiny,
                                  tree_hashes, with_answer)

WRONG_SQUARE = "def square(x):\n    return np.asarray(x, dtype=float) * 3\n"   # right at 0 and 3 only
WRONG_DOUBLE = "def double(x):\n    return np.asarray(x, dtype=float) * 3\n"
SECRET_ENV = "COURSE_GRADER_ONLY_SECRET"

# Code that looks for the course folder from inside the notebook: up from the working directory
# and from every process's working directory it can see, and down from / (a few levels).
FIND_COURSE = '''
import os, glob
def _course_folders():
    starts = [os.getcwd()] + [f"/proc/{p}/cwd" for p in os.listdir("/proc") if p.isdigit()]
    found = set()
    for start in starts:
        d = start
        for _ in range(12):
            try:
                if os.path.exists(os.path.join(d, "gradebook.db")) or os.path.isdir(os.path.join(d, "source")):
                    found.add(os.path.realpath(d))
            except OSError:
                pass
            d = os.path.dirname(d)
    for depth in range(1, 6):
        if found:
            break
        for hit in glob.glob("/" + "/".join(["*"] * depth) + "/gradebook.db"):
            found.add(os.path.dirname(hit))
    return sorted(found)
'''

SYSTEM_ATTACKS = {   # issue: the sandbox (student code reaches nothing outside its notebook)
    "steal_solutions": FIND_COURSE + '''
import json
for _folder in _course_folders():
    for _path in glob.glob(os.path.join(_folder, "source", "*", "*.ipynb")):
        for _cell in json.load(open(_path))["cells"]:
            _src = "".join(_cell["source"])
            if "BEGIN SOLUTION" in _src:
                exec(_src.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))
''',
    "write_gradebook": FIND_COURSE + '''
from nbgrader.api import Gradebook
for _folder in _course_folders():
    try:
        with Gradebook("sqlite:///" + os.path.join(_folder, "gradebook.db")) as _gb:
            for _cell in _gb.find_notebook("tiny", "00_tiny").grade_cells:
                _cell.max_score = 100
            _gb.update_or_create_student("sys_write_gradebook", first_name="full marks")
            _gb.db.commit()
    except Exception:
        pass
''',
    "poison_site_packages": '''
import site, os
_hack = ("import sys; exec('import course.checks as _c\\\\nfor _n in dir(_c):\\\\n    "
         "if _n.startswith(\\\\'check\\\\'): setattr(_c, _n, lambda *a, **k: None)')\\n")
for _d in site.getsitepackages() + [site.getusersitepackages()]:
    try:
        os.makedirs(_d, exist_ok=True)
        open(os.path.join(_d, "zz_course_hack.pth"), "w").write(_hack)
    except OSError:
        pass
''',
    "kill_other_kernels": '''
import os, signal
for _p in os.listdir("/proc"):
    if _p.isdigit() and int(_p) != os.getpid():
        try:
            os.kill(int(_p), signal.SIGKILL)
        except OSError:
            pass
''',
    "delete_course_files": FIND_COURSE + '''
import shutil
for _folder in _course_folders():
    for _victim in glob.glob(os.path.join(_folder, "submitted", "*")):
        if not _victim.endswith("delete_course_files"):
            shutil.rmtree(_victim, ignore_errors=True)
    try:
        os.remove(os.path.join(_folder, "gradebook.db"))
    except OSError:
        pass
''',
    "kill_ancestors": '''
import os, signal
_pid = os.getpid()
while _pid > 1:
    try:
        _pid = int(next(l for l in open(f"/proc/{_pid}/status") if l.startswith("PPid:")).split()[1])
        os.kill(_pid, signal.SIGKILL)
    except (OSError, StopIteration, ValueError):
        break
''',
    "leave_a_process": '''
import subprocess, os
subprocess.Popen(["sleep", "600"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "601"])
    os._exit(0)
''',
}

KERNEL_ATTACKS = {   # issue: tests apart (nothing in the kernel changes what a test computes)
    "transformer_cleanup": "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n",
    "transformer_post": "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n",
    "event_hooks": '''
def _swallow(result=None, *args):
    if result is not None and getattr(result, "error_in_exec", None) is not None:
        result.error_in_exec = None
get_ipython().events.register("post_run_cell", _swallow)
get_ipython().events.register("pre_run_cell", lambda *a: None)
get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)
''',
    "trace_arguments": '''
import sys, ctypes
def _tracer(frame, event, arg):
    if event == "call" and frame.f_code.co_name in ("check_close", "diagnose"):
        if "got" in frame.f_locals and "expected" in frame.f_locals:
            frame.f_locals["got"] = frame.f_locals["expected"]
            ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))
    return None
sys.settrace(_tracer)
sys.setprofile(lambda *a: None)
''',
    "swap_check_code": '''
from course import checks as _checks
for _name in dir(_checks):
    _f = getattr(_checks, _name)
    if callable(_f) and hasattr(_f, "__code__") and _name.startswith(("check", "diagnose")):
        _f.__code__ = (lambda *a, **k: None).__code__
''',
    "rebind_checks": '''
class _NoChecks:
    def __getattr__(self, name):
        return (lambda f, *a, **k: None) if name == "run" else (lambda *a, **k: None)
checks = _NoChecks()
''',
    "atexit_and_builtins": '''
import atexit, builtins, os
atexit.register(lambda: os._exit(0))
builtins.abs = lambda x: 0
builtins.set = lambda *a: {1}
__builtins__.sum = lambda *a, **k: 0
__builtins__.round = lambda *a, **k: 0
''',
    "rebind_numpy_and_data": '''
class _AllClose:
    def __getattr__(self, name):
        import numpy
        return (lambda *a, **k: True) if name in ("allclose", "isclose", "array_equal") else getattr(numpy, name)
np = _AllClose()
xs = __import__("numpy").array([0.0, 3.0])     # where the wrong square happens to be right
doubled = 2 * xs
''',
    "lying_objects": '''
class _Liar:
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = lambda self, other: True
    __sub__ = __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = lambda self, other: 0.0
    __abs__ = lambda self: 0.0
    __array_ufunc__ = lambda self, *a, **k: 0.0
    __float__ = lambda self: 9.0
    __len__ = lambda self: 7
def double(x):
    return _Liar()
''',
}


def accidents(good, hidden):
    """Correct notebooks with an honest student's everyday accidents, and a student who tries to
    carry hidden tests (known from elsewhere) out through feedback."""
    copied = copy.deepcopy(good)
    at = copied.cells.index(cell_of(copied, "square"))
    copied.cells.insert(at + 1, copy.deepcopy(copied.cells[at]))          # a pasted copy...
    copied.cells[at].source = "def square(x):\n    return 'first attempt'\n"   # ...the first one abandoned
    copied.cells[at + 1]["id"] = "pasted-1"
    at = copied.cells.index(cell_of(copied, "test_double"))
    copied.cells.insert(at, copy.deepcopy(copied.cells[at]))              # a copied test cell
    copied.cells[at]["id"] = "pasted-2"
    no_tests = copy.deepcopy(good)
    no_tests.cells = [c for c in no_tests.cells
                      if not (c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution"))]
    fd_noise = with_answer(good, "square", SQUARE.replace('    """x squared, elementwise."""\n', '''    """x squared, elementwise."""
    import os, subprocess
    os.write(1, b"to fd 1\\n")
    os.write(2, b"to fd 2\\n")
    subprocess.run(["sh", "-c", "echo from a subprocess >&2"])
'''))
    spelled = [line.replace(" ", "\u00a0") for line in hidden] + [line.replace(" ", "\u2002 ") for line in hidden]
    leak = with_answer(good, "double", f'''
_hidden = {spelled!r}
def _quote(result=None, *args):
    for _f in list(globals().values()):
        if callable(_f) and hasattr(_f, "__qualname__"):
            try:
                _f.__qualname__ = " ".join(get_ipython().user_ns.get("In", [""])[-1:])
            except Exception:
                pass
get_ipython().events.register("post_run_cell", _quote)
import sys
for _line in _hidden:
    print(_line)
    print(_line, file=sys.stderr)
def double(x):
    raise ValueError(" | ".join(_hidden))
''')
    return {"acc_copied_cell": copied, "acc_deleted_tests": no_tests, "acc_fd_noise": fd_noise,
            "leak_hidden_lines": leak}


def attacker(base, cell, wrong, attack):
    """``base`` with ``cell`` holding a wrong answer and the attack (the attack last, so that
    what it changes is in force when the tests run)."""
    return with_answer(base, cell, wrong + attack)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("hostile"))
    good = solved(root)
    students = {
        "aa_honest": good,
        "ab_wrong_square": with_answer(good, "square", WRONG_SQUARE),
        "ac_wrong_double": with_answer(good, "double", WRONG_DOUBLE),
        "zz_victim_wrong": with_answer(good, "square", WRONG_SQUARE),   # graded after the attackers
        "zz_victim_honest": good,
    }
    for name, attack in SYSTEM_ATTACKS.items():
        students[f"sys_{name}"] = attacker(good, "square", WRONG_SQUARE, attack)
    for name, attack in KERNEL_ATTACKS.items():
        students[f"kernel_{name}"] = attacker(good, "double", WRONG_DOUBLE, attack)
    # Rebound data must come before the test that reads it, beside a wrong answer it would hide.
    students["kernel_rebind_numpy_and_data"] = attacker(good, "square", WRONG_SQUARE,
                                                        KERNEL_ATTACKS["rebind_numpy_and_data"])
    hidden = sorted(hidden_lines(read_spec(f"sqlite:///{root / 'gradebook.db'}", TINY)))
    students.update(accidents(good, hidden))
    for name, nb in students.items():
        submit_tiny(root, name, nb)
    site_packages = Path(site.getsitepackages()[0])
    before = {"submitted": tree_hashes(root / "submitted"), "source": tree_hashes(root / "source"),
              "site": tree_hashes(site_packages, "*.pth"), "listing": sorted(os.listdir(site_packages))}
    run = grade_cli(root, "class", TINY, "--jobs", "2", *LIMITS, env={SECRET_ENV: "only-the-grader-knows"})
    # The same honest and wrong students graded alone, in a course of their own.
    alone = make_course(tmp_path_factory.mktemp("alone"))
    for name in ("aa_honest", "ab_wrong_square", "ac_wrong_double", "zz_victim_wrong", "zz_victim_honest"):
        submit_tiny(alone, name, students[name])
    grade_cli(alone, "class", TINY, "--jobs", "2", *LIMITS)
    return {"root": root, "alone": alone, "before": before, "run": run, "site": site_packages,
            "students": students, "hidden": hidden}


def test_attacks_score_what_their_wrong_answer_scores(hostile):
    results = results_of(hostile["root"])
    assert set(results) == set(hostile["students"]), "every student is graded"
    wrong_square = points(results["ab_wrong_square"])
    wrong_double = points(results["ac_wrong_double"])
    assert wrong_square == (0.0, 1.0) and wrong_double == (2.0, 0.0)
    got = {name: points(r) for name, r in results.items()}
    expected = {f"sys_{n}": wrong_square for n in SYSTEM_ATTACKS}
    expected.update({f"kernel_{n}": wrong_double for n in KERNEL_ATTACKS})
    expected["kernel_rebind_numpy_and_data"] = wrong_square
    expected.update({n: (2.0, 1.0) for n in ("acc_copied_cell", "acc_deleted_tests", "acc_fd_noise")})
    expected["leak_hidden_lines"] = (2.0, 0.0)   # its double raises
    wrong = {n: (got[n], e) for n, e in expected.items() if got[n] != e}
    assert not wrong, f"(got, expected): {wrong}"


def test_other_students_score_as_when_graded_alone(hostile):
    together, alone = results_of(hostile["root"]), results_of(hostile["alone"])
    for name in alone:
        assert points(together[name]) == points(alone[name]), name
        assert [c["message"] for nb in together[name]["notebooks"] for c in nb["cells"]] == \
               [c["message"] for nb in alone[name]["notebooks"] for c in nb["cells"]], name
    assert points(alone["aa_honest"]) == (2.0, 1.0)


def test_course_files_are_untouched(hostile):
    root, before = hostile["root"], hostile["before"]
    assert tree_hashes(root / "submitted") == before["submitted"]
    assert tree_hashes(root / "source") == before["source"]
    assert tree_hashes(hostile["site"], "*.pth") == before["site"]
    assert sorted(os.listdir(hostile["site"])) == before["listing"]
    # The gradebook holds what the grader wrote, nothing else: every student, every score as in
    # the JSON results, the maximum scores of the assignment.
    spec = read_spec(f"sqlite:///{root / 'gradebook.db'}", TINY)
    maxima = {g: c["points"] for g, c in spec["notebooks"]["tiny"]["cells"].items() if c["grade"]}
    assert maxima == {"test_square": 2.0, "test_double": 1.0}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert {s.id for s in gb.students} == set(hostile["students"])
        assert all(not s.first_name for s in gb.students)
    scores = read_scores(root, TINY)
    for name, result in results_of(root).items():
        assert (scores[name]["tiny"]["test_square"].score, scores[name]["tiny"]["test_double"].score) == points(result)


def test_command_succeeds_and_leaves_nothing_behind(hostile):
    root = hostile["root"]
    assert hostile["run"].returncode == 0
    assert all(name in hostile["run"].stdout for name in hostile["students"])
    assert not leftover_processes(str(root / "tmp"))
    assert not leftover_processes("sleep 60")
    assert not list((root / "tmp").iterdir())


def test_kernels_see_only_their_sandbox(hostile):
    """What the attacks saw: no course folder, only the sandbox's processes, a minimal
    environment without the grader's variables."""
    nb = nbformat.read(str(hostile["root"] / "autograded" / "aa_honest" / TINY / "tiny.ipynb"), as_version=4)
    assert nb   # graded notebooks are kept for the instructor
    probe = with_answer(solved(hostile["root"]), "square", SQUARE + '''
import os, json
print(json.dumps({"env": sorted(os.environ), "procs": sorted(p for p in os.listdir("/proc") if p.isdigit()),
                  "root": sorted(os.listdir("/")), "uid": os.getuid()}))
''' + FIND_COURSE + "print(json.dumps({'course': _course_folders()}))\n")
    folder = hostile["root"] / "probe"
    folder.mkdir()
    nbformat.write(probe, str(folder / "tiny.ipynb"))
    out = hostile["root"] / "probe.json"
    grade_cli(hostile["root"], "one", str(folder), "--assignment", TINY, "--student", "probe",
              "--json", str(out), *LIMITS, "--raw", str(hostile["root"] / "probe-raw"),
              env={SECRET_ENV: "only-the-grader-knows"})
    raw = json.loads(next((hostile["root"] / "probe-raw").rglob("*.json")).read_text())
    graded = nbformat.reads(raw["results"][0]["autograded"], as_version=4)
    printed = [json.loads(line) for o in cell_of(graded, "square").outputs if o.output_type == "stream"
               for line in o.text.splitlines() if line.startswith("{")]
    seen = {k: v for d in printed for k, v in d.items()}
    assert SECRET_ENV not in seen["env"] and "PATH" in seen["env"] and "HOME" in seen["env"]
    assert len(seen["procs"]) <= 3, seen["procs"]      # the sandbox's init and the kernel
    assert seen["course"] == [], seen["course"]
    assert "sandbox" in seen["root"] and "home" not in seen["root"]
    if os.geteuid() == 0:
        assert seen["uid"] != 0


def test_accidents_are_graded_as_meant(hostile):
    results = results_of(hostile["root"])
    copied = " | ".join(results["acc_copied_cell"]["flags"])
    assert "the last copy keeps it" in copied, copied
    assert "was missing: put back" in " | ".join(results["acc_deleted_tests"]["flags"])
    # The restored test runs after the instructor's cell that computes what it reads.
    nb = nbformat.read(str(hostile["root"] / "autograded" / "acc_deleted_tests" / TINY / "tiny.ipynb"), as_version=4)
    sources = [c.source for c in nb.cells]
    assert sources.index(cell_of(nb, "test_double").source) > next(i for i, s in enumerate(sources) if s.startswith("doubled ="))


def test_no_feedback_shows_a_hidden_test_in_any_spelling(hostile):
    root, hidden = hostile["root"], {normalise(line) for line in hostile["hidden"]}
    assert len(hidden) >= 3
    files = list((root / "feedback").rglob("*.html")) + list((root / "grades" / TINY).glob("*.json"))
    assert len(files) >= 2 * len(hostile["students"])
    for path in files:
        text = normalise(html.unescape(path.read_text()))
        assert not [line for line in hidden if line in text], path
        assert "Traceback" not in text and "BEGIN HIDDEN" not in text
    # The student's own words never reach feedback: the raised message is replaced.
    page = (root / "feedback" / "leak_hidden_lines" / TINY / "tiny.html").read_text()
    assert "ValueError" in page and "|" not in html.unescape(page).split("<table>")[1]
