"""Lecture 2: time 50 000 steepest-descent iterations of the 1-6-7-2 sigmoid network on the curve,
once with the six separate Jacobian functions (each running its own forward pass, as in the
lecture's first approach) and once with the one-sweep ``backprop``.

Usage: python bench/lecture02_training.py [iterations [repeats]]   (default 50000 3)

The functions timed are the lecture's own: the solved source notebook runs top to bottom in a
kernel (as the autograder runs it), then the timing runs in that same kernel with the notebook's
``six_jacobians``, ``backprop``, ``init_params``, ``cost`` and training data. No model answer is
copied here.
"""

import json
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "source" / "02_three_layer_jacobians" / "jacobians.ipynb"

# Run in the notebook's kernel after all its cells; prints one JSON line.
TIMING = """
import json as _json, time as _time

def _timed(gradients, repeats, **options):
    walls, cpus, finals = [], [], []
    for _ in range(repeats):
        cpu = _time.process_time()
        _r = train(gradients, init_params(seed=1), x, y, step=5.0, iterations={iterations}, **options)
        cpus.append(_time.process_time() - cpu)
        walls.append(_r.seconds)
        finals.append(float(cost(_r.params, x, y)))
    return {{"walls": walls, "cpus": cpus, "final": finals[0]}}

print(_json.dumps({{
    "examples": int(x.shape[1]),
    "six separate Jacobian functions": _timed(six_jacobians, {repeats}),
    "combined backprop": _timed(backprop, {repeats}),
    "combined backprop, noise 0.8": _timed(backprop, {repeats}, noise=0.8, seed=0),
}}))
"""


def run_in_notebook(iterations, repeats):
    """Execute the source notebook, then the timing cell in its kernel; return its results."""
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    client = NotebookClient(nb, timeout=3600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        cell = nbformat.v4.new_code_cell(TIMING.format(iterations=iterations, repeats=repeats))
        nb.cells.append(cell)
        client.execute_cell(cell, len(nb.cells) - 1)
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1])


def main(iterations=50_000, repeats=3):
    results = run_in_notebook(iterations, repeats)
    print(f"{iterations} iterations, network (1, 6, 7, 2), {results.pop('examples')} examples, step 5; "
          f"best and median of {repeats} runs (other work on the machine only ever adds time); "
          f"functions from {NOTEBOOK.relative_to(REPO)}")
    best = {}
    for label, r in results.items():
        walls = sorted(r["walls"])
        best[label] = walls[0]
        print(f"{label:32s} wall best {walls[0]:6.2f} s  median {walls[len(walls) // 2]:6.2f} s  "
              f"cpu best {min(r['cpus']):6.2f} s  ({1e6 * walls[0] / iterations:5.1f} µs/iteration)  "
              f"final cost {r['final']:.6f}")
    print(f"speed-up of the combined backprop: {best['six separate Jacobian functions'] / best['combined backprop']:.1f}x")
    target = 3.0 * iterations / 50_000
    verdict = "within" if best["combined backprop"] <= target else "over"
    print(f"combined backprop: {verdict} the target of {target:.2f} s")
    print(f"(machine load average now: {', '.join(f'{v:.1f}' for v in os.getloadavg())})")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
