"""The Credit data set (ISLR / ISLP, BSD licence), shipped as ``Credit.csv``."""

from importlib import resources

import pandas as pd


def load_raw_credit() -> pd.DataFrame:
    """All 400 rows and 11 columns of ``Credit.csv``, as distributed in ISLP 0.6.0 (ID dropped)."""
    with resources.files("course.data").joinpath("Credit.csv").open("r") as f:
        frame = pd.read_csv(f)
    return frame.drop(columns="ID")


def load_credit() -> pd.DataFrame:
    """Income, limit and balance, each z-scored with the sample standard deviation.

    Returns a frame of shape (400, 3) with columns ``income``, ``limit``, ``balance``.
    """
    frame = load_raw_credit()[["Income", "Limit", "Balance"]].rename(columns=str.lower)
    return (frame - frame.mean()) / frame.std(ddof=1)
