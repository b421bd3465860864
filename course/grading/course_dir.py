"""The course folder the grader works in: its gradebook, assignments, releases and the
submissions to grade, turned into ``Job``s."""

from dataclasses import asdict
from pathlib import Path

from course.grading import plan
from course.grading.records import Job, Submission
from course.grading.spec import read_spec


class CourseDir:
    def __init__(self, root):
        self.root = Path(root).resolve()
        if not (self.root / "gradebook.db").exists():
            raise SystemExit(f"{self.root}/gradebook.db not found: run `nbgrader generate_assignment` first")
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        self.submitted = self.root / "submitted"

    def assignments(self, names=None):
        """``names`` checked against the gradebook (default: every assignment it knows)."""
        from nbgrader.api import Gradebook
        with Gradebook(self.db_url) as gb:
            known = sorted(a.name for a in gb.assignments)
        for name in names or []:
            if name not in known:
                raise SystemExit(f"assignment {name!r} is not in the gradebook (known: {', '.join(known)})")
        return list(names or known)

    def spec(self, assignment):
        """The assignment as the workers need it (``spec.read_spec``): gradebook, release, and the
        names the instructor's solutions define (never their code)."""
        release = self.root / "release" / assignment
        if not release.is_dir():
            raise SystemExit(f"{release} not found: run `nbgrader generate_assignment {assignment}` first")
        return read_spec(self.db_url, assignment, release, self.root / "source" / assignment)

    def submission(self, student, assignment, folder):
        stamp = Path(folder) / "timestamp.txt"
        return Submission(student, assignment, stamp.read_text().strip() if stamp.exists() else None, str(folder))

    def jobs(self, submission, spec, limits, unsafe_no_sandbox=False):
        """One ``Job`` per notebook of the assignment, matched in the submission's folder."""
        files = plan.student_files(submission.folder)
        return [Job(submission.student, submission.assignment, notebook, str(path) if path else None, files,
                    flags, str(self.root / "release" / submission.assignment), spec, asdict(limits),
                    unsafe_no_sandbox)
                for notebook, (path, flags) in plan.match_notebooks(submission.folder, spec).items()]
