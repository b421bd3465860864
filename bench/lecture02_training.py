"""Lecture 2: time 50 000 steepest-descent iterations of the 1-6-7-2 sigmoid network on the curve,
once with six separate Jacobian functions (each running its own forward pass, as in the
lecture's first approach) and once with one combined backprop sweep.

Usage: python bench/lecture02_training.py [iterations]
The reference gradients live here, not in the course package (which must hold no solutions).
"""

import sys
import time

import numpy as np
from scipy.special import expit

from course.curve_training import train
from course.data.curve import training_data


def init_params(sizes=(1, 6, 7, 2), seed=1):
    rng = np.random.default_rng(seed)
    params = {}
    for n in (1, 2, 3):
        params[f"W{n}"] = rng.standard_normal((sizes[n], sizes[n - 1])) / 2
        params[f"b{n}"] = rng.standard_normal((sizes[n], 1)) / 2
    return params


def forward(p, x):
    a1 = expit(p["W1"] @ x + p["b1"])
    a2 = expit(p["W2"] @ a1 + p["b2"])
    a3 = expit(p["W3"] @ a2 + p["b3"])
    return a1, a2, a3


def cost(p, x, y):
    return float(np.sum((forward(p, x)[2] - y) ** 2) / x.shape[1])


# --- seed style: every Jacobian on its own, each with its own forward pass -------------------
def _e3(p, x, y):
    a1, a2, a3 = forward(p, x)
    return a1, a2, 2.0 / x.shape[1] * (a3 - y) * a3 * (1.0 - a3)


def _e2(p, x, y):
    a1, a2, e3 = _e3(p, x, y)
    return a1, (p["W3"].T @ e3) * a2 * (1.0 - a2)


def _e1(p, x, y):
    a1, e2 = _e2(p, x, y)
    return (p["W2"].T @ e2) * a1 * (1.0 - a1)


def six_functions(p, x, y):
    return {"W3": _e3(p, x, y)[2] @ forward(p, x)[1].T,
            "b3": _e3(p, x, y)[2].sum(axis=1, keepdims=True),
            "W2": _e2(p, x, y)[1] @ forward(p, x)[0].T,
            "b2": _e2(p, x, y)[1].sum(axis=1, keepdims=True),
            "W1": _e1(p, x, y) @ x.T,
            "b1": _e1(p, x, y).sum(axis=1, keepdims=True)}


# --- one forward pass, one backward sweep --------------------------------------------------
def combined(p, x, y):
    a1 = expit(p["W1"] @ x + p["b1"])
    a2 = expit(p["W2"] @ a1 + p["b2"])
    a3 = expit(p["W3"] @ a2 + p["b3"])
    e3 = (a3 - y) * a3 * (1.0 - a3) * (2.0 / x.shape[1])
    e2 = (p["W3"].T @ e3) * a2 * (1.0 - a2)
    e1 = (p["W2"].T @ e2) * a1 * (1.0 - a1)
    return {"W3": e3 @ a2.T, "b3": e3.sum(axis=1, keepdims=True),
            "W2": e2 @ a1.T, "b2": e2.sum(axis=1, keepdims=True),
            "W1": e1 @ x.T, "b1": e1.sum(axis=1, keepdims=True)}


def main(iterations=50_000):
    x, y = training_data()
    print(f"{iterations} iterations, network (1, 6, 7, 2), {x.shape[1]} examples, step 5")
    results = {}
    for label, gradients in [("six separate Jacobian functions", six_functions),
                             ("combined backprop", combined)]:
        run = train(gradients, init_params(), x, y, step=5.0, iterations=iterations)
        results[label] = run
        print(f"{label:32s} {run.seconds:7.2f} s  ({1e6 * run.seconds / iterations:5.1f} µs/iteration)"
              f"  final cost {cost(run.params, x, y):.6f}")
    slow, fast = results.values()
    print(f"speed-up {slow.seconds / fast.seconds:.1f}x")
    noisy = train(combined, init_params(), x, y, step=5.0, iterations=iterations, noise=0.8, seed=0)
    print(f"combined backprop, noise 0.8     {noisy.seconds:7.2f} s  final cost {cost(noisy.params, x, y):.6f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
