"""Every assignment through the real ``nbgrader autograde``: the solved source gets full marks,
the unchanged release gets zero on every test cell, and the catalogue of wrong and right answers
behaves (a wrong answer loses points on its own exercise, a right one gets full marks)."""

import functools
import os
import re
import subprocess
import sys

import pytest

from course.grading.scan import scan_source
from tests import catalogues
from tests.catalogues import with_cells
from tests.cell_dependencies import CellNames, answers_reached_by_tests
from tests.course_repo import RELEASE, assignments, graded_test_ids, nbgrader_meta, notebooks, read, tool_env
from tests.nbgrader_run import autograde, make_course, read_scores, submit
from tests.trimmed import trimmed

CATALOGUES = catalogues.load_all()
_RESULTS = {}


def student_id(name):
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def reached_answers(assignment, notebook, variants):
    """{test grade_id: answer grade_ids it can reach} in ``notebook`` with ``variants`` put in."""
    solved = notebook_sources(assignment)[notebook]
    nb = solved
    for v in variants:
        nb = with_cells(nb, v.cells)
    return answers_reached_by_tests(nb, lambda c: nbgrader_meta(c).get("grade_id"),
                                    also_binds={gid: solution_cell(solved, gid) for v in variants for gid in v.cells})


def wrong_answers_hide_each_other(assignment, group):
    """Whether wrong variants could not share a student: they replace the same cell, one of them
    does something the dependency analysis cannot follow, or the tests of one can see (read or be
    changed through) the cell of another. Then one variant's points could be lost to the other."""
    by_notebook = {}
    for v in group:
        if any(CellNames(src).opaque for src in v.cells.values()):
            return True
        by_notebook.setdefault(v.notebook, []).append(v)
    for name, members in by_notebook.items():
        cells = [gid for v in members for gid in v.cells]
        if len(cells) != len(set(cells)):
            return True
        deps = reached_answers(assignment, name, members)
        for v in members:
            others = {gid for w in members if w is not v for gid in w.cells}
            if any(deps[t] & others for t in v.exercise):
                return True
    return False


@functools.lru_cache(maxsize=None)
def class_plan_cached(assignment):
    plan, wrong_groups, layers = {}, [], []
    for v in CATALOGUES.get(assignment, []):
        if v.wrong:
            for group in wrong_groups:
                if not wrong_answers_hide_each_other(assignment, group + [v]):
                    group.append(v)
                    break
            else:
                wrong_groups.append([v])
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
    plan.update({f"wrong_{k}": group for k, group in enumerate(wrong_groups)})
    plan.update({layer["id"]: layer["variants"] for layer in layers})
    return plan


def class_plan(assignment):
    """{student id: [variants]}. Right variants that touch different cells share a student (a
    right answer cannot make another exercise lose points). Wrong variants share a student only
    when none of them can reach the tests of another (``wrong_answers_hide_each_other``), so that
    the points each loses are its own doing; ``test_shared_students_lose_only_where_expected``
    checks the grades bear that out."""
    return class_plan_cached(assignment)


@functools.lru_cache(maxsize=None)
def notebook_sources(assignment):
    return {name: read(path) for name, path in notebooks(assignment).items()}


def solution_cell(nb, grade_id):
    return next(c.source for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id)


def student_of(assignment, variant):
    return next(s for s, vs in class_plan(assignment).items() if variant in vs)


def class_of(assignment):
    """{student: {notebook: NotebookNode}}: the solution, the release and the catalogue's students."""
    solved = {name: read(path) for name, path in notebooks(assignment).items()}
    released = {name: read(path) for name, path in notebooks(assignment, RELEASE).items()}
    # The catalogue's students hand in trimmed notebooks (tests/trimmed.py): so does a copy of
    # the solution, which must still get full marks.
    class_ = {"solution": solved, "release": released,
              "solution_trimmed": {name: trimmed(nb) for name, nb in solved.items()}}
    for student, variants in class_plan(assignment).items():
        nbs = dict(solved)
        for v in variants:
            nbs[v.notebook] = with_cells(nbs[v.notebook], v.cells)
        class_[student] = {name: trimmed(nb) for name, nb in nbs.items()}
    return class_


def results(assignment, tmp_path_factory):
    """Grade the whole class for one assignment with nbgrader, once per session."""
    if assignment not in _RESULTS:
        workdir = tmp_path_factory.mktemp(f"grade_{assignment}")
        _RESULTS[assignment] = autograde(workdir, assignment, class_of(assignment))
    return _RESULTS[assignment]



@pytest.mark.parametrize("assignment", assignments())
def test_source_gets_full_marks(assignment, tmp_path_factory):
    """The solved source, whole and trimmed of its demonstrations as the catalogue's students
    are, gets full marks."""
    for student in ("solution", "solution_trimmed"):
        graded = results(assignment, tmp_path_factory)[student]
        for name, path in notebooks(assignment).items():
            tests = graded_test_ids(read(path))
            assert tests, f"{name} has no autograded tests"
            short = {t: graded[name][t] for t in tests if graded[name][t].score < graded[name][t].max_score}
            assert not short, f"{assignment}/{name}: {student} loses points on {short}"


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


WRONG_STUDENTS = [(a, s) for a in assignments() for s, vs in class_plan(a).items() if vs[0].wrong]


@pytest.mark.parametrize("assignment,student", WRONG_STUDENTS, ids=[f"{a}-{s}" for a, s in WRONG_STUDENTS])
def test_wrong_answers_lose_points_only_where_they_reach(assignment, student, tmp_path_factory):
    """A student holding wrong answers keeps full marks on every test that, by the dependency
    analysis, none of those answers can reach: the analysis that lets wrong answers share a
    student is borne out by the grades (a wrong answer that leaked into another exercise's tests
    would show here)."""
    graded = results(assignment, tmp_path_factory)[student]
    variants = class_plan(assignment)[student]
    for name in {v.notebook for v in variants}:
        members = [v for v in variants if v.notebook == name]
        cells = {gid for v in members for gid in v.cells}
        deps = reached_answers(assignment, name, members)
        for v in members:
            assert set(v.exercise) <= set(deps), f"{v.name}: {v.exercise} are not test cells"
            assert all(deps[t] & set(v.cells) for t in v.exercise), \
                f"{v.name}: the tests of its exercise {v.exercise} cannot reach the cells it replaces"
        unreached = [t for t, d in deps.items() if not d & cells]
        short = {t: graded[name][t].score for t in unreached if graded[name][t].score < graded[name][t].max_score}
        assert not short, (f"{[v.name for v in members]} lose points on {short}, which the dependency "
                           "analysis says they cannot reach")


PARITY_SAMPLE = 2   # catalogue students per assignment beside the solution and the release


def parity_students(assignment, full):
    """Who the course's grader grades for the comparison: everyone with ``--full-parity``;
    otherwise the solution (whole and trimmed), the release, every student whose answers tamper,
    and the catalogue students holding the most answers."""
    plan = class_plan(assignment)
    if full:
        return set(class_of(assignment))
    busiest = sorted(plan, key=lambda s: (-len(plan[s]), s))[:PARITY_SAMPLE]
    return {"solution", "solution_trimmed", "release", *busiest,
            *(s for s, vs in plan.items() if any(map(tampers, vs)))}


@pytest.mark.parametrize("assignment", assignments())
def test_course_grader_gives_nbgrader_scores(assignment, tmp_path_factory, request):
    """The same class graded by the course's grader (sandboxed kernels, tests in a process of
    their own): every honest student, right or wrong, gets exactly nbgrader's scores. (A sample of
    the class by default: ``--full-parity`` grades all of it.)"""
    students = parity_students(assignment, request.config.getoption("--full-parity"))
    expected = {s: scores for s, scores in results(assignment, tmp_path_factory).items() if s in students}
    root = make_course(tmp_path_factory.mktemp(f"ours_{assignment}"), [assignment])
    for student, nbs in class_of(assignment).items():
        if student in students:
            submit(root, assignment, student, nbs)
    (root / "tmp").mkdir()
    graded = subprocess.run([sys.executable, "-m", "course.grading", "class", assignment, "--jobs",
                             str(os.cpu_count() or 1), "--quiet", "--course", str(root)], cwd=root,
                            env={**tool_env(), "TMPDIR": str(root / "tmp")}, capture_output=True, text=True)
    assert graded.returncode == 0, graded.stderr[-2000:]
    ours = read_scores(root, assignment)
    tamperers = {s for s, vs in class_plan(assignment).items() if any(map(tampers, vs))}
    assert set(ours) == students, "every student of the sample was graded"
    differ = {(s, nb, g): (ours[s][nb][g].score, c.score) for s, nbs in expected.items() if s not in tamperers
              for nb, cells in nbs.items() for g, c in cells.items() if ours[s][nb][g].score != c.score}
    assert not differ, f"(course grader, nbgrader): {differ}"
    # A notebook that replaces numpy's comparisons makes every later test fail in nbgrader's kernel
    # (course.checks refuses them); the course's grader grades its answers as they are: its wrong
    # answer still loses points there, and it scores at least what nbgrader gives elsewhere.
    for student in tamperers:
        for v in class_plan(assignment)[student]:
            cells = ours[student][v.notebook]
            assert sum(cells[t].score for t in v.exercise) < sum(cells[t].max_score for t in v.exercise), v.name
        assert all(ours[student][nb][g].score >= c.score for nb, cs in expected[student].items()
                   for g, c in cs.items()), student


def tampers(variant):
    """Whether a catalogue answer replaces library or course functions (the grader's own scan)."""
    return any("replaces" in what for source in variant.cells.values() for _, what in scan_source(source))
