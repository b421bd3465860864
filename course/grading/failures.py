"""How a failed notebook counts for the rest of its submission, as ``nbgrader autograde``.

nbgrader grades a submission's notebooks one by one in file-name order and stops at the first
one it cannot grade to the end (unreadable file, kernel died or would not stop): that notebook
and every later one score zero. The grader runs notebooks independently (in parallel), then
applies the same rule here, so that both give the same scores.
"""

CASCADE = "not graded because {first}.ipynb could not be graded to the end (as with nbgrader autograde)"


def zero_after_failure(results):
    """Zero the test cells of every notebook after the first failed one (in place); ``results``
    are the ``NotebookResult``s of ONE submission. Returns the results."""
    ordered = sorted((r for r in results if r.status != "missing"), key=lambda r: r.notebook)
    first = next((r for r in ordered if r.failed), None)
    if first is None:
        return results
    reason = CASCADE.format(first=first.notebook)
    for result in ordered[ordered.index(first) + 1:]:
        result.failed = result.failed or reason
        if reason not in result.flags:
            result.flags.append(reason)
        for cell in result.cells:
            if cell.kind == "test":
                cell.points, cell.passed, cell.message, cell.diagnosis = 0.0, False, reason, "earlier-notebook-failed"
    return results
