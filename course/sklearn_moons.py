"""scikit-learn's ``MLPClassifier`` on the moons, fitted quietly (Lecture 3).

With a fixed ``max_iter`` the optimiser often stops before its own tolerance is met and warns
with a ``ConvergenceWarning``. Here that is expected (the loss curve shows where it stands), so
the warning is caught rather than printed.
"""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier


def fit_mlp(X, y, **options):
    """Fit ``MLPClassifier(**options)`` to X (N, 2), y (N,) or (N, 1); returns the model.

    The model carries ``fit_seconds`` (wall time of the fit) besides scikit-learn's attributes
    such as ``loss_curve_``.
    """
    model = MLPClassifier(**options)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, np.asarray(y).reshape(-1))
    model.fit_seconds = time.perf_counter() - start
    return model


def probability_of_one(model):
    """A predict function for ``plot_decision_boundary``: P(class 1), shape (M,)."""
    return lambda points: model.predict_proba(points)[:, 1]


# The network of Lecture 3a in scikit-learn: 6 logistic hidden units, a logistic output, the mean
# log loss without weight penalty, Adam with learning rate 0.3 on the full batch of 200 points for
# exactly 200 epochs (n_iter_no_change=200: the early stop never triggers).
PART_A_NETWORK = dict(hidden_layer_sizes=(6,), activation="logistic", solver="adam",
                      learning_rate_init=0.3, batch_size=200, max_iter=200, n_iter_no_change=200,
                      alpha=0.0, random_state=0)

# Lecture 3b: the library default, then a small model trained the way Lecture 3b trains its own:
# 32 ReLU units, plain gradient descent (no momentum, no weight penalty) on the full batch of 100
# points, learning rate 1.0, exactly 1000 epochs (the early stop never triggers).
PART_B_DEFAULT = dict(random_state=0)
PART_B_TUNED = dict(hidden_layer_sizes=(32,), solver="sgd", batch_size=100, learning_rate_init=1.0,
                    momentum=0.0, nesterovs_momentum=False, alpha=0.0, max_iter=1000,
                    n_iter_no_change=1000, random_state=0)
