"""release/ is exactly what nbgrader makes from source/, source is committed clean, and no
solution or hidden-test line is anywhere a student can see it."""

import json

import nbformat
import pytest

from tests.course_repo import REPO, RELEASE, SOURCE, assignments, notebooks, read
from tests.nbgrader_run import make_course
from tests.secrets_scan import find_leaks, secret_lines, split_secret


def normalised(path):
    nb = json.loads(path.read_text())
    return json.dumps(nb, sort_keys=True, indent=1)


@pytest.mark.parametrize("assignment", assignments())
def test_release_is_in_sync_with_source(assignment, tmp_path):
    course = make_course(tmp_path, [assignment])
    made = sorted(p.relative_to(course / "release") for p in (course / "release" / assignment).rglob("*") if p.is_file())
    committed = sorted(p.relative_to(RELEASE) for p in (RELEASE / assignment).rglob("*") if p.is_file())
    assert made == committed, "release/ has other files than generate_assignment makes: run bin/release"
    for rel in made:
        fresh, ours = course / "release" / rel, RELEASE / rel
        if rel.suffix == ".ipynb":
            assert normalised(fresh) == normalised(ours), f"{rel} is stale: run bin/release"
        else:
            assert fresh.read_bytes() == ours.read_bytes(), f"{rel} is stale: run bin/release"


def test_every_source_assignment_is_released():
    assert assignments(), "no assignments in source/"
    assert sorted(p.name for p in RELEASE.iterdir() if p.is_dir()) == assignments()


@pytest.mark.parametrize("assignment", assignments())
def test_source_is_committed_with_outputs_cleared(assignment):
    for name, path in notebooks(assignment).items():
        for i, cell in enumerate(read(path).cells):
            if cell.cell_type == "code":
                assert not cell.outputs, f"{name} cell {i} has outputs"
                assert cell.execution_count is None, f"{name} cell {i} has an execution count"


def test_no_solution_or_hidden_test_in_release_or_course():
    secrets = secret_lines()
    assert len(secrets) > 20, "the scan found too few secret lines to mean anything"
    leaks = find_leaks([RELEASE, REPO / "course"], secrets)
    assert not leaks, f"solution or hidden-test lines leak: {leaks[:5]}"


def test_leak_scan_catches_a_planted_line(tmp_path):
    secret = sorted(secret_lines())[0]
    (tmp_path / "planted.py").write_text(f"x = 1\n    {secret}\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(secret)])
    nbformat.write(nb, str(tmp_path / "planted.ipynb"))
    assert len(find_leaks([tmp_path], {secret})) == 2


def test_split_secret_separates_regions():
    source = "a = 1\n### BEGIN SOLUTION\nsecret_line = 2\n### END SOLUTION\nb = 3\n" \
             "### BEGIN HIDDEN TESTS\nhidden = 4\n### END HIDDEN TESTS"
    assert split_secret(source) == (["secret_line = 2", "hidden = 4"], ["a = 1", "b = 3"])
