"""Catalogues of typical wrong answers and correct alternatives, one module per assignment.

Each module defines ``ASSIGNMENT`` and ``VARIANTS``, a list of ``Variant``. A variant replaces
whole answer cells of the solved source notebook; the autograde tests then require a wrong
variant to lose points on its own exercise and a right one to get full marks.
"""

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
