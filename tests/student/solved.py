"""Student-side copies of a release notebook: as handed out, or solved the way a student would.

A solved copy is the release notebook with every answer cell (code and written) replaced by the
source notebook's model answer, the nbgrader solution markers dropped. Everything else, including
the cell checksums nbgrader's Validate compares, stays exactly as released.
"""

from pathlib import Path

import nbformat

from tests.course_repo import RELEASE, SOURCE, assignments, nbgrader_meta, notebooks, read

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def without_markers(source):
    return "\n".join(line for line in source.splitlines() if line.strip() not in MARKERS)


def released_notebooks():
    """[(assignment, notebook name)] of every source notebook, in lecture order."""
    return [(a, name) for a in assignments() for name in notebooks(a)]


def release_path(assignment, name):
    path = RELEASE / assignment / f"{name}.ipynb"
    if not path.exists():
        raise AssertionError(f"{assignment}/{name}.ipynb is not released: run bin/release {assignment}")
    return path


def solved_copy(assignment, name):
    """The release notebook of ``assignment``/``name`` with the model answers filled in."""
    released = read(release_path(assignment, name))
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in read(SOURCE / assignment / f"{name}.ipynb").cells
               if nbgrader_meta(c).get("solution")}
    for cell in released.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            cell.source = without_markers(answers[meta["grade_id"]])
    return released


def write_copies(folder, solved):
    """Write every released notebook under ``folder``/NN_name/ (solved or as released), with the
    other files nbgrader released beside them; returns [(assignment, name, path)]."""
    out = []
    for assignment, name in released_notebooks():
        if not (RELEASE / assignment / f"{name}.ipynb").exists():
            continue   # not released yet: the tests of that notebook say so, the others still run
        target = Path(folder) / assignment / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        for extra in (RELEASE / assignment).iterdir():
            if extra.is_file() and extra.suffix != ".ipynb" and not (target.parent / extra.name).exists():
                (target.parent / extra.name).write_bytes(extra.read_bytes())
        nb = solved_copy(assignment, name) if solved else read(release_path(assignment, name))
        nbformat.write(nb, str(target))
        out.append((assignment, name, target))
    return out


def cell_kind(cell):
    """'markdown', 'answer', 'test', 'setup' (locked, read-only) or 'code' (a plain code cell)."""
    if cell.cell_type != "code":
        return "markdown"
    meta = nbgrader_meta(cell)
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    if meta.get("locked"):
        return "setup"
    return "code"
