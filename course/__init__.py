"""Helpers for *Backprop from scratch*: data, plots, widgets and the checks behind the tests.

Everything a student needs ships here; nothing here contains exercise solutions.
"""

__version__ = "1.0.0"
