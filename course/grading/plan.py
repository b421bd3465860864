"""Which notebooks to grade: submissions in nbgrader's submitted/ layout or an LMS zip (nbgrader's
zip_collect conventions), matched against each assignment's notebooks; shards of a class."""

import re
import shutil
import zipfile
from pathlib import Path

from course.grading import cells as marks

# nbgrader's documented example for FileNameCollectorPlugin.named_regexp (an LMS download).
DEFAULT_ZIP_REGEX = r".*_(?P<student_id>\w+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>.+)"


def unzip_collect(zip_path, assignment, submitted, regex=DEFAULT_ZIP_REGEX):
    """Extract an LMS zip into submitted/<student>/<assignment>/<file> like ``nbgrader
    zip_collect``; returns the students found. Files the pattern does not match are skipped."""
    students = set()
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            match = re.match(regex, Path(info.filename).name)
            if not match:
                continue
            student, file_id = match.group("student_id"), match.group("file_id")
            dest = Path(submitted) / student / assignment / Path(file_id).name
            dest.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
            stamp = match.groupdict().get("timestamp")
            if stamp and not (dest.parent / "timestamp.txt").exists():
                (dest.parent / "timestamp.txt").write_text(stamp)
            students.add(student)
    return sorted(students)


def _notebook_ids(path):
    """nbgrader ids in a notebook file, or an empty set when it cannot be read."""
    try:
        import json
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = data.get("cells") or [c for ws in data.get("worksheets", []) for c in ws.get("cells", [])]
        return {marks.grade_id(c) for c in cells if isinstance(c, dict)} - {None}
    except Exception:
        return set()


def match_notebooks(folder, spec):
    """{notebook: (path or None, flags)} for one submission folder: a missing notebook maps to
    None; a renamed one (another .ipynb carrying its cells) is used, with a flag; extras are
    flagged and not graded."""
    folder = Path(folder)
    present = {p.stem: p for p in sorted(folder.glob("*.ipynb"))} if folder.is_dir() else {}
    expected = spec["notebooks"]
    out = {name: (present.get(name), []) for name in expected}
    extras = [name for name in present if name not in expected]
    for name, (path, flags) in out.items():
        if path is not None:
            continue
        ids = set(expected[name]["cells"])
        best = max(extras, key=lambda e: len(_notebook_ids(present[e]) & ids), default=None)
        if best is not None and len(_notebook_ids(present[best]) & ids) >= max(1, len(ids) // 2):
            out[name] = (present[best], [f"{name}.ipynb was submitted as {best}.ipynb: graded as {name}"])
            extras.remove(best)
        else:
            flags.append(f"{name}.ipynb is missing")
    if extras:
        first = next(iter(out))
        out[first][1].append("extra notebooks not graded: " + ", ".join(f"{e}.ipynb" for e in extras))
    return out


def student_files(folder):
    """{relative path: path} of every file in a submission folder (notebooks included)."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): str(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def class_students(submitted, assignments):
    """Sorted student ids with a folder for at least one of ``assignments``."""
    submitted = Path(submitted)
    if not submitted.is_dir():
        return []
    return sorted(s.name for s in submitted.iterdir()
                  if s.is_dir() and any((s / a).is_dir() for a in assignments))


def shard(items, spec):
    """The i-th of n interleaved parts of ``items`` for ``spec`` "i/n" (1-based)."""
    if not spec:
        return list(items)
    i, n = (int(x) for x in spec.split("/"))
    if not 1 <= i <= n:
        raise ValueError(f"shard {spec}: expected i/n with 1 <= i <= n")
    return list(items)[i - 1::n]
