"""Execute every source notebook (solutions included) end to end and print its wall time.

Usage: python bench/notebook_times.py [assignment ...]     (target: at most 20 s per notebook)
Each notebook runs in a fresh kernel in a scratch copy of its folder, as nbgrader would run it.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 20.0


def run(path):
    """Seconds to execute the notebook at ``path`` and the number of cells that raised."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copy(path, copy)
        nb = nbformat.read(str(copy), as_version=4)
        client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": tmp}})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    errors = sum(1 for c in nb.cells if c.cell_type == "code"
                 for o in c.get("outputs", []) if o.get("output_type") == "error")
    return seconds, errors


def main(names):
    assignments = names or sorted(p.name for p in (REPO / "source").iterdir() if p.is_dir())
    print(f"{'notebook':60s} {'seconds':>8s}  errors  within {TARGET_SECONDS:.0f} s")
    worst = 0.0
    for assignment in assignments:
        for path in sorted((REPO / "source" / assignment).glob("*.ipynb")):
            seconds, errors = run(path)
            worst = max(worst, seconds)
            print(f"{assignment + '/' + path.name:60s} {seconds:8.1f}  {errors:6d}  "
                  f"{'yes' if seconds <= TARGET_SECONDS else 'NO'}")
    print(f"slowest: {worst:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
