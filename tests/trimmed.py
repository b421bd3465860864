"""Catalogue students' notebooks without the lecture's demonstrations.

A catalogue student exists to show what the tests make of one answer; the plots, sweeps and
demonstrations between the exercises only cost grading time. ``trimmed`` keeps every markdown
cell, every cell nbgrader knows (answers, tests, locked cells) and every code cell those can
depend on (``cell_dependencies``, the analysis that also packs students), and drops the rest.
The autograde tests grade the trimmed solution too, and it must get full marks: that is what
shows the trimming left every test what it needs.
"""

import copy

from tests.cell_dependencies import dependencies
from tests.course_repo import nbgrader_meta


def trimmed(nb):
    """A copy of ``nb`` without the code cells no graded or locked cell depends on."""
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    deps = dependencies(tuple(nb.cells[i].source for i in code))
    keep = set()
    for k, i in enumerate(code):
        if nbgrader_meta(nb.cells[i]):
            keep |= {k} | deps[k]
    kept = {code[k] for k in keep}
    out = copy.deepcopy(nb)
    out.cells = [c for i, c in enumerate(out.cells) if c.cell_type != "code" or i in kept]
    return out
