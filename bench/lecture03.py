"""Lecture 3 figures: each notebook's run time, and our networks beside MLPClassifier.

Runs the solved source notebooks top to bottom with nbclient (as the autograder does), then, in
the same kernel, times the notebook's own training function against scikit-learn's
``MLPClassifier`` on the same moons data.

    python bench/lecture03.py
"""

import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = REPO / "source" / "03_two_moons"
TARGET_SECONDS = 20.0

# Run in the notebook's kernel after all its cells: time its training against MLPClassifier.
COMPARE = {
    "a_from_scratch": """
import json, time
from course.sklearn_moons import PART_A_NETWORK, fit_mlp, probability_of_one
start = time.perf_counter()
trained, _ = train(add_bias(X_train), y_train, n_hidden=6, lr=0.05, steps=1000, seed=0)
ours_seconds = time.perf_counter() - start
ours = accuracy(lambda p: feed_forward(add_bias(p), trained)[1], X_train, y_train)
mlp = fit_mlp(X_train, y_train, **PART_A_NETWORK)
print(json.dumps({"data": "200 moons, noise 0.1", "ours": "6 sigmoid units, gradient descent, 1000 steps",
                  "ours_seconds": ours_seconds, "ours_accuracy": ours,
                  "mlp": "MLPClassifier(6 logistic units, Adam lr 0.3, 200 epochs)",
                  "mlp_seconds": mlp.fit_seconds, "mlp_accuracy": accuracy(probability_of_one(mlp), X_train, y_train)}))
""",
    "b_vector_jacobian_products": """
import json, time
from course.sklearn_moons import PART_B_TUNED, fit_mlp, probability_of_one
start = time.perf_counter()
trained, _ = train_with(backward_sigmoid_bce, "sigmoid", X, y, lr=1.0, steps=1000, seed=0, loss=bce_loss)
ours_seconds = time.perf_counter() - start
ours = accuracy(lambda p: forward(p, trained, "sigmoid")["y_hat"], X, y)
mlp = fit_mlp(X, y, **PART_B_TUNED)
print(json.dumps({"data": "100 moons, noise 0.25", "ours": "32 ReLU units + biases, sigmoid, BCE, 1000 steps",
                  "ours_seconds": ours_seconds, "ours_accuracy": ours,
                  "mlp": "MLPClassifier(32 ReLU units, plain full-batch gradient descent lr 1.0, 1000 epochs)",
                  "mlp_seconds": mlp.fit_seconds, "mlp_accuracy": accuracy(probability_of_one(mlp), X, y)}))
""",
}


def run_notebook(path):
    """Execute the notebook; return (seconds for all its cells, comparison dict or None)."""
    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3")
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
        extra = COMPARE.get(path.stem)
        if extra is None:
            return seconds, None
        cell = nbformat.v4.new_code_cell(extra)
        nb.cells.append(cell)
        client.execute_cell(cell, len(nb.cells) - 1)
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        return seconds, json.loads(text.strip().splitlines()[-1])


def main():
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Lecture 3 notebooks (target: each at most {TARGET_SECONDS:.0f} s, kernel start not counted; "
          f"{os.cpu_count()} cores, load average {load}: times grow with the load)")
    comparisons = []
    slow = False
    for path in sorted(ASSIGNMENT.glob("*.ipynb")):
        seconds, comparison = run_notebook(path)
        slow |= seconds > TARGET_SECONDS
        print(f"  {path.name:40s} {seconds:6.1f} s  {'ok' if seconds <= TARGET_SECONDS else 'SLOW'}")
        if comparison:
            comparisons.append(comparison)
    print("\nOur network beside MLPClassifier (training time, training accuracy)")
    for c in comparisons:
        print(f"  {c['data']}")
        print(f"    ours: {c['ours']:52s} {c['ours_seconds']:6.2f} s  {c['ours_accuracy']:.1%}")
        print(f"    {c['mlp']:58s} {c['mlp_seconds']:6.2f} s  {c['mlp_accuracy']:.1%}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
