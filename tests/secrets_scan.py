"""Find solution and hidden-test lines of the source notebooks in other files."""

from pathlib import Path

from tests.course_repo import assignments, notebooks, read

MARKERS = [("### BEGIN SOLUTION", "### END SOLUTION"),
           ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")]
MIN_LENGTH = 16  # shorter lines ("return x", "pass") are too generic to prove a leak


def split_secret(source):
    """(secret lines, public lines) of one cell source."""
    secret, public, inside = [], [], None
    for raw in source.splitlines():
        line = raw.strip()
        if inside is None:
            for begin, end in MARKERS:
                if line.startswith(begin):
                    inside = end
                    break
            else:
                public.append(line)
        elif line.startswith(inside):
            inside = None
        else:
            secret.append(line)
    return secret, public


def secret_lines():
    """Lines that only appear inside solution or hidden-test regions of source/."""
    secret, public = set(), set()
    for assignment in assignments():
        for path in notebooks(assignment).values():
            for cell in read(path).cells:
                s, p = split_secret(cell.source)
                secret.update(s)
                public.update(p)
    return {line for line in secret - public if len(line) >= MIN_LENGTH and not line.startswith("#")}


def find_leaks(roots, secrets):
    """[(file, line)] for every secret line found in a text file under ``roots``."""
    leaks = []
    for root in roots:
        for path in sorted(Path(root).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            try:
                text = path.read_text()
            except (UnicodeDecodeError, OSError):
                continue
            if path.suffix == ".ipynb":
                import nbformat
                text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
            lines = {line.strip() for line in text.splitlines()}
            leaks += [(str(path), s) for s in secrets if s in lines]
    return leaks
