"""Catalogues of typical wrong answers and correct alternatives, one module per assignment.

Each module defines ``ASSIGNMENT`` and ``VARIANTS``, a list of ``Variant``. A variant replaces
whole answer cells of the solved source notebook; the autograde tests then require a wrong
variant to lose points on its own exercise and a right one to get full marks.
"""

import copy
import importlib
import pkgutil
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    name: str                # short, unique within the assignment: becomes the student id
    notebook: str            # notebook name without .ipynb
    cells: dict              # {answer grade_id: replacement source for the whole cell}
    wrong: bool              # True: must lose points on `exercise`; False: must get full marks
    exercise: tuple = field(default=())  # grade_ids of the test cells of its own exercise
    why: str = ""            # what the variant imitates


def load_all():
    """{assignment: [Variant, ...]} for every catalogue module in this package."""
    out = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        out[module.ASSIGNMENT] = list(module.VARIANTS)
    return out


def with_cells(nb, replacements):
    """A copy of ``nb`` whose answer cells named in ``replacements`` ({grade_id: source}) have
    new sources."""
    nb = copy.deepcopy(nb)
    found = set()
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in replacements:
            cell.source = replacements[gid]
            found.add(gid)
    missing = set(replacements) - found
    assert not missing, f"catalogue names unknown cells {sorted(missing)}"
    return nb
