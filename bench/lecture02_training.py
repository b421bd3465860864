"""Lecture 2: time 50 000 steepest-descent iterations of the 1-6-7-2 sigmoid network on the curve,
once with six separate Jacobian functions (each running its own forward pass, as in the
lecture's first approach) and once with one combined backprop sweep.

Usage: python bench/lecture02_training.py [iterations [repeats]]   (default 50000 3)
The reference gradients live here, not in the course package (which must hold no solutions).
"""

import os
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
def _error3(p, x, y):
    a1, a2, a3 = forward(p, x)
    return a1, a2, 2.0 / x.shape[1] * (a3 - y) * a3 * (1.0 - a3)


def J_W3(p, x, y):
    a1, a2, e3 = _error3(p, x, y)
    return e3 @ a2.T


def J_b3(p, x, y):
    return _error3(p, x, y)[2].sum(axis=1, keepdims=True)


def _error2(p, x, y):
    a1, a2, e3 = _error3(p, x, y)
    return a1, (p["W3"].T @ e3) * a2 * (1.0 - a2)


def J_W2(p, x, y):
    a1, e2 = _error2(p, x, y)
    return e2 @ a1.T


def J_b2(p, x, y):
    return _error2(p, x, y)[1].sum(axis=1, keepdims=True)


def _error1(p, x, y):
    a1, e2 = _error2(p, x, y)
    return (p["W2"].T @ e2) * a1 * (1.0 - a1)


def J_W1(p, x, y):
    return _error1(p, x, y) @ x.T


def J_b1(p, x, y):
    return _error1(p, x, y).sum(axis=1, keepdims=True)


def six_functions(p, x, y):
    return {"W1": J_W1(p, x, y), "b1": J_b1(p, x, y), "W2": J_W2(p, x, y),
            "b2": J_b2(p, x, y), "W3": J_W3(p, x, y), "b3": J_b3(p, x, y)}


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


def timed(gradients, x, y, iterations, repeats, **options):
    """Train ``repeats`` times from the same start; return (runs, cpu seconds of each)."""
    runs, cpus = [], []
    for _ in range(repeats):
        cpu = time.process_time()
        runs.append(train(gradients, init_params(), x, y, step=5.0, iterations=iterations, **options))
        cpus.append(time.process_time() - cpu)
    return runs, cpus


def main(iterations=50_000, repeats=3):
    x, y = training_data()
    print(f"{iterations} iterations, network (1, 6, 7, 2), {x.shape[1]} examples, step 5; "
          f"best and median of {repeats} runs (other work on the machine only ever adds time)")
    best = {}
    for label, gradients, options in [("six separate Jacobian functions", six_functions, {}),
                                      ("combined backprop", combined, {}),
                                      ("combined backprop, noise 0.8", combined, {"noise": 0.8, "seed": 0})]:
        runs, cpus = timed(gradients, x, y, iterations, repeats, **options)
        walls = sorted(run.seconds for run in runs)
        best[label] = walls[0]
        print(f"{label:32s} wall best {walls[0]:6.2f} s  median {walls[len(walls) // 2]:6.2f} s  "
              f"cpu best {min(cpus):6.2f} s  ({1e6 * walls[0] / iterations:5.1f} µs/iteration)  "
              f"final cost {cost(runs[0].params, x, y):.6f}")
    print(f"speed-up of the combined backprop: {best['six separate Jacobian functions'] / best['combined backprop']:.1f}x")
    target = 3.0 * iterations / 50_000
    verdict = "within" if best["combined backprop"] <= target else "over"
    print(f"combined backprop: {verdict} the target of {target:.2f} s")
    print(f"(machine load average now: {', '.join(f'{v:.1f}' for v in os.getloadavg())})")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
