"""Where things are in this repository, and how its notebooks are read (shared by the tests)."""

import json
import os
import sys
from pathlib import Path

import nbformat

from course.grading import cells as marks

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source"
RELEASE = REPO / "release"
VENV_BIN = Path(sys.executable).parent


def assignments():
    """Assignment folder names in source/, in lecture order."""
    return sorted(p.name for p in SOURCE.iterdir() if p.is_dir() and not p.name.startswith("."))


def notebooks(assignment, root=SOURCE):
    """{notebook name without .ipynb: path} for one assignment."""
    return {p.stem: p for p in sorted((root / assignment).glob("*.ipynb"))}


def read(path):
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell):
    return marks.nbgrader(cell)


def graded_test_ids(nb):
    """grade_ids of the autograded test cells of a notebook."""
    return [m["grade_id"] for m in map(nbgrader_meta, nb.cells)
            if m.get("grade") and not m.get("solution")]


def answer_cell_ids(nb):
    return [m["grade_id"] for m in map(nbgrader_meta, nb.cells) if m.get("solution")]


def tool_env():
    """Environment for nbgrader and jupyter subprocesses: the venv's bin/ first on PATH
    (nbgrader runs the ``alembic`` executable)."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # Several kernels share the cores while a class is graded: one BLAS thread each, or their
    # thread pools fight and small matrix products slow down by orders of magnitude.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    return env


def dumps(nb):
    return json.dumps(nb, sort_keys=True)
