"""Every assignment through the real ``nbgrader autograde``: the solved source gets full marks,
the unchanged release gets zero on every test cell, and the catalogue of wrong and right answers
behaves (a wrong answer loses points on its own exercise, a right one gets full marks)."""

import copy
import re

import pytest

from tests import catalogues
from tests.course_repo import RELEASE, assignments, nbgrader_meta, notebooks, read, graded_test_ids
from tests.nbgrader_run import autograde

CATALOGUES = catalogues.load_all()
_RESULTS = {}


def student_id(name):
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def with_cells(nb, replacements):
    """A copy of ``nb`` whose answer cells named in ``replacements`` have new sources."""
    nb = copy.deepcopy(nb)
    found = set()
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in replacements:
            cell.source = replacements[gid]
            found.add(gid)
    missing = set(replacements) - found
    assert not missing, f"catalogue names unknown cells {sorted(missing)}"
    return nb


def class_plan(assignment):
    """{student id: [variants]}: a wrong variant is a student of its own, so that points it loses
    are its own doing; right variants that touch different cells share a student (a right answer
    cannot make another exercise lose points), which saves a notebook run per variant."""
    plan, layers = {}, []
    for v in CATALOGUES.get(assignment, []):
        if v.wrong:
            plan[student_id(v.name)] = [v]
            continue
        cells = {(v.notebook, c) for c in v.cells}
        for layer in layers:
            if not cells & layer["cells"]:
                break
        else:
            layer = {"id": f"right_{len(layers)}", "cells": set(), "variants": []}
            layers.append(layer)
        layer["cells"] |= cells
        layer["variants"].append(v)
    plan.update({layer["id"]: layer["variants"] for layer in layers})
    return plan


def student_of(assignment, variant):
    return next(s for s, vs in class_plan(assignment).items() if variant in vs)


def results(assignment, tmp_path_factory):
    """Grade the whole class for one assignment once per session."""
    if assignment not in _RESULTS:
        solved = {name: read(path) for name, path in notebooks(assignment).items()}
        released = {name: read(path) for name, path in notebooks(assignment, RELEASE).items()}
        class_ = {"solution": solved, "release": released}
        for student, variants in class_plan(assignment).items():
            nbs = dict(solved)
            for v in variants:
                nbs[v.notebook] = with_cells(nbs[v.notebook], v.cells)
            class_[student] = nbs
        workdir = tmp_path_factory.mktemp(f"grade_{assignment}")
        _RESULTS[assignment] = autograde(workdir, assignment, class_)
    return _RESULTS[assignment]



@pytest.mark.parametrize("assignment", assignments())
def test_source_gets_full_marks(assignment, tmp_path_factory):
    graded = results(assignment, tmp_path_factory)["solution"]
    for name, path in notebooks(assignment).items():
        tests = graded_test_ids(read(path))
        assert tests, f"{name} has no autograded tests"
        short = {t: graded[name][t] for t in tests if graded[name][t].score < graded[name][t].max_score}
        assert not short, f"{assignment}/{name}: solution loses points on {short}"


@pytest.mark.parametrize("assignment", assignments())
def test_unchanged_release_gets_zero(assignment, tmp_path_factory):
    graded = results(assignment, tmp_path_factory)["release"]
    for name, path in notebooks(assignment).items():
        scored = {t: graded[name][t].score for t in graded_test_ids(read(path)) if graded[name][t].score}
        assert not scored, f"{assignment}/{name}: the unsolved release scores on {scored}"


CASES = [(a, v) for a in assignments() for v in CATALOGUES.get(a, [])]


@pytest.mark.parametrize("assignment,variant", CASES, ids=[f"{a}-{v.name}" for a, v in CASES])
def test_catalogue(assignment, variant, tmp_path_factory):
    graded = results(assignment, tmp_path_factory)[student_of(assignment, variant)]
    cells = graded[variant.notebook]
    tests = graded_test_ids(read(notebooks(assignment)[variant.notebook]))
    if variant.wrong:
        assert variant.exercise, f"{variant.name}: name the test cells of its exercise"
        own = sum(cells[t].score for t in variant.exercise)
        own_max = sum(cells[t].max_score for t in variant.exercise)
        assert own < own_max, f"{variant.name} ({variant.why}) keeps full marks on {variant.exercise}"
    else:
        short = {t: cells[t].score for t in tests if cells[t].score < cells[t].max_score}
        assert not short, f"{variant.name} ({variant.why}) is correct but loses points on {short}"
