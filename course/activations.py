"""Activation functions that stay quiet: no overflow warnings for large inputs."""

import numpy as np


def sigmoid(z):
    """Logistic function 1 / (1 + exp(-z)), elementwise, for any shape.

    Written with exp of a non-positive number only, so it never overflows.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    """Derivative of the sigmoid with respect to its input z: σ(z)(1 − σ(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)
