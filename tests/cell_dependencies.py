"""Which answer cells each test cell of a notebook can depend on, read from the code (no kernel).

Used to let several wrong catalogue answers share one graded student: two wrong answers may share
a notebook only when neither one's tests can see the other's cell. What each cell binds, changes
and uses comes from the grader's own analysis (``course.grading.names``); on top of it, a cell
depends on the latest earlier cell that rebinds a name it uses, on every cell since then that may
bind or mutate it, and on whatever those cells depend on.
"""

import functools

from course.grading.names import EVERYTHING, CellNames, imported_names, notebook_functions  # noqa: F401


@functools.lru_cache(maxsize=None)
def _cell_names(source, imported, keeping):
    return CellNames(source, imported, keeping)


@functools.lru_cache(maxsize=None)
def dependencies(sources):
    """For each code cell (by position in ``sources``, a tuple), the set of earlier positions it
    can depend on, directly or through other cells. (Cached: the packing asks again and again.)"""
    imported = frozenset().union(*(imported_names(s) for s in sources))
    functions, keeping = notebook_functions(sources, imported)
    cells = [_cell_names(source, imported, keeping) for source in sources]
    changes = [c.changes(functions) for c in cells]
    deps = []
    for i, cell in enumerate(cells):
        direct = {j for j in range(i) if EVERYTHING in changes[j]}
        # Names are resolved here, at cell i; a function found on the way reads its own free
        # names when it runs, which is here too (late binding), so they join the search.
        pending, seen = set(cell.uses), set()
        while pending:
            name = pending.pop()
            seen.add(name)
            since = max((j for j in range(i) if name in cells[j].binds), default=0)
            for j in range(since, i):
                if name in changes[j]:
                    direct.add(j)
                    pending |= cells[j].inner_uses - seen
        closure = set(direct)
        for j in direct:
            closure |= deps[j]
        deps.append(closure)
    return tuple(frozenset(d) for d in deps)


def answers_reached_by_tests(nb, grade_id_of, also_binds=None):
    """{test grade_id: {answer grade_ids it can depend on}} for a notebook.

    ``grade_id_of(cell)`` gives a cell's nbgrader grade_id (or None). ``also_binds`` maps an answer
    grade_id to source whose names that cell is taken to bind too: the solution cell, when the
    notebook holds a replacement that may leave some of them undefined."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    sources = []
    for c in code:
        source = c.source
        if also_binds and grade_id_of(c) in also_binds:
            names = CellNames(also_binds[grade_id_of(c)])
            source += "".join(f"\n{name} = None" for name in sorted(names.binds | names.maybe_binds))
        sources.append(source)
    deps = dependencies(tuple(sources))
    meta = [c.get("metadata", {}).get("nbgrader", {}) for c in code]
    answers = {i for i, m in enumerate(meta) if m.get("solution")}
    return {grade_id_of(code[i]): {grade_id_of(code[j]) for j in deps[i] & answers}
            for i, m in enumerate(meta) if m.get("grade") and not m.get("solution")}
