"""Lecture 2's training data: a looping 2-D curve traced by a 1-D input.

The input x runs evenly over [0, 1]; the target y is the point of the curve at x. Every target
coordinate lies inside (0, 1), where a sigmoid output layer can reach it.
"""

import numpy as np

LOW, HIGH = 0.02, 0.98  # noisy targets are clipped here: a sigmoid never reaches 0 or 1


def curve(t):
    """Points of the noise-free curve for parameters ``t`` (any shape, values in [0, 1]).

    Returns an array of shape (2,) + t.shape: row 0 the horizontal, row 1 the vertical coordinate.
    """
    t = np.asarray(t, dtype=float)
    horizontal = 0.5 + 0.35 * np.sin(2.2 * np.pi * t + 0.3)
    vertical = 0.55 + 0.3 * np.cos(1.1 * np.pi * t) * np.sin(2.2 * np.pi * t - 0.4)
    return np.stack([horizontal, vertical])


def training_data(n=64, noise=0.0, seed=0):
    """``n`` examples of the curve, one per column.

    n:     number of examples N.
    noise: standard deviation of Gaussian noise added to every target coordinate (0: none).
    seed:  seed of the noise; the same arguments always give the same arrays.
    Returns x of shape (1, N), evenly spaced in [0, 1], and y of shape (2, N), inside (0, 1).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    x = np.linspace(0.0, 1.0, n).reshape(1, n)
    y = curve(x[0])
    if noise:
        y = np.clip(y + noise * np.random.default_rng(seed).standard_normal(y.shape), LOW, HIGH)
    return x, y
