"""The class report (python -m course.grading report).

1. On hand-made results of a small assignment whose every count is known in advance: titles,
   full/partial/zero, diagnoses in words, unattempted exercises, notebooks that stopped, flags,
   timings, trajectories, the students who may need help, the CSV; read from the grader's JSON
   and from raw results alike.
2. On a scratch class graded ONCE by the real ``class`` command (the tiny assignment with crafted
   wrong answers, and Lecture 1 with answers from its wrong-answer catalogue): the report ``class``
   writes agrees with the JSON results, names the diagnoses the catalogue predicts, loads nothing
   from elsewhere, shows no hidden test, and ``--anonymise`` leaves no student id in it.
3. On a gradebook filled by plain ``nbgrader autograde``: scores only, and it says so.
"""

import json
import threading

import pytest

from course.grading import class_report, class_results
from tests.catalogues import load_all
from tests.course_repo import RELEASE, notebooks, read
from tests.grading_course import (TINY, grade_cli, make_course, released, results_of, solved, submit_tiny,
                                  with_answer)
from tests.nbgrader_run import nbgrader, read_scores, submit
from tests.report_class import (EX1, EX2, EX3, KNOWN, UNIT, UNIT_B, UNIT_B_CLASS, UNIT_CLASS,
                                write_unit_course)
from tests.report_pages import loads_nothing_from_elsewhere, read_csv, table_rows, tables
from tests.secrets_scan import secret_lines, split_secret
from tests.trimmed import trimmed

# ---------------------------------------------------------------------------------------------
# 1. Hand-made results (tests/report_class.py)


@pytest.fixture(scope="module")
def unit(tmp_path_factory):
    root = write_unit_course(tmp_path_factory.mktemp("unit"))
    html_path, csv_path, used = class_report.write(root, root / "grades")
    return {"root": root, "html": html_path.read_text(encoding="utf-8"), "csv": read_csv(csv_path), "used": used}


def test_exercises_are_named_as_in_the_notebook_in_its_order(unit):
    exercises = class_results.exercises_from_release(unit["root"] / "release" / UNIT)
    assert [(e.title, e.tests, e.by_hand, e.max) for e in exercises] == [
        ("test_warmup", ["test_warmup"], [], 1.0),      # above every exercise heading: named by its id
        (EX1, ["test_grad_w"], [], 2.0),
        (EX2, ["test_first", "test_second"], [], 3.0),  # "### An aside" does not end Exercise 2
        (EX3, [], ["why"], 0.0)]
    assert unit["used"] == {UNIT: "results", UNIT_B: "results"}


def test_full_partial_zero_and_diagnoses_per_exercise(unit):
    rows = table_rows(unit["html"], f"{UNIT}: exercises in notebook order")
    assert list(rows) == ["test_warmup", EX1, EX2, EX3]
    assert [rows[EX1][k] for k in ("Points", "Full", "Partial", "Zero")] == ["2", "1 (14 %)", "0 (0 %)", "6 (86 %)"]
    assert [rows[EX2][k] for k in ("Full", "Partial", "Zero")] == ["1 (14 %)", "2 (29 %)", "4 (57 %)"]
    assert [rows["test_warmup"][k] for k in ("Full", "Partial", "Zero")] == ["3 (43 %)", "0 (0 %)", "4 (57 %)"]
    assert rows[EX1]["Most frequent diagnoses"].split("\n") == [
        "off by a factor 2 — 2 students",             # most frequent first
        f"a known mistake: {KNOWN} — 1 student",
        "not attempted (the stub still raises NotImplementedError) — 1 student",
        "notebook not submitted — 1 student",
        "the kernel died — 1 student"]
    # cal's two wrong signs in Exercise 2 are one student's.
    assert set(rows[EX2]["Most frequent diagnoses"].split("\n")) == {
        "partial credit — 1 student", "wrong sign — 1 student", "transposed — 1 student",
        "not attempted (the stub still raises NotImplementedError) — 1 student",
        "notebook not submitted — 1 student", "the kernel died — 1 student"}
    assert "ran over the time limit — 1 student" in rows["test_warmup"]["Most frequent diagnoses"]
    assert "raises NameError — 1 student" in rows["test_warmup"]["Most frequent diagnoses"]
    assert [rows[EX3][k] for k in ("Points", "Full")] == ["by hand", "—"]
    assert rows[EX3]["Most frequent diagnoses"] == ("graded by hand: 4 answered, 2 left as released, 1 with nothing "
                                                    "to grade (notebook missing or unreadable, or the cell deleted)")


def test_unattempted_stopped_flags_and_timings(unit):
    unattempted = table_rows(unit["html"], f"{UNIT}: exercises left unattempted")
    assert {k: v["Students"] for k, v in unattempted.items()} == {EX3: "2", EX1: "1", EX2: "1"}
    assert list(unattempted)[0] == EX3
    stops = tables(unit["html"])[f"{UNIT}: notebooks that did not run to the end"]
    assert stops[1:] == [["eve", "unit", "the kernel died",
                          "The kernel died (the code ended Python, crashed, or ran out of memory)."],
                         ["gus", "unit", "not submitted", "unit.ipynb was not submitted."]]
    notes = table_rows(unit["html"], f"{UNIT}: notes per submission")
    assert notes["cal"]["Grader's notes"] == "A test cell had been edited: the original was put back."
    assert notes["cal"]["Scan findings"] == "replaces np.allclose"
    assert notes["fay"]["Grader's notes"] == "A cell ran over the time limit of 5 s and was interrupted."
    counts = table_rows(unit["html"], f"{UNIT}: notes by frequency")
    assert counts["scan: replaces np.allclose"]["Students"] == "1"
    timing = table_rows(unit["html"], f"{UNIT}: grading time per notebook (seconds, wall clock)")["unit"]
    assert (timing["Graded"], timing["Median"], timing["Slowest"], timing["Slowest submission"]) == \
        ("3", "5.0", "9.0", "cal")


def test_scores_trajectories_and_who_may_need_help(unit):
    bands = table_rows(unit["html"], f"{UNIT}: students per score band")
    assert {k: v["Students"] for k, v in bands.items() if v["Students"] != "0"} == \
        {"0–9 %": "3", "10–19 %": "1", "30–39 %": "1", "50–59 %": "1", "100 %": "1"}
    trajectory = table_rows(unit["html"], "Autograded score per student and assignment")
    assert [trajectory["ben"][a] for a in (UNIT, UNIT_B)] == ["50 %", "0 %"]
    assert trajectory["fay"][UNIT_B] == "not submitted"
    helped = table_rows(unit["html"], "Students who may need help")
    # ben scores exactly 50 % once: not below the default threshold of 50 % on two assignments.
    assert sorted(helped) == ["dan", "eve", "fay", "gus"]
    assert helped["dan"]["Below the threshold in"] == f"{UNIT}, {UNIT_B}"
    stricter = class_report.write(unit["root"], unit["root"] / "grades", unit["root"] / "strict" / "r.html",
                                  help_threshold=60, help_count=2)[0].read_text(encoding="utf-8")
    assert sorted(table_rows(stricter, "Students who may need help")) == ["ben", "dan", "eve", "fay", "gus"]


def test_csv_has_one_row_per_student_and_exercise(unit):
    rows = {(r["assignment"], r["student"], r["exercise"]): r for r in unit["csv"]}
    assert len(unit["csv"]) == len(rows) == 4 * (len(UNIT_CLASS) + len(UNIT_B_CLASS))
    assert rows[(UNIT, "cal", EX2)] == {"assignment": UNIT, "notebook": "unit", "exercise": EX2,
                                        "grade_ids": "test_first test_second", "student": "cal", "points": "0",
                                        "max": "3", "result": "zero", "diagnosis": "sign"}
    assert (rows[(UNIT, "fay", EX2)]["points"], rows[(UNIT, "fay", EX2)]["result"],
            rows[(UNIT, "fay", EX2)]["diagnosis"]) == ("2", "partial", "transpose")
    assert rows[(UNIT, "fay", EX1)]["diagnosis"] == "known"
    assert [(rows[(UNIT, s, EX3)]["result"], rows[(UNIT, s, EX3)]["points"]) for s in ("amy", "ben", "gus")] == \
        [("graded by hand", ""), ("blank", "0"), ("no answer", "0")]
    assert rows[(UNIT, "amy", EX1)]["diagnosis"] == ""


def test_raw_results_give_the_same_report(unit, tmp_path):
    out = tmp_path / "from-raw.html"
    _, csv_path, used = class_report.write(unit["root"], unit["root"] / "grades", out, source="raw",
                                           raw_dirs=[unit["root"] / "raw"])
    assert used == {UNIT: "raw", UNIT_B: "raw"}
    assert read_csv(csv_path) == unit["csv"]


def test_the_page_loads_nothing_and_every_figure_has_alt_text(unit):
    loads_nothing_from_elsewhere(unit["html"])
    images = unit["html"].count("<img ")
    assert images == 5   # per assignment: scores and exercises; across: the trajectories
    assert unit["html"].count('alt="') == images and 'alt=""' not in unit["html"]


def test_words_for_diagnoses():
    words = class_report.diagnosis_words
    assert words("factor:2") == "off by a factor 2" and words("factor:0.5") == "off by a factor 0.5"
    assert words("factor:0.0025") == "off by a factor 1/400" and words("factor:-2") == "off by a factor -2"
    assert words("transpose") == "transposed" and words("sign") == "wrong sign"
    assert words("known", "y_pred and y seem to be swapped.") == "a known mistake: y_pred and y seem to be swapped."
    assert words("error:ZeroDivisionError") == "raises ZeroDivisionError"
    assert words("error:AdaWasHere") == "raises an exception that is not one of Python's built-in ones"
    assert words("missing", status="missing") == "notebook not submitted"
    assert words("missing", status="graded") == "a gradient is missing"


# ---------------------------------------------------------------------------------------------
# 2. A class graded by the real grader, and 3. a gradebook filled by plain nbgrader

L1, L1_NB = "01_credit_regression", "credit_regression"
TWICE = "def square(x):\n    return 2 * np.asarray(x, dtype=float) ** 2\n"
# Distinctive ids: none of them is a word the report could hold for another reason.
L1_ANSWERS = {"grace_hopper": ["grads_drop_factor_two", "matrix_missing_transpose"],
              "alan_turing": ["grads_drop_factor_two"], "emmy_noether": ["grads_sign_error"]}


def tiny_answers(s, r):
    return {
        "grace_hopper": s,
        "alan_turing": with_answer(s, "square", TWICE),
        "emmy_noether": with_answer(s, "square", "def square(x):\n    return -np.asarray(x, dtype=float) ** 2\n"),
        "kurt_goedel": r,
        "ada_lovelace": with_answer(s, "double", "import os\nos._exit(3)\n"),
        "john_napier": with_answer(with_answer(s, "square", "np.allclose = lambda *a, **k: True\n" + TWICE),
                                   "double", "def double(x):\n    return 4 * np.asarray(x, dtype=float)\n"),
    }


def catalogue_answer(names):
    variants = {v.name: v for v in load_all()[L1]}
    nb = read(notebooks(L1)[L1_NB])
    for name in names:
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in variants[name].cells:
                cell.source = variants[name].cells[grade_id]
    return trimmed(nb)    # without the lecture's demonstrations: what the report needs, sooner


def plain_nbgrader_course(root):
    """The tiny assignment graded by plain ``nbgrader autograde``: a solved, a wrong, a stub."""
    make_course(root)
    s, r = solved(root), released(root)
    for student, nb in {"mary_somerville": s, "sofia_kovalevskaya": with_answer(s, "square", TWICE),
                        "hypatia_alex": r}.items():
        submit_tiny(root, student, nb)
    nbgrader(["autograde", TINY, "--force"], cwd=root)
    return root


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded ONCE by ``class --jobs 2`` (which writes the report), while plain nbgrader
    grades another scratch course beside it."""
    plain = {}
    side = threading.Thread(target=lambda: plain.update(root=plain_nbgrader_course(tmp_path_factory.mktemp("plain"))))
    side.start()
    root = make_course(tmp_path_factory.mktemp("class"), [L1])
    for student, nb in tiny_answers(solved(root), released(root)).items():
        submit_tiny(root, student, nb)
    for student, names in L1_ANSWERS.items():
        submit(root, L1, student, {L1_NB: catalogue_answer(names)})
    submit(root, L1, "kurt_goedel", {L1_NB: read(notebooks(L1, RELEASE)[L1_NB])})
    submit(root, L1, "john_napier", {})
    (root / "submitted" / "john_napier" / L1 / f"{L1_NB}.ipynb").write_text('{"cells": [ oops')
    run = grade_cli(root, "class", "--jobs", "2")
    side.join()
    grades = root / "grades"
    return {"root": root, "run": run, "plain": plain["root"], "html": (grades / "report.html").read_text(encoding="utf-8"),
            "csv": read_csv(grades / "report.csv"),
            "json": {a: results_of(root, assignment=a) for a in (TINY, L1)}}


def from_json(graded, assignment):
    """Per exercise, recomputed from the JSON results: {title: (counts, {code: students}, {student: row})}."""
    out = {}
    for exercise in class_results.exercises_from_release(graded["root"] / "release" / assignment):
        counts, codes, rows = {"full": 0, "partial": 0, "zero": 0}, {}, {}
        for student, result in graded["json"][assignment].items():
            cells = {c["grade_id"]: (c, nb["status"]) for nb in result["notebooks"] for c in nb["cells"]}
            tests = [cells[g] for g in exercise.tests]
            points, top = sum(c["points"] for c, _ in tests), sum(c["max"] for c, _ in tests)
            failed = [(c["diagnosis"], c["message"], status) for c, status in tests if c["diagnosis"]]
            for words in dict.fromkeys(class_report.diagnosis_words(*f) for f in failed):
                codes[words] = codes.get(words, 0) + 1
            if tests:
                counts["full" if points == top else "zero" if points == 0 else "partial"] += 1
            rows[student] = (points, top, ";".join(dict.fromkeys(code for code, _, _ in failed)))
        out[exercise.title] = (exercise, counts, codes, rows)
    return out


def test_class_writes_the_report_and_it_agrees_with_the_json_results(graded):
    assert "class report:" in graded["run"].stderr
    for assignment in (TINY, L1):
        rows = table_rows(graded["html"], f"{assignment}: exercises in notebook order")
        expected = from_json(graded, assignment)
        assert list(rows) == list(expected)
        n = len(graded["json"][assignment])
        for title, (exercise, counts, codes, _) in expected.items():
            if not exercise.tests:
                continue
            shown = [rows[title][k] for k in ("Full", "Partial", "Zero")]
            assert shown == [f"{counts[k]} ({100 * counts[k] / n:.0f} %)" for k in ("full", "partial", "zero")], title
            listed = rows[title]["Most frequent diagnoses"].split("\n") if codes else []
            assert sorted(listed) == sorted(f"{w} — {c} student{'' if c == 1 else 's'}" for w, c in codes.items())


def title_of(graded, variant):
    """The report's title of the exercise a catalogue variant belongs to (its test cells say which)."""
    tests = next(v.exercise for v in load_all()[L1] if v.name == variant)
    return next(e.title for e in class_results.exercises_from_release(graded["root"] / "release" / L1)
                if set(tests) <= set(e.tests))


def test_the_report_names_the_mistakes_the_answers_make(graded):
    tiny = table_rows(graded["html"], f"{TINY}: exercises in notebook order")
    square = tiny["test_square"]["Most frequent diagnoses"].split("\n")
    assert square[0] == "off by a factor 2 — 2 students"
    assert {"wrong sign — 1 student", "the kernel died — 1 student",
            "not attempted (the stub still raises NotImplementedError) — 1 student"} <= set(square)
    assert "off by a factor 2 — 1 student" in tiny["test_double"]["Most frequent diagnoses"]
    lecture = table_rows(graded["html"], f"{L1}: exercises in notebook order")
    first = lecture[title_of(graded, "grads_drop_factor_two")]["Most frequent diagnoses"].split("\n")
    assert first[0] == "off by a factor 0.5 — 2 students"   # the dropped 2 of the square
    assert {"wrong sign — 1 student", "invalid notebook file — 1 student"} <= set(first)
    assert "transposed — 1 student" in lecture[title_of(graded, "matrix_missing_transpose")]["Most frequent diagnoses"]
    stops = tables(graded["html"])
    assert [r[:3] for r in stops[f"{TINY}: notebooks that did not run to the end"][1:]] == \
        [["ada_lovelace", "tiny", "the kernel died"]]
    assert [r[:3] for r in stops[f"{L1}: notebooks that did not run to the end"][1:]] == \
        [["john_napier", L1_NB, "invalid file"]]
    unattempted = table_rows(graded["html"], f"{L1}: exercises left unattempted")
    assert unattempted[title_of(graded, "grads_drop_factor_two")]["Students"] == "1"   # kurt_goedel's release
    assert "replaces np.allclose" in table_rows(graded["html"], f"{TINY}: notes per submission")["john_napier"]["Scan findings"]
    timing = table_rows(graded["html"], f"{L1}: grading time per notebook (seconds, wall clock)")[L1_NB]
    assert timing["Graded"] == "4"   # john_napier's file never ran


def test_who_may_need_help_follows_the_json_scores(graded):
    below = {}
    for assignment in (TINY, L1):
        for student, result in graded["json"][assignment].items():
            cells = [c for nb in result["notebooks"] for c in nb["cells"] if c["kind"] == "test"]
            if sum(c["points"] for c in cells) < 0.5 * sum(c["max"] for c in cells):
                below.setdefault(student, []).append(assignment)
    students = set(graded["json"][TINY]) | set(graded["json"][L1])
    for student in students - set(graded["json"][L1]):
        below.setdefault(student, []).append(L1)   # no submission counts as below
    expected = sorted(s for s, found in below.items() if len(found) >= 2)
    assert "kurt_goedel" in expected and "ada_lovelace" in expected
    assert sorted(table_rows(graded["html"], "Students who may need help")) == expected


def test_csv_rows_are_the_json_results(graded):
    rows = {(r["assignment"], r["student"], r["exercise"]): r for r in graded["csv"]}
    count, expected = 0, 0
    for assignment in (TINY, L1):
        autograded = [e for e in class_results.exercises_from_release(graded["root"] / "release" / assignment)
                      if e.tests]
        expected += len(graded["json"][assignment]) * len(autograded)
        for title, (exercise, _, _, per_student) in from_json(graded, assignment).items():
            if not exercise.tests:
                continue
            for student, (points, top, codes) in per_student.items():
                row = rows[(assignment, student, title)]
                assert (float(row["points"]), float(row["max"]), row["diagnosis"]) == (points, top, codes)
                count += 1
    assert count == expected == len([r for r in graded["csv"] if r["result"] in ("full", "partial", "zero")])
    assert len(graded["csv"]) == sum(len(from_json(graded, a)) * len(graded["json"][a]) for a in (TINY, L1))


def test_the_report_loads_nothing_and_shows_no_hidden_test(graded):
    loads_nothing_from_elsewhere(graded["html"])
    secret = secret_lines() | {line for cell in solved(graded["root"]).cells
                               for line in split_secret(cell.source)[0] if len(line) >= 16}
    csv_text = (graded["root"] / "grades" / "report.csv").read_text()
    for text in (graded["html"], csv_text):
        assert not [line for line in secret if line in text]
        assert "Traceback" not in text and "HIDDEN" not in text


def test_anonymised_report_holds_no_student_id(graded):
    root = graded["root"]
    out = root / "shown" / "report.html"
    run = grade_cli(root, "report", "--anonymise", "--out", str(out))
    assert f"class report: {out}" in run.stderr
    names = json.loads((out.parent / "pseudonyms.json").read_text())
    class_report.write(root, root / "grades", out, anonymise=True)
    assert json.loads((out.parent / "pseudonyms.json").read_text()) == names   # everyone keeps their number
    students = set(graded["json"][TINY]) | set(graded["json"][L1])
    assert set(names) == students and sorted(names.values()) == list(range(1, len(students) + 1))
    html_text, csv_text = out.read_text(encoding="utf-8"), out.with_suffix(".csv").read_text()
    for student in students:
        assert student not in html_text and student not in csv_text, student
    assert "Students appear under pseudonyms" in html_text
    plain = {tuple((k, names[v] if k == "student" else v) for k, v in row.items()) for row in graded["csv"]}
    shown = {tuple((k, int(v.split()[1]) if k == "student" else v) for k, v in row.items())
             for row in read_csv(out.with_suffix(".csv"))}
    assert shown == plain


def test_report_from_a_plain_nbgrader_gradebook_has_scores_only(graded):
    root = graded["plain"]
    run = grade_cli(root, "report")
    assert f"{TINY}: from gradebook (scores only)" in run.stderr
    html_text = (root / "grades" / "report.html").read_text(encoding="utf-8")
    loads_nothing_from_elsewhere(html_text)
    assert "Scores only: this assignment was read from the gradebook" in html_text
    rows = table_rows(html_text, f"{TINY}: exercises in notebook order")
    assert [rows["test_square"][k] for k in ("Full", "Zero")] == ["1 (33 %)", "2 (67 %)"]
    assert rows["test_square"]["Most frequent diagnoses"] == "scores only"
    scores = read_scores(root, TINY)
    csv_rows = read_csv(root / "grades" / "report.csv")
    assert len(csv_rows) == 2 * len(scores)
    for row in csv_rows:
        cell = scores[row["student"]]["tiny"][row["grade_ids"]]
        assert (float(row["points"]), float(row["max"]), row["diagnosis"]) == (cell.score, cell.max_score, "")
