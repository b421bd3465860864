"""Activation functions that stay quiet: no overflow warnings for large inputs."""

import numpy as np
from scipy.special import expit


def sigmoid(z):
    """Logistic function 1 / (1 + exp(-z)), elementwise, for any shape.

    scipy's ``expit`` computes it without overflow (and without numpy's overflow warning,
    which would cost a test cell its points under nbgrader).
    """
    return expit(np.asarray(z, dtype=float))


def sigmoid_prime(z):
    """Derivative of the sigmoid with respect to its input z: σ(z)(1 − σ(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)
