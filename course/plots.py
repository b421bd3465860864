"""Plots shared by the lectures. Every plot has a title and labelled axes."""

import matplotlib.pyplot as plt
import numpy as np


def plot_fit(x, y, predict, title="Fitted curve over the data", xlabel="limit (z-score)",
             ylabel="balance (z-score)", ax=None):
    """Scatter the data (x, y: shape (N,)) and draw ``predict`` over the range of x.

    predict: function mapping an array of shape (M,) to predictions of shape (M,) or (M, 1).
    Returns the matplotlib Axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    x = np.asarray(x).reshape(-1)
    grid = np.linspace(x.min(), x.max(), 200)
    ax.scatter(x, np.asarray(y).reshape(-1), s=10, alpha=0.5, label="data")
    ax.plot(grid, np.asarray(predict(grid)).reshape(-1), color="C3", lw=2, label="network")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return ax


def plot_losses(losses, title="Training loss", ylabel="loss", ax=None, log=True, xlabel="iteration"):
    """Loss per iteration (a sequence of numbers), on a log scale by default. Returns the Axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(np.asarray(losses, dtype=float).reshape(-1))
    if log:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return ax
