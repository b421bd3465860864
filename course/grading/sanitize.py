"""Turn submitted bytes into a notebook that is safe to grade, the way nbgrader's sanitising
preprocessors do (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells), with the
gaps closed: every known cell gets its nbgrader metadata back from the gradebook, locked cells
(tests) get their source back, and a deleted or re-pointed test cell is put back.
Every repair is reported as a flag for the instructor."""

import json
import uuid

import nbformat
from nbformat.validator import normalize
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import ClearOutput, DeduplicateIds
from nbgrader.utils import compute_checksum

from course.grading import cells as marks


class Unreadable(Exception):
    """The submitted file is not a notebook we can grade; the message says why."""


def parse(raw):
    """NotebookNode (nbformat 4) from the submitted bytes, and flags about its format."""
    flags = []
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise Unreadable(f"the file is not valid notebook JSON ({type(error).__name__}: "
                         f"{str(error)[:120]})") from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise Unreadable("the file is JSON but not a Jupyter notebook")
    raw_ids = [c.get("id") for c in data.get("cells", []) if isinstance(c, dict) and "id" in c]
    if len(set(raw_ids)) != len(raw_ids):
        flags.append("duplicate cell ids: new ids given")
    if data.get("nbformat") != 4:
        flags.append(f"old notebook format (nbformat {data.get('nbformat')}): converted")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as error:  # nbformat raises many kinds on malformed notebooks
        raise Unreadable(f"the notebook cannot be read ({type(error).__name__}: "
                         f"{str(error)[:120]})") from None
    ids = [c.get("id") for c in nb.cells]
    if len(set(ids)) != len(ids) or None in ids and nb.nbformat_minor >= 5:
        flags.append("duplicate or missing cell ids: new ids given")
        for cell in nb.cells:
            cell["id"] = uuid.uuid4().hex[:8]
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    for cell in nb.cells:
        cell.setdefault("id", uuid.uuid4().hex[:8])
        cell.setdefault("metadata", {})
        if not isinstance(cell.get("source", ""), str):
            cell["source"] = "".join(cell["source"])
    normalize(nb)
    return nb, flags


def _metadata(grade_id, spec_cell):
    meta = {"grade": spec_cell["grade"], "grade_id": grade_id, "locked": spec_cell["locked"],
            "schema_version": 3, "solution": spec_cell["solution"], "task": spec_cell["task"],
            "checksum": spec_cell["checksum"]}
    if spec_cell["points"] is not None:
        meta["points"] = spec_cell["points"]
    return meta


def _set_type(cell, cell_type):
    if cell.cell_type == cell_type:
        return
    cell.cell_type = cell_type
    if cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def _new_cell(grade_id, spec_cell):
    make = nbformat.v4.new_code_cell if spec_cell["cell_type"] == "code" else nbformat.v4.new_markdown_cell
    cell = make(spec_cell["source"])
    cell.metadata["nbgrader"] = _metadata(grade_id, spec_cell)
    return cell


def _release_order(nb_spec):
    """The released notebook's cells in order, as keys: ("grade", grade_id) for nbgrader cells,
    ("cell", cell id) for the instructor's other cells (students keep those ids)."""
    keys = [tuple(k) for k in nb_spec.get("release_keys") or []]
    known = {k[1] for k in keys if k[0] == "grade"}
    return keys + [("grade", g) for g in nb_spec["order"] if g not in known]


def restore(nb, nb_spec):
    """Repair ``nb`` in place against the notebook's spec; return flags describing each repair."""
    flags = []
    resources = {}
    nb, _ = ClearOutput().preprocess(nb, resources)
    before = [marks.grade_id(c) for c in nb.cells]
    nb, _ = DeduplicateIds().preprocess(nb, resources)
    dupes = sorted({g for g in before if g and before.count(g) > 1})
    if dupes:
        flags.append(f"cells share an nbgrader id ({', '.join(dupes)}): the last copy keeps it, the "
                     "others run as ordinary cells")
    for cell in nb.cells:
        # A cell copied in JupyterLab carries the same nbgrader metadata; nbgrader empties it on
        # all but the last copy. Empty metadata would fail nbgrader's schema check.
        if "nbgrader" in cell.metadata and not cell.metadata["nbgrader"]:
            del cell.metadata["nbgrader"]
    if nb_spec.get("kernelspec"):
        nb.metadata["kernelspec"] = nb_spec["kernelspec"]
    cells = nb_spec["cells"]
    present = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        grade_id = meta.get("grade_id")
        if grade_id not in cells:
            if meta.get("grade") or meta.get("locked") or meta.get("solution"):
                flags.append(f"a cell claims an unknown nbgrader id {grade_id!r}: not graded")
            cell.metadata.pop("nbgrader")
            continue
        spec_cell = cells[grade_id]
        present.add(grade_id)
        if cell.cell_type != spec_cell["cell_type"]:
            flags.append(f"cell {grade_id} changed type to {cell.cell_type}: restored")
            _set_type(cell, spec_cell["cell_type"])
        wanted = _metadata(grade_id, spec_cell)
        changed = [k for k in ("grade", "solution", "locked", "task", "points")
                   if k in wanted and meta.get(k) != wanted[k]]
        if changed:
            flags.append(f"cell {grade_id} had its nbgrader settings changed ({', '.join(changed)}): restored")
        cell.metadata["nbgrader"] = wanted
        if spec_cell["locked"] and cell.source != spec_cell["source"]:
            if cell.source != spec_cell.get("released", spec_cell["source"]):
                flags.append(f"locked cell {grade_id} was edited: restored")
            cell.source = spec_cell["source"]
        if spec_cell["locked"]:
            assert compute_checksum(cell) == spec_cell["checksum"], grade_id
    # Put back deleted test (and other locked graded) cells where the instructor put them: after
    # the nearest earlier cell of the released notebook still there, instructor cells included.
    order = _release_order(nb_spec)
    for position, key in enumerate(order):
        grade_id = key[1] if key[0] == "grade" else None
        if grade_id is None or grade_id in present:
            continue
        spec_cell = cells[grade_id]
        if not (spec_cell["locked"] or spec_cell["grade"]) or spec_cell["solution"] or spec_cell["task"]:
            continue   # an answer the student deleted stays deleted (and scores what nbgrader gives)
        flags.append(f"cell {grade_id} was missing: put back")
        index = 0
        for earlier in reversed(order[:position]):
            spots = [i for i, c in enumerate(nb.cells) if marks.key(c) == earlier]
            if spots:
                index = spots[-1] + 1
                break
        nb.cells.insert(index, _new_cell(grade_id, spec_cell))
        present.add(grade_id)
    MetadataValidator().validate_nb(nb)
    return flags
