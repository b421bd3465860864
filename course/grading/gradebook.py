"""Write grading results where nbgrader expects them. Only the parent process calls this: the
gradebook (scores and comments, for formgrader and ``nbgrader export``) and autograded/."""

import shutil
import warnings
from pathlib import Path

from nbgrader.api import Gradebook


def record(db_url, course_root, submission, results):
    """Store one ``Submission``'s ``NotebookResult``s."""
    student, assignment, submitted_folder = submission.student, submission.assignment, submission.folder
    dest = Path(course_root) / "autograded" / student / assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    if submitted_folder and Path(submitted_folder).is_dir():
        for src in Path(submitted_folder).rglob("*"):   # nbgrader keeps the other files too
            if src.is_file() and src.suffix != ".ipynb":
                target = dest / src.relative_to(submitted_folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)
    with warnings.catch_warnings(), Gradebook(db_url) as gb:
        warnings.simplefilter("ignore")   # SQLAlchemy autoflush notes from nbgrader's API
        gb.update_or_create_student(student)
        if submission.timestamp:
            gb.update_or_create_submission(assignment, student, timestamp=submission.timestamp)
        else:
            gb.update_or_create_submission(assignment, student)
        for result in results:
            if result.autograded:
                (dest / f"{result.notebook}.ipynb").write_text(result.autograded, encoding="utf-8")
            for cell in result.cells:
                if cell.kind in ("test", "written", "manual"):
                    grade = gb.find_grade(cell.grade_id, result.notebook, assignment, student)
                    grade.auto_score = cell.points
                    grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            gb.db.commit()
