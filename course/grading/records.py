"""The grader's records: what a worker is asked to grade (``Job``) and what it answers
(``NotebookResult`` of ``CellResult``s), for one notebook of one student's submission.

Results cross process boundaries (workers, shards in CI) as JSON: ``to_dict``/``from_dict``.
"""

from dataclasses import asdict, dataclass, field
from typing import Optional


@dataclass
class Submission:
    """One student's hand-in for one assignment."""
    student: str
    assignment: str
    timestamp: Optional[str] = None    # from the folder's timestamp.txt, as nbgrader keeps it
    folder: Optional[str] = None       # the submitted folder (only ever read)

    def to_dict(self):
        return asdict(self)


@dataclass
class Job:
    """One notebook to grade. ``spec`` is the assignment as read from the gradebook (never the
    gradebook itself); ``files`` the submission folder's files; ``shipped`` the release folder
    whose other files the notebook gets beside it."""
    student: str
    assignment: str
    notebook: str
    path: Optional[str]            # the submitted notebook; None when it is missing
    files: dict                    # {relative path: path}
    flags: list                    # notes from matching the submission's notebooks
    shipped: str
    spec: dict
    limits: dict
    unsafe_no_sandbox: bool = False

    @property
    def notebook_spec(self):
        return self.spec["notebooks"][self.notebook]


@dataclass
class CellResult:
    """One graded cell: an autograded test, or an answer graded by hand (points None)."""
    grade_id: str
    kind: str                      # test, written, manual, task
    max: float
    points: Optional[float] = 0.0
    passed: Optional[bool] = False
    message: str = ""              # for the student (feedback)
    diagnosis: Optional[str] = None   # for the instructor's report: shape, sign, timeout, ...


@dataclass
class NotebookResult:
    student: str
    assignment: str
    notebook: str
    status: str = "graded"         # graded, missing, unreadable, grader-error
    cells: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    scan: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    failed: Optional[str] = None   # why the notebook did not run to the end
    autograded: Optional[str] = None   # the graded notebook (JSON text), for autograded/
    sha256: Optional[str] = None

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        data = dict(data)
        data["cells"] = [c if isinstance(c, CellResult) else CellResult(**c) for c in data.get("cells", [])]
        return cls(**data)


def kind(spec_cell):
    """How a graded cell of the assignment is graded."""
    if spec_cell["task"]:
        return "task"
    if spec_cell["grade"] and spec_cell["solution"]:
        return "written" if spec_cell["cell_type"] == "markdown" else "manual"
    if spec_cell["grade"]:
        return "test"
    return "answer"


def zero_result(job, reason, status, flags=(), failed=False):
    """The result of a notebook that could not be graded: every graded cell zero, with why.
    ``failed``: it counts as a notebook that did not run to the end (see ``failures``)."""
    nb_spec = job.notebook_spec
    cells = [CellResult(grade_id, kind(nb_spec["cells"][grade_id]), nb_spec["cells"][grade_id]["points"],
                        0.0, False, reason, status)
             for grade_id in nb_spec["order"]
             if nb_spec["cells"][grade_id]["grade"] or nb_spec["cells"][grade_id]["task"]]
    return NotebookResult(job.student, job.assignment, job.notebook, status=status, cells=cells,
                          flags=[*job.flags, *flags], failed=reason if failed else None)
