"""The text of every lecture, read like a student who wants to find things in it.

For every source notebook:
- the exercises are numbered 1, 2, 3, … in order, without gaps, with headings written
  "### Exercise N — short title (graded)" or "(manually graded)", and a "(graded)" exercise has an
  autograded test cell while a "(manually graded)" one has a written answer cell;
- every graded cell (answer cell, test cell, written answer) sits under a numbered exercise
  heading: the last heading of level 2 or 3 above it is that exercise's;
- a written question is a markdown cell above its answer cell, and the answer cell holds nothing
  but the model answer between ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
- every cross-reference ("Exercise 4", "Exercises 8 and 9", "Exercise 2 of Lecture 3a",
  "Lecture 1, Exercise 4", "Section 3", "Part A", "Lecture 2", "exercises are numbered 1 to 9")
  points at something that exists.
"""

import re

import pytest

from tests.course_repo import assignments, nbgrader_meta, notebooks, read

NOTEBOOKS = [(a, name, path) for a in assignments() for name, path in notebooks(a).items()]
IDS = [f"{a}/{name}" for a, name, _ in NOTEBOOKS]

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
EXERCISE_HEADING = re.compile(r"^Exercise (\d+) — (.+) \((graded|manually graded)\)$")
# A heading that names an exercise, a question or a task in any form.
EXERCISE_LIKE = re.compile(r"^(Exercise|Question|Task|Problem)\b", re.IGNORECASE)
TITLE = re.compile(r"^# Lecture (\d+[a-z]?)\b")

SEP = r"(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*[–-]\s*|\s+to\s+)"
LECTURE_ID = r"\d+[a-z]?"
# "Exercise 4", "Exercises 8 and 9", "Sections 1 and 4", each with an optional lecture before
# ("Lecture 1, Exercise 4") or after ("Exercise 2 of Lecture 3a").
NUMBERED = re.compile(
    rf"(?:\bLecture\s+(?P<pre>{LECTURE_ID}),?\s+)?"
    rf"\b(?P<kind>[Ee]xercises?|[Ss]ections?)\s+(?P<nums>\d+(?:{SEP}\d+)*)\b"
    rf"(?:\s+(?:of|in)\s+Lecture\s+(?P<post>{LECTURE_ID})\b)?")
PART = re.compile(r"\bParts?\s+(?P<names>(?:[A-Z]|[IVX]+|\d+)(?:" + SEP + r"(?:[A-Z]|[IVX]+|\d+))*)\b")
LECTURE_REF = re.compile(rf"\bLectures?\s+(?P<ids>{LECTURE_ID}(?:{SEP}{LECTURE_ID})*)\b")
COUNT = re.compile(r"\bexercises are numbered 1 to (\d+)\b", re.IGNORECASE)


def _numbers(text, letters=False):
    """The numbers (or part names) of "8 and 9", "1, 3 and 4", "1 to 12", "2–4"."""
    items = re.split(SEP, text.strip())
    ranged = re.search(r"\s+to\s+|[–-]", text) and len(items) == 2 and all(i.isdigit() for i in items)
    if ranged:
        return [str(n) for n in range(int(items[0]), int(items[1]) + 1)]
    return [i for i in items if i]


def is_answer(cell):
    return bool(nbgrader_meta(cell).get("solution"))


def is_graded_cell(cell):
    meta = nbgrader_meta(cell)
    return bool(meta.get("solution") or meta.get("grade"))


def is_autograded_test(cell):
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def is_written_answer(cell):
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and bool(meta.get("solution")) and cell.cell_type == "markdown"


def headings(cell):
    """(level, text) of the headings of a markdown cell that is not an answer cell, outside
    fenced code."""
    if cell.cell_type != "markdown" or is_answer(cell):
        return []
    out, fenced = [], False
    for line in cell.source.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        match = HEADING.match(line)
        if match and not fenced:
            out.append((len(match.group(1)), match.group(2)))
    return out


class Lecture:
    """What one notebook holds: its lecture id, exercises, sections and parts, cell by cell."""

    def __init__(self, path):
        self.nb = read(path)
        self.cells = self.nb.cells
        first = next((c for c in self.cells if c.cell_type == "markdown"), None)
        match = TITLE.match(first.source.strip()) if first else None
        self.id = match.group(1) if match else None
        self.exercises = []       # (number, title, kind, cell index)
        self.bad_headings = []    # exercise-like headings not in the agreed form
        self.sections = set()     # "## 3. Title" -> "3"
        self.parts = set()        # "Part A" in any heading
        self.governing = []       # for each cell: the last level-2/3 heading above it, or None
        current = None
        for index, cell in enumerate(self.cells):
            self.governing.append(current)
            for level, text in headings(cell):
                section = re.match(r"^(\d+)\.\s", text)
                if level == 2 and section:
                    self.sections.add(section.group(1))
                for part in re.findall(r"\bPart\s+([A-Z]|[IVX]+|\d+)\b", text):
                    self.parts.add(part)
                exercise = EXERCISE_HEADING.match(text)
                if EXERCISE_LIKE.match(text):
                    if level == 3 and exercise:
                        self.exercises.append((int(exercise.group(1)), exercise.group(2),
                                               exercise.group(3), index))
                    else:
                        self.bad_headings.append("#" * level + " " + text)
                if level in (2, 3):
                    current = (text, index)
            # A heading governs the cells after its own cell.

    def exercise_numbers(self):
        return {str(n) for n, *_ in self.exercises}

    def exercise_of(self, index):
        """The number of the exercise whose heading governs cell ``index``, or None."""
        heading = self.governing[index]
        if heading is None:
            return None
        match = EXERCISE_HEADING.match(heading[0])
        return int(match.group(1)) if match else None


LECTURES = {}


def lecture(path):
    if path not in LECTURES:
        LECTURES[path] = Lecture(path)
    return LECTURES[path]


def all_lectures():
    return [lecture(path) for _, _, path in NOTEBOOKS]


def lectures_named(lecture_id):
    """The notebooks a student means by "Lecture <lecture_id>": "3a" names one, "3" names both
    halves of Lecture 3."""
    exact = [lec for lec in all_lectures() if lec.id == lecture_id]
    if exact:
        return exact
    return [lec for lec in all_lectures() if lec.id and re.fullmatch(rf"{lecture_id}[a-z]", lec.id)]


@pytest.mark.parametrize("path", [p for _, _, p in NOTEBOOKS], ids=IDS)
def test_title_names_the_lecture(path):
    assert lecture(path).id, "the first markdown cell should be the title '# Lecture N — …'"


@pytest.mark.parametrize("path", [p for _, _, p in NOTEBOOKS], ids=IDS)
def test_exercises_are_numbered_in_order(path):
    lec = lecture(path)
    assert not lec.bad_headings, (
        "exercise headings must read '### Exercise N — short title (graded)' or "
        f"'(manually graded)': {lec.bad_headings}")
    numbers = [n for n, *_ in lec.exercises]
    assert numbers, "no numbered exercise"
    assert numbers == list(range(1, len(numbers) + 1)), f"exercise numbers in order of appearance: {numbers}"


@pytest.mark.parametrize("path", [p for _, _, p in NOTEBOOKS], ids=IDS)
def test_graded_cells_sit_under_their_exercise(path):
    lec = lecture(path)
    stray = [f"cell {i} ({nbgrader_meta(c).get('grade_id')}), under {lec.governing[i] and lec.governing[i][0]!r}"
             for i, c in enumerate(lec.cells) if is_graded_cell(c) and lec.exercise_of(i) is None]
    assert not stray, f"graded cells that no numbered exercise heading governs: {stray}"
    for number, title, kind, _ in lec.exercises:
        cells = [c for i, c in enumerate(lec.cells) if lec.exercise_of(i) == number]
        if kind == "graded":
            assert any(is_autograded_test(c) for c in cells), \
                f"Exercise {number} ({title}) says '(graded)' but has no autograded test cell"
        else:
            assert any(is_written_answer(c) for c in cells), \
                f"Exercise {number} ({title}) says '(manually graded)' but has no written answer cell"


@pytest.mark.parametrize("path", [p for _, _, p in NOTEBOOKS], ids=IDS)
def test_written_questions_stand_above_their_answer_cells(path):
    lec = lecture(path)
    for index, cell in enumerate(lec.cells):
        if not is_written_answer(cell):
            continue
        gid = nbgrader_meta(cell).get("grade_id")
        source = cell.source.strip()
        assert source.startswith("### BEGIN SOLUTION") and source.endswith("### END SOLUTION"), (
            f"the answer cell {gid} must hold only the model answer between ### BEGIN SOLUTION and "
            "### END SOLUTION; the question goes in a markdown cell above it")
        above = lec.cells[index - 1] if index else None
        assert above is not None and above.cell_type == "markdown" and not is_answer(above) \
            and above.source.strip(), f"the question of {gid} should be the markdown cell just above it"


def references(text):
    """(kind, target, lecture id or None) for every cross-reference in ``text``; kind is
    'exercise', 'section', 'part', 'lecture' or 'count'."""
    out = []
    for match in NUMBERED.finditer(text):
        kind = "exercise" if match.group("kind").lower().startswith("exercise") else "section"
        other = match.group("pre") or match.group("post")
        out += [(kind, n, other) for n in _numbers(match.group("nums"))]
    for match in PART.finditer(text):
        out += [("part", n, None) for n in _numbers(match.group("names"))]
    for match in LECTURE_REF.finditer(text):
        out += [("lecture", n, n) for n in _numbers(match.group("ids"))]
    for match in COUNT.finditer(text):
        out.append(("count", match.group(1), None))
    return out


def broken_references(lec):
    problems = []
    for index, cell in enumerate(lec.cells):
        if cell.cell_type != "markdown":
            continue
        for kind, target, other in references(cell.source):
            where = f"cell {index}: {kind} {target}" + (f" of Lecture {other}" if other and kind != "lecture" else "")
            if kind == "lecture":
                if not lectures_named(target):
                    problems.append(f"{where}: there is no Lecture {target}")
                continue
            if kind == "count":
                if int(target) != len(lec.exercises):
                    problems.append(f"{where}: the notebook has {len(lec.exercises)} exercises")
                continue
            if other and other != lec.id:
                targets = lectures_named(other)
                if len(targets) != 1:
                    problems.append(f"{where}: Lecture {other} names {len(targets)} notebooks")
                    continue
                target_lec = targets[0]
            else:
                target_lec = lec
            found = {"exercise": target_lec.exercise_numbers(), "section": target_lec.sections,
                     "part": target_lec.parts}[kind]
            if target not in found:
                problems.append(f"{where}: no such {kind} (there are {sorted(found, key=lambda s: (len(s), s))})")
    return problems


@pytest.mark.parametrize("path", [p for _, _, p in NOTEBOOKS], ids=IDS)
def test_cross_references_point_at_something_that_exists(path):
    problems = broken_references(lecture(path))
    assert not problems, "broken cross-references:\n" + "\n".join(problems)


def test_the_reference_reader_reads_every_form():
    """The patterns above, on the forms the lectures use (so that a reference cannot slip past
    unread)."""
    got = references("as in Exercise 4, Exercises 8 and 9, Exercises 1, 3 and 6, Exercises 2–4, "
                     "Exercise 2 of Lecture 3a, Lecture 1, Exercise 5, Sections 1 and 4, section 9, "
                     "Part II, Lectures 1, 3 and 4, the exercises are numbered 1 to 12.")
    assert got == [
        ("exercise", "4", None), ("exercise", "8", None), ("exercise", "9", None),
        ("exercise", "1", None), ("exercise", "3", None), ("exercise", "6", None),
        ("exercise", "2", None), ("exercise", "3", None), ("exercise", "4", None),
        ("exercise", "2", "3a"), ("exercise", "5", "1"),
        ("section", "1", None), ("section", "4", None), ("section", "9", None),
        ("part", "II", None),
        ("lecture", "3a", "3a"), ("lecture", "1", "1"), ("lecture", "1", "1"), ("lecture", "3", "3"),
        ("lecture", "4", "4"),
        ("count", "12", None),
    ]
