"""What an assignment is, read once from nbgrader's gradebook by the parent process.

A spec is plain data (JSON-able), so workers get the cells they need to restore and grade
without ever seeing the gradebook or the course's source/ folder.
"""

import json
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from course.grading import cells as marks
from course.grading.names import CellNames, imported_names, notebook_functions, python_source



def read_spec(db_url, assignment, release_dir=None, source_dir=None):
    """{"assignment", "notebooks": {name: {"kernelspec", "order", "cells", "layout"}}}.

    cells: {grade_id: {...}} from the gradebook (tests with their hidden part, answers as stubs).
    order: grade_ids in notebook order (from the released notebook when there is one, since the
    gradebook keeps no positions), used to put a deleted test cell back where it was.
    layout: the released notebook's code cells in order, as the test process needs them (see
    ``_layout``); only names from the instructor's solutions (``source_dir``), never their code.
    release_keys: every released cell in order, as ["grade", grade_id] or ["cell", cell id].
    """
    notebooks = {}
    with Gradebook(db_url) as gb:
        for nb in gb.find_assignment(assignment).notebooks:
            cells = {}
            for sc in nb.source_cells:
                cells[sc.name] = {
                    "cell_type": sc.cell_type, "locked": bool(sc.locked), "source": sc.source,
                    "checksum": sc.checksum, "grade": False, "solution": False, "task": False,
                    "points": None,
                }
            for gc in nb.grade_cells:
                cells[gc.name].update(grade=True, points=float(gc.max_score))
            for sc in nb.solution_cells:
                cells[sc.name]["solution"] = True
            for tc in nb.task_cells:
                cells[tc.name].update(task=True, points=float(tc.max_score))
            order = list(cells)
            released = Path(release_dir or "") / f"{nb.name}.ipynb"
            release_cells = []
            if release_dir and released.exists():
                release_cells = nbformat.read(str(released), as_version=4).cells
                in_release = [marks.grade_id(c) for c in release_cells]
                for grade_id, cell in zip(in_release, release_cells):
                    if grade_id in cells:
                        cells[grade_id]["released"] = cell.source
                order = [g for g in in_release if g in cells] + [g for g in order if g not in in_release]
            notebooks[nb.name] = {
                "kernelspec": json.loads(nb.kernelspec) if nb.kernelspec else None,
                "order": order, "cells": cells,
                "layout": _layout(release_cells, cells, _solution_names(source_dir, nb.name)),
                "release_keys": [list(marks.key(c)) for c in release_cells],
            }
    return {"assignment": assignment, "notebooks": notebooks}


def _solution_names(source_dir, notebook):
    """{answer grade_id: {"binds": names its solution defines, "functions": those only ever
    bound by ``def`` in the notebook, "keeping": those of them that keep their arguments}} from
    the instructor's source notebook (names only, never code)."""
    path = Path(source_dir or "") / f"{notebook}.ipynb"
    if not source_dir or not path.exists():
        return {}
    code = [c for c in nbformat.read(str(path), as_version=4).cells if c.cell_type == "code"]
    sources = [python_source(c.source) for c in code]
    imported = frozenset().union(*(imported_names(s) for s in sources))
    functions, keeping = notebook_functions(sources, imported)
    out = {}
    for cell, source in zip(code, sources):
        meta = marks.nbgrader(cell)
        if meta.get("solution"):
            names = CellNames(source, imported)
            bound = names.binds | names.maybe_binds
            out[meta["grade_id"]] = {"binds": sorted(bound), "functions": sorted(bound & functions),
                                     "keeping": sorted(bound & keeping)}
    return out


def _layout(release_cells, cells, solution_names):
    """The code cells of the released notebook, in order: {"kind" (instructor, answer or
    test), "grade_id", "cell_id", "source" (tests: with their hidden part, from the gradebook),
    "binds", "functions", "keeping" (answers: the names the instructor's solution defines, see
    ``_solution_names``)}."""
    layout = []
    for cell in release_cells:
        if cell.cell_type != "code":
            continue
        grade_id = marks.grade_id(cell)
        entry = {"kind": "instructor", "grade_id": grade_id, "cell_id": cell.get("id"), "source": cell.source}
        if grade_id in cells:
            spec_cell = cells[grade_id]
            entry["source"] = spec_cell["source"]
            if spec_cell["solution"]:
                entry.update(kind="answer", **solution_names.get(grade_id, {"binds": []}))
            elif spec_cell["grade"]:
                entry["kind"] = "test"
        layout.append(entry)
    return layout


def hidden_lines(spec):
    """Every non-trivial line of every hidden-test region of the assignment."""
    return {line for nb_spec in spec["notebooks"].values() for cell in nb_spec["cells"].values()
            for line in marks.hidden_lines(cell["source"])}
