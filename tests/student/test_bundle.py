"""The student bundle (bin/bundle) holds what a student needs and nothing an instructor keeps,
and works on its own: installed into a fresh virtual environment outside this repository, every
release notebook runs there (stubs fail as expected, nothing else does) and so does every solved copy."""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.course_repo import REPO, RELEASE, SOURCE, assignments, nbgrader_meta, read
from tests.secrets_scan import find_leaks, secret_lines
from tests.student.solved import cell_kind, released_notebooks, write_copies

RUN_CELLS = Path(__file__).with_name("run_cells.py")
# Errors that mean the bundle lacks something (a module, a data file), never an unsolved exercise.
MISSING = {"ModuleNotFoundError", "ImportError", "FileNotFoundError", "OSError", "SyntaxError"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    dest = tmp_path_factory.mktemp("student") / "backprop-course"
    subprocess.run([sys.executable, str(REPO / "bin" / "bundle.py"), str(dest)], check=True,
                   capture_output=True, text=True)
    return dest


def student_env(folder):
    """Environment for the student's Python: its venv first on PATH, nothing of this repository."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{folder / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture(scope="module")
def venv(bundle, tmp_path_factory):
    """A fresh virtual environment with the bundle installed as a student would (not editable)."""
    folder = tmp_path_factory.mktemp("student-venv") / ".venv"
    python = folder / "bin" / "python"
    env = student_env(folder)
    steps = [[sys.executable, "-m", "venv", str(folder)],
             [str(python), "-m", "pip", "install", "--quiet", "--no-compile", "-r", "requirements.txt"],
             [str(python), "-m", "pip", "install", "--quiet", "--no-compile", "."]]
    for step in steps:
        result = subprocess.run(step, cwd=bundle, env=env, capture_output=True, text=True, timeout=1800)
        assert result.returncode == 0, f"{' '.join(step)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return folder


def start_run(venv, notebooks, out):
    """Start run_cells.py in the student's environment on ``notebooks``; report to ``out``."""
    return subprocess.Popen([str(venv / "bin" / "python"), str(RUN_CELLS), str(out), *map(str, notebooks)],
                            cwd=out.parent, env=student_env(venv), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish_run(process, out):
    output, _ = process.communicate(timeout=3600)
    assert process.returncode == 0, f"running the notebooks failed:\n{output[-3000:]}"
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def runs(bundle, venv, tmp_path_factory):
    """Every release notebook and every solved copy run in the student's environment, the two
    sets side by side (one per core): {"unsolved": (paths, report), "solved": (copies, report)}."""
    folder = tmp_path_factory.mktemp("runs")
    paths = {(a, n): bundle / "lectures" / a / f"{n}.ipynb" for a, n in released_notebooks()}
    shipped = [p for p in paths.values() if p.exists()]
    copies = write_copies(folder / "solved", solved=True)
    started = {"unsolved": start_run(venv, shipped, folder / "unsolved.json"),
               "solved": start_run(venv, [p for _, _, p in copies], folder / "solved.json")}
    return {"unsolved": (paths, finish_run(started["unsolved"], folder / "unsolved.json")),
            "solved": (copies, finish_run(started["solved"], folder / "solved.json"))}


def defined_names(source):
    """Names a cell binds (assignments, loops, imports, functions, classes), nbgrader markers ignored."""
    try:
        tree = ast.parse("\n".join(l for l in source.splitlines() if not l.lstrip().startswith("%")))
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def answer_names(assignment, name):
    """Names the model answers of the source notebook bind (an unsolved notebook lacks them)."""
    return set().union(*[defined_names(c.source) for c in read(SOURCE / assignment / f"{name}.ipynb").cells
                         if c.cell_type == "code" and nbgrader_meta(c).get("solution")])


# ---- contents ------------------------------------------------------------------------------

def test_bundle_has_every_release_notebook_unchanged(bundle):
    for assignment in assignments():
        for path in sorted((RELEASE / assignment).rglob("*")):
            if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                shipped = bundle / "lectures" / path.relative_to(RELEASE)
                assert shipped.exists(), f"{path.relative_to(RELEASE)} is missing from the bundle"
                assert shipped.read_bytes() == path.read_bytes(), f"{shipped} differs from release/"


def test_bundle_holds_no_solution_hidden_test_or_instructor_file(bundle):
    secrets = secret_lines()
    assert len(secrets) > 20, "the scan found too few secret lines to mean anything"
    leaks = find_leaks([bundle], secrets)
    assert not leaks, f"solution or hidden-test lines in the bundle: {leaks[:5]}"
    for path in bundle.rglob("*"):
        rel = path.relative_to(bundle)
        assert rel.parts[0] in {"course", "lectures", "README.md", "requirements.txt", "pyproject.toml",
                                ".gitignore"}, f"unexpected file in the bundle: {rel}"
        assert path.suffix not in {".db", ".pyc"} and path.name != "nbgrader_config.py", f"{rel} is instructor-only"
        if path.is_file():
            text = path.read_text(errors="replace")
            for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
                assert marker not in text, f"{rel} contains an nbgrader marker ({marker})"
    assert not (bundle / "course" / "grading").exists(), "course/grading is instructor-only"


def test_student_requirements_pin_the_course_versions(bundle):
    def pins(name):
        return {l.split("==")[0].lower(): l for l in (REPO / name).read_text().splitlines()
                if "==" in l and not l.startswith("#")}
    students, tools = pins("requirements-student.txt"), pins("requirements.txt")
    assert "-r requirements-student.txt" in (REPO / "requirements.txt").read_text().splitlines(), \
        "the repository installs what students install, and its tools on top"
    shipped = [l for l in (bundle / "requirements.txt").read_text().splitlines() if l and not l.startswith("#")]
    assert shipped, "the student requirements.txt is empty"
    assert sorted(shipped) == sorted(students.values()), "the bundle ships requirements-student.txt's pins"
    names = {l.split("==")[0].lower() for l in shipped}
    assert {"jupyterlab", "ipywidgets", "nbgrader", "numpy", "matplotlib"} <= names
    assert not names & set(tools), "the repository's tools (tests, set-up, browser) do not reach students"
    assert {"pytest", "playwright", "uv"} <= set(tools)


def test_readme_says_how_to_install_and_run(bundle):
    text = (bundle / "README.md").read_text()
    for needed in ("pip install -r requirements.txt", "pip install .", "jupyter lab", "Validate"):
        assert needed in text
    for assignment in assignments():
        assert f"lectures/{assignment}/" in text


def test_bundle_refuses_to_build_inside_the_repository(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "bin" / "bundle.py"), str(REPO / "build" / "bundle")],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "outside" in result.stderr


# ---- on its own ----------------------------------------------------------------------------

def test_installed_course_comes_from_the_bundle_not_the_repository(venv, tmp_path):
    probe = ("import course, course.data.credit as c; print(course.__file__); "
             "print(c.load_credit().shape)")
    out = subprocess.run([str(venv / "bin" / "python"), "-c", probe], cwd=tmp_path, env=student_env(venv),
                         capture_output=True, text=True, check=True).stdout.split("\n")
    assert str(venv) in out[0] and str(REPO) not in out[0], out[0]
    assert out[1] == "(400, 3)"
    labext = subprocess.run([str(venv / "bin" / "jupyter"), "labextension", "list"], cwd=tmp_path,
                            env=student_env(venv), capture_output=True, text=True).stderr
    for extension in ("@jupyter/nbgrader", "@jupyter-widgets/jupyterlab-manager"):
        assert re.search(rf"{re.escape(extension)} v\S+ .*enabled.*OK", labext), f"{extension} missing:\n{labext}"


def test_release_notebooks_run_in_the_bundle(runs):
    """Setup cells run; each test cell fails (its exercise is a stub); any other failure is a stub
    raising NotImplementedError or a name that an unsolved or failed cell was to bind."""
    paths, report = runs["unsolved"]
    problems = [f"{a}/{n}.ipynb is not in the bundle (not released?)" for (a, n), p in paths.items() if not p.exists()]
    for (assignment, name), path in paths.items():
        if not path.exists():
            continue
        cells = read(path).cells
        # A name may be missing when the cell meant to bind it is an unsolved answer, or a cell
        # that failed on one (its later lines never ran).
        unbound = answer_names(assignment, name)
        for result in report[str(path)]:
            where = f"{assignment}/{name} cell {result['index']}"
            cell = cells[result["index"]]
            kind, error = cell_kind(cell), result["error"]
            if error in MISSING:
                problems.append(f"{where}: {error}: {result['message']} (something is not shipped)")
            elif kind == "test" and error is None:
                problems.append(f"{where}: a test cell passes on the unsolved notebook")
            elif kind == "setup" and error:
                problems.append(f"{where}: the setup cell fails: {error}: {result['message']}")
            elif kind in ("code", "answer") and error not in (None, "NotImplementedError"):
                missing = re.match(r"name '(\w+)' is not defined", result["message"])
                if not (error == "NameError" and missing and missing.group(1) in unbound):
                    problems.append(f"{where}: {error}: {result['message']}")
            if error:
                unbound |= defined_names(cell.source)
    assert not problems, "\n".join(problems)


def test_solved_notebooks_run_in_the_bundle(runs):
    """A student who solved everything sees no error anywhere, with only the bundle installed."""
    copies, report = runs["solved"]
    problems = [f"{a}/{n}.ipynb is not released" for a, n in released_notebooks()
                if (a, n) not in {(a, n) for a, n, _ in copies}]
    problems += [f"{a}/{n} cell {r['index']}: {r['error']}: {r['message'][:300]}"
                 for a, n, path in copies for r in report[str(path)] if r["error"]]
    assert not problems, "\n".join(problems)
