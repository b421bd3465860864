"""Build the student bundle: everything a student receives, and nothing an instructor keeps.

    bin/bundle DEST          (DEST must not exist, or be empty)

DEST then holds

    README.md            how to install and work through the course
    requirements.txt     the course's requirements-student.txt (the pins a student needs)
    pyproject.toml       makes DEST pip-installable as the ``backprop-course`` package
    course/              the helper package with its data (never course/grading)
    lectures/NN_name/    the release notebooks (and any files nbgrader released beside them)
    .gitignore           so that DEST can be pushed as a template repository as it is

Only the standard library is used, so the builder runs with any Python 3.11.
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Instructor-only parts of course/ (grading code, if present, is never shipped).
EXCLUDED_PACKAGES = {"grading"}
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".DS_Store")


PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "backprop-course"
version = "{version}"
description = "Helpers for the Backprop from scratch course: data, plots, widgets and checks."
requires-python = ">=3.11"
dependencies = {dependencies}

[tool.setuptools.packages.find]
include = ["course*"]

[tool.setuptools.package-data]
{package_data}
"""

GITIGNORE = """\
.venv/
__pycache__/
*.egg-info/
build/
.ipynb_checkpoints/
"""


def student_pins():
    """The lines of requirements-student.txt that pin a package."""
    lines = (REPO / "requirements-student.txt").read_text().splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def student_requirements():
    pins = student_pins()
    names = {re.split(r"[=<>!~ ;\[]", pin, maxsplit=1)[0].lower() for pin in pins}
    for needed in ("jupyterlab", "ipywidgets", "nbgrader", "numpy"):
        if needed not in names:
            raise SystemExit(f"bin/bundle: requirements-student.txt has no pin for {needed}")
    lines = ["# Everything the course needs on Python 3.11, pinned to the versions it is tested with.",
             "# Install with:  pip install -r requirements.txt && pip install ."]
    return "\n".join(lines + pins) + "\n"


def package_dependencies():
    """The ``dependencies`` of the repository's pyproject.toml (kept unpinned there, as here)."""
    text = (REPO / "pyproject.toml").read_text()
    match = re.search(r"^dependencies\s*=\s*(\[[^\]]*\])", text, re.MULTILINE)
    if not match:
        raise SystemExit("bin/bundle: pyproject.toml has no dependencies list")
    return match.group(1)


def course_version():
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', (REPO / "course" / "__init__.py").read_text(),
                      re.MULTILINE)
    return match.group(1) if match else "0"


def copy_course(dest):
    """course/ without instructor-only subpackages; returns the package-data table lines."""
    def ignore(folder, names):
        skipped = set(IGNORED(folder, names))
        if Path(folder).resolve() == (REPO / "course").resolve():
            skipped |= EXCLUDED_PACKAGES & set(names)
        return skipped

    shutil.copytree(REPO / "course", dest / "course", ignore=ignore)
    data = {}
    for path in sorted((dest / "course").rglob("*")):
        if path.is_file() and path.suffix != ".py":
            package = ".".join(path.parent.relative_to(dest).parts)
            data.setdefault(package, set()).add(f"*{path.suffix}" if path.suffix else path.name)
    return "\n".join(f'"{pkg}" = {sorted(patterns)!r}'.replace("'", '"') for pkg, patterns in data.items())


def copy_lectures(dest):
    """release/NN_name/ -> lectures/NN_name/; returns the lecture folder names."""
    names = sorted(p.name for p in (REPO / "release").iterdir() if p.is_dir() and not p.name.startswith("."))
    if not names:
        raise SystemExit("bin/bundle: release/ is empty (run bin/release)")
    for name in names:
        shutil.copytree(REPO / "release" / name, dest / "lectures" / name, ignore=IGNORED)
    return names


def readme(lectures):
    listing = "\n".join(f"- `lectures/{name}/`: " + ", ".join(
        f"`{nb}`" for nb in sorted(p.name for p in (REPO / "release" / name).glob("*.ipynb")))
        for name in lectures)
    return f"""\
# Backprop from scratch

Jupyter lectures in which you build feedforward neural networks and their backpropagation
with numpy, one exercise at a time.

## Install (Python 3.11)

    python3.11 -m venv .venv
    source .venv/bin/activate          # Windows: .venv\\Scripts\\activate
    pip install -r requirements.txt
    pip install .                      # the `course` package: data, plots, widgets, checks

## Work

    jupyter lab lectures

{listing}

In each exercise cell, replace `# YOUR CODE HERE` and `raise NotImplementedError()` with
your code; written answers go where a cell says `YOUR ANSWER HERE`. The test cell after an
exercise checks your answer and says what is wrong when it fails. More tests of the same kind
run when your work is graded, so make sure your answer is right in general, not only for the
example shown.

Before you hand in, use **Validate** in the notebook toolbar: it runs the whole notebook
from the top and reports every test that fails. Do not delete, move or edit the test
cells; keep each notebook's file name.
"""


def build(dest):
    dest = Path(dest).resolve()
    if dest.exists() and any(dest.iterdir()):
        raise SystemExit(f"bin/bundle: {dest} is not empty")
    if dest == REPO or REPO in dest.parents:
        raise SystemExit("bin/bundle: build the bundle outside this repository")
    dest.mkdir(parents=True, exist_ok=True)
    package_data = copy_course(dest)
    lectures = copy_lectures(dest)
    (dest / "pyproject.toml").write_text(PYPROJECT.format(
        version=course_version(), dependencies=package_dependencies(), package_data=package_data))
    (dest / "requirements.txt").write_text(student_requirements())
    (dest / "README.md").write_text(readme(lectures))
    (dest / ".gitignore").write_text(GITIGNORE)
    return dest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", help="folder to create, outside this repository")
    dest = build(parser.parse_args(argv).dest)
    print(f"Student bundle written to {dest}")


if __name__ == "__main__":
    sys.exit(main())
