"""Data sets used by the lectures, all shipped with the course or made locally (no downloads)."""

from course.data.credit import load_credit

__all__ = ["load_credit"]
