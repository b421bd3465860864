"""The suite's two tiers: ``bin/test --quick`` runs what is not marked slow (the parts on their
own, the lecture checks, the release's sync; about a minute), ``bin/test`` runs everything.

Slow are the tests that grade classes (real nbgrader, the course's grader, kernels), build the
student bundle, drive JupyterLab in a browser, or train the lectures' networks from many seeds:
whole modules by name below, single tests with ``@pytest.mark.slow``.
"""

import pytest

SLOW_MODULES = {"test_autograde.py", "test_grading.py", "test_grading_isolation.py", "test_class_report.py",
                "test_instructor_workflow.py", "test_bundle.py", "test_lectures.py", "test_copy_paste.py",
                "test_start_command.py"}


def pytest_addoption(parser):
    parser.addoption("--full-parity", action="store_true",
                     help="grade the whole wrong-answer catalogue with the course's grader too and "
                          "compare every score with nbgrader's (by default: a sample of students)")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: grades classes, runs kernels or browsers, or trains many networks "
                                       "(left out by bin/test --quick)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in SLOW_MODULES or item.path.parent.name == "browser" and item.path.name != "test_page_helpers.py":
            item.add_marker(pytest.mark.slow)
