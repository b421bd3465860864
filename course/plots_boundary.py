"""Decision boundaries and loss curves for any two-feature binary classifier."""

import matplotlib.pyplot as plt
import numpy as np

from course.plots import plot_losses


def grid_points(xlim, ylim, resolution=100):
    """A regular grid over the plane.

    Returns xx, yy of shape (resolution, resolution) and the points as rows, shape (resolution², 2).
    """
    xx, yy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def plot_decision_boundary(predict, X, y, ax=None, title="Decision boundary",
                           xlim=(-2.0, 2.5), ylim=(-1.5, 2.0), resolution=100):
    """Colour the plane by ``predict`` and draw the 0.5 contour and the data on top.

    predict: function taking raw points of shape (M, 2) and returning the probability of
             class 1, shape (M,) or (M, 1). Add a bias column inside it if the model needs one.
    X: (N, 2) data points; y: (N,) or (N, 1) labels 0/1.
    Returns the matplotlib Axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    xx, yy, points = grid_points(xlim, ylim, resolution)
    with np.errstate(all="ignore"):
        zz = np.asarray(predict(points), dtype=float).reshape(xx.shape)
    filled = ax.contourf(xx, yy, zz, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.7)
    if np.nanmin(zz) < 0.5 < np.nanmax(zz):
        ax.contour(xx, yy, zz, levels=[0.5], colors="k", linewidths=1.5)
    labels = np.asarray(y).reshape(-1)
    ax.scatter(*X[labels == 0].T, color="tab:red", edgecolor="k", s=20, label="class 0")
    ax.scatter(*X[labels == 1].T, color="tab:blue", edgecolor="k", s=20, label="class 1")
    ax.figure.colorbar(filled, ax=ax, label="P(class 1)")
    ax.set(title=title, xlabel="$x_1$", ylabel="$x_2$", xlim=xlim, ylim=ylim)
    ax.legend(loc="lower left", fontsize="small")
    return ax


def plot_loss_curve(losses, ax=None, title="Training loss", ylabel="loss"):
    """Loss against training step, on a linear scale. Returns the Axes."""
    return plot_losses(losses, title=title, ylabel=ylabel, ax=ax, log=False, xlabel="step")


def accuracy(predict, X, y):
    """Share of points whose predicted probability lands on the right side of 0.5."""
    p = np.asarray(predict(X), dtype=float).reshape(-1)
    return float(np.mean((p > 0.5) == (np.asarray(y).reshape(-1) > 0.5)))
