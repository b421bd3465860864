"""Run notebooks cell by cell in THIS interpreter's environment and report each code cell.

    python run_cells.py OUT.json NOTEBOOK [NOTEBOOK ...]

Run it with the student environment's Python, from outside the course repository: it imports
nothing from the repository. Each notebook runs in its own folder with errors allowed, so every
cell is tried; OUT.json gets {notebook path: [{"index", "error" (name or null), "message"}]}.
"""

import json
import os
import sys

import nbformat
from nbclient import NotebookClient


def run(path):
    nb = nbformat.read(path, as_version=4)
    folder = os.path.dirname(os.path.abspath(path))
    NotebookClient(nb, timeout=300, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": folder}}).execute()
    report = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        report.append({"index": index,
                       "error": errors[0].ename if errors else None,
                       "message": errors[0].evalue if errors else ""})
    return report


if __name__ == "__main__":
    out, paths = sys.argv[1], sys.argv[2:]
    results = {path: run(path) for path in paths}
    with open(out, "w") as f:
        json.dump(results, f, indent=1)
