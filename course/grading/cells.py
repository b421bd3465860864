"""nbgrader's marks on a notebook, read one way everywhere in the grader: a cell's nbgrader
metadata and grade id, and the markers that delimit solutions and hidden tests."""

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def nbgrader(cell):
    """The cell's nbgrader metadata ({} for a cell nbgrader does not know)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell):
    return nbgrader(cell).get("grade_id")


def is_test(cell):
    """An autograded test cell: graded, not an answer, code."""
    meta = nbgrader(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.get("cell_type") == "code"


def is_answer(cell):
    return bool(nbgrader(cell).get("solution"))


def key(cell):
    """How a cell is known across copies of a notebook: ("grade", grade id) for nbgrader's
    cells, ("cell", cell id) for the others (students' notebooks keep the release's cell ids)."""
    gid = grade_id(cell)
    return ("grade", gid) if gid else ("cell", cell.get("id"))


def hidden_lines(source, min_length=8):
    """Every non-trivial line of the hidden-test regions of one cell's source."""
    lines, inside = set(), False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(HIDDEN_BEGIN):
            inside = True
        elif stripped.startswith(HIDDEN_END):
            inside = False
        elif inside and len(stripped) >= min_length:
            lines.add(stripped)
    return lines
