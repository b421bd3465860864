"""The two-moons data of Lecture 3, made locally with scikit-learn's ``make_moons``.

Sizes, noise levels and random states are the ones the lecture's figures and reference numbers
are computed with. Labels come back as a float column of 0s and 1s, shape (N, 1), so that they
line up with a network output of shape (N, 1).
"""

import numpy as np
from sklearn.datasets import make_moons


def load_moons(n_samples, noise, random_state):
    """``make_moons`` with labels as a column.

    Returns X of shape (n_samples, 2) (float64) and y of shape (n_samples, 1) (float64, 0 or 1).
    """
    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
    return X.astype(np.float64), y.reshape(-1, 1).astype(np.float64)


def load_moons_small():
    """50 points, noise 0.1, random state 42: the first look at the data (Part A)."""
    return load_moons(50, 0.1, 42)


def load_moons_train():
    """200 points, noise 0.1, random state 42: the training set of Part A."""
    return load_moons(200, 0.1, 42)


def load_moons_noisy():
    """100 points, noise 0.25, random state 0: the noisier set of Part B."""
    return load_moons(100, 0.25, 0)


def load_moons_new():
    """1000 points, noise 0.25, random state 1: new points from the distribution of the noisy set,
    never used for training (Lecture 3b measures how well its networks generalise on them)."""
    return load_moons(1000, 0.25, 1)
