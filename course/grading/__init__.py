"""The course's grader: parallel, sandboxed, tamper-aware autograding on top of nbgrader.

nbgrader stays the source of truth: the grader reads the assignment (cells, points, tests) from
nbgrader's gradebook, grades each notebook the way ``nbgrader autograde`` does, and writes scores
back to the gradebook and ``autograded/`` so that formgrader and ``nbgrader export`` keep working.

Run ``python -m course.grading --help``.
"""
