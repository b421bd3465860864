"""Drive the real nbgrader on a scratch copy of the course: generate, submit, autograde, read scores.

Students are split into shards, each graded by its own ``nbgrader autograde`` process in its own
scratch course, so a class of submissions uses every core.
"""

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from tests.course_repo import REPO, SOURCE, tool_env


@dataclass
class CellScore:
    score: float
    max_score: float


def nbgrader(args, cwd, timeout=1800):
    """Run one nbgrader command in ``cwd``; raise with its output when it fails."""
    result = subprocess.run(["nbgrader", *args], cwd=cwd, env=tool_env(), capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def make_course(root, assignments):
    """A scratch course at ``root`` with the repo's config and source/ for ``assignments``,
    with the gradebook filled by ``nbgrader generate_assignment``."""
    root = Path(root)
    (root / "source").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    for assignment in assignments:
        shutil.copytree(SOURCE / assignment, root / "source" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        nbgrader(["generate_assignment", assignment, "--force"], cwd=root)
    return root


def submit(root, assignment, student, notebooks):
    """Place ``notebooks`` ({name: NotebookNode}) as ``student``'s submission."""
    folder = Path(root) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, str(folder / f"{name}.ipynb"))
    (folder / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")


def read_scores(root, assignment):
    """{student: {notebook: {grade_id: CellScore}}} from the scratch course's gradebook."""
    out = {}
    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}") as gb:
        for submission in gb.assignment_submissions(assignment):
            student = submission.student.id
            for nb in submission.notebooks:
                cells = out.setdefault(student, {}).setdefault(nb.name, {})
                for grade in nb.grades:
                    cells[grade.name] = CellScore(grade.score, grade.max_score)
    return out


def autograde(workdir, assignment, submissions, shards=None):
    """Autograde {student: {notebook: NotebookNode}} with real nbgrader, in parallel shards.

    Returns {student: {notebook: {grade_id: CellScore}}}.
    """
    # One shard more than cores: a shard spends part of its time starting kernels and writing.
    shards = max(1, min(shards or (os.cpu_count() or 1) + 1, len(submissions)))
    students = sorted(submissions)
    groups = [students[i::shards] for i in range(shards)]

    def grade(i):
        root = make_course(Path(workdir) / f"shard{i}", [assignment])
        for student in groups[i]:
            submit(root, assignment, student, submissions[student])
        try:
            nbgrader(["autograde", assignment, "--force"], cwd=root)
        except RuntimeError as failed:
            # nbgrader's kernels listen on TCP ports picked before they bind them: a kernel
            # started elsewhere on the machine can take one first, and that student's kernel
            # dies at start. Grade those students again, once; anything else is a real failure.
            if "Kernel died before replying to kernel_info" not in str(failed):
                raise
            graded = read_scores(root, assignment)
            for student in groups[i]:
                if student not in graded:
                    nbgrader(["autograde", assignment, "--force", "--student", student], cwd=root)
        return read_scores(root, assignment)

    scores = {}
    with ThreadPoolExecutor(shards) as pool:
        for part in pool.map(grade, range(shards)):
            scores.update(part)
    return scores
