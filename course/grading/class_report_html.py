"""The class report as one HTML file that opens from disk: styles inline, figures embedded as PNG
data URIs, no script, nothing fetched from anywhere. Every figure has alt text, and a table beside
it (real headers, a caption) says what the figure shows, so the page reads without the plots."""

import base64
import datetime
import html
import io
import math
import statistics

from course.grading.class_report import natural

COLOURS = {"full": "#1a7f37", "partial": "#d4a017", "zero": "#b42318"}
TOP_DIAGNOSES = 8
STYLE = """body{font-family:system-ui,sans-serif;max-width:72em;margin:1.5em auto;padding:0 1em;color:#1d1d1f}
h2{border-bottom:2px solid #ccc;padding-bottom:.2em;margin-top:2.2em}h3{margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0 1.2em}caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
thead th{border-bottom:2px solid #999}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
small{color:#555}ul.d{margin:0;padding-left:1.1em}figure{margin:.8em 0}img{max-width:100%;height:auto}
figcaption{font-size:.9em;color:#555}.note{background:#fff7e0;border-left:4px solid #d4a017;padding:.5em .8em}
nav ul{columns:2}.pair{display:flex;gap:2em;align-items:flex-start;flex-wrap:wrap}"""


def _e(text):
    return html.escape(str(text))


def _n(value, digits=0):
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _table(caption, headers, rows, numeric=()):
    """A table whose first column heads its row; cells are HTML already (escape before)."""
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = [f'<th scope="row">{row[0]}</th>']
        cells += [f'<td class="n">{c}</td>' if i + 1 in numeric else f"<td>{c}</td>" for i, c in enumerate(row[1:])]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _figure(fig, alt, caption):
    import matplotlib.pyplot as plt
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _share(count, total):
    return f"{count} ({100 * count / total:.0f} %)" if total else "0"


def _students(n):
    return f"{n} student{'' if n == 1 else 's'}"


# -- figures -------------------------------------------------------------------------------------

# Matplotlib alone: importing seaborn (and pandas with it) would take longer than drawing.
STYLE_RC = {"axes.grid": True, "axes.axisbelow": True, "grid.color": "#dddddd", "axes.edgecolor": "#999999",
            "axes.spines.top": False, "axes.spines.right": False, "font.size": 9, "axes.titlesize": 10}


def _axes(width, height):
    """(pyplot, figure, axes) drawn in the report's style (the caller draws inside ``with STYLE``)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(width, height))
    return plt, fig, ax


def _style():
    import matplotlib
    return matplotlib.rc_context(STYLE_RC)


BANDS = [f"{low}–{low + 9} %" for low in range(0, 100, 10)] + ["100 %"]


def band_of(percent):
    """Bands of 10 percentage points, each from its lower bound up to (not including) the next."""
    return BANDS[min(10, int(percent // 10))] if percent < 100 else BANDS[-1]


def band_counts(summary):
    counts = dict.fromkeys(BANDS, 0)
    for score in summary["scores"].values():
        if score["percent"] is not None:
            counts[band_of(score["percent"])] += 1
    return counts


def score_figure(summary):
    from matplotlib.ticker import MaxNLocator
    counts = band_counts(summary)
    with _style():
        _, fig, ax = _axes(6.5, 2.6)
        ax.bar([b.replace(" %", "") for b in BANDS], list(counts.values()), color="#4a6fa5")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(axis="x", labelsize=8)
        ax.set(xlabel="autograded score (%)", ylabel="students",
               title=f"{summary['assignment']}: scores of {_students(sum(counts.values()))}")
    return fig


def exercise_figure(summary):
    stats = [s for s in summary["exercises"] if s["exercise"].tests]
    labels = [_short(s["exercise"], summary) for s in stats]
    with _style():
        _, fig, ax = _axes(7.5, 0.9 + 0.32 * len(stats))
        left = [0.0] * len(stats)
        for kind in ("full", "partial", "zero"):
            total = [sum(s["counts"][k] for k in ("full", "partial", "zero")) or 1 for s in stats]
            shares = [100 * s["counts"][kind] / t for s, t in zip(stats, total)]
            ax.barh(labels, shares, left=left, color=COLOURS[kind], label=kind)
            left = [a + b for a, b in zip(left, shares)]
        ax.invert_yaxis()
        ax.grid(False, axis="y")
        ax.set(xlim=(0, 100), xlabel="students (%)", title=f"{summary['assignment']}: full, partial and zero marks")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return fig


def _short(exercise, summary):
    several = len({s["exercise"].notebook for s in summary["exercises"]}) > 1
    title = exercise.title if len(exercise.title) <= 42 else exercise.title[:41] + "…"
    return f"{exercise.notebook}: {title}" if several else title


def trajectory_figure(across):
    names = across["assignments"]
    positions = range(len(names))
    with _style():
        _, fig, ax = _axes(7.5, 3.2)
        for percents in across["trajectory"].values():   # a gap where a student handed in nothing
            ax.plot(positions, [math.nan if p is None else p for p in percents], color="#8896ab", alpha=0.5,
                    marker="o", markersize=3, linewidth=1)
        medians = [statistics.median(ps) if ps else math.nan
                   for ps in ([p[i] for p in across["trajectory"].values() if p[i] is not None] for i in positions)]
        ax.plot(positions, medians, color="#1d3557", linewidth=3, marker="o", label="median")
        ax.axhline(across["threshold"], color=COLOURS["zero"], linestyle="--", linewidth=1,
                   label=f"threshold {across['threshold']:g} %")
        ax.set_xticks(list(positions), names, rotation=20 if len(names) > 3 else 0)
        ax.set(xlim=(-0.3, len(names) - 0.7), ylim=(-3, 103), xlabel="assignment", ylabel="score (%)",
               title="Each student's autograded score, assignment by assignment")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return fig


# -- sections ------------------------------------------------------------------------------------

def _scores(summary):
    percents = sorted(s["percent"] for s in summary["scores"].values() if s["percent"] is not None)
    if not percents:
        return "<p>No autograded tests: no scores to show.</p>"
    rows = [[_e(band), str(n)] for band, n in band_counts(summary).items()]
    alt = (f"Bar chart of the autograded scores of {_students(len(percents))} in {summary['assignment']}, "
           "in bands of 10 %; the table beside it gives the same counts.")
    return (f"<p>Median {statistics.median(percents):.0f} %, mean {statistics.mean(percents):.0f} %, "
            f"lowest {percents[0]:.0f} %, highest {percents[-1]:.0f} % (of {summary['max']:g} points).</p>"
            '<div class="pair">'
            + _figure(score_figure(summary), alt, "Students per band of 10 percentage points (a band holds "
                      "scores from its lower bound up to the next band's).")
            + _table(f"{summary['assignment']}: students per score band", ["Score", "Students"], rows, numeric=(1,))
            + "</div>")


def _diagnosis_list(stat, scores_only):
    if not stat["exercise"].tests:
        c = stat["counts"]
        return (f"graded by hand: {c['graded by hand']} answered, {c['blank']} left as released"
                + (f", {c['no answer']} with nothing to grade (notebook missing or unreadable, or the cell "
                   "deleted)" if c["no answer"] else ""))
    if scores_only:
        return "<small>scores only</small>"
    shown = stat["diagnoses"][:TOP_DIAGNOSES]
    if not shown:
        return ""
    items = "".join(f"<li>{_e(label)} — {_students(n)}</li>" for label, n in shown)
    more = len(stat["diagnoses"]) - len(shown)
    return f'<ul class="d">{items}</ul>' + (f"<small>and {more} more (see the CSV)</small>" if more else "")


def _exercises(summary):
    rows = []
    for stat in summary["exercises"]:
        ex, c = stat["exercise"], stat["counts"]
        total = c["full"] + c["partial"] + c["zero"]
        head = f"{_e(ex.title)}<br><small>{_e(ex.notebook)} · {_e(' '.join(ex.tests + ex.by_hand))}</small>"
        if ex.tests:
            marks = [_share(c[k], total) for k in ("full", "partial", "zero")]
            points = f"{ex.max:g}"
        else:
            marks, points = ["—"] * 3, "by hand"
        rows.append([head, points, *marks, _diagnosis_list(stat, summary["scores_only"])])
    alt = (f"Stacked bars, one per autograded exercise of {summary['assignment']}: the share of students with "
           "full, partial and zero marks; the table after it gives the same numbers.")
    figure = _figure(exercise_figure(summary), alt, "Full (green), partial (yellow) and zero (red) marks per exercise.") \
        if any(s["exercise"].tests for s in summary["exercises"]) else ""
    return figure + _table(f"{summary['assignment']}: exercises in notebook order",
                           ["Exercise", "Points", "Full", "Partial", "Zero", "Most frequent diagnoses"],
                           rows, numeric=(1, 2, 3, 4))


def _unattempted(summary):
    if summary["scores_only"]:
        return "<p>Not known from a gradebook: its points do not say why a test failed.</p>"
    if not summary["unattempted"]:
        return ("<p>No test met a stub's NotImplementedError, and no answer graded by hand was left as "
                "released.</p>")
    rows = [[_e(ex.title) + f"<br><small>{_e(ex.notebook)}</small>", str(n)] for ex, n in summary["unattempted"]]
    return ("<p>An exercise counts here when its test met the release's NotImplementedError (the stub "
            "function still in place) or, for an answer graded by hand, when nbgrader found it as released. "
            "A stub that raises at the top of its cell (as in a cell that trains) leaves its names undefined, so "
            "its test reports a NameError instead: that shows among the exercise's diagnoses, not here.</p>"
            + _table(f"{summary['assignment']}: exercises left unattempted", ["Exercise", "Students"], rows, numeric=(1,)))


def _stops(summary):
    if summary["scores_only"]:
        return "<p>Not known from a gradebook.</p>"
    if not summary["stops"]:
        return "<p>Every submitted notebook ran to the end.</p>"
    counts = {}
    for stop in summary["stops"]:
        counts[stop["why"]] = counts.get(stop["why"], 0) + 1
    total = len(summary["stops"])
    reasons = "; ".join(f"{why} ({n})" for why, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    rows = [[_e(s["student"]), _e(s["notebook"]), _e(s["why"]), _e(s["note"])] for s in summary["stops"]]
    return (f"<p>{total} notebook{'s' if total != 1 else ''}: {_e(reasons)}. Such a notebook scores zero on "
            "every test, as with nbgrader autograde.</p>"
            + _table(f"{summary['assignment']}: notebooks that did not run to the end",
                     ["Student", "Notebook", "Why", "The grader's note"], rows))


def _notes(summary):
    if summary["scores_only"]:
        return "<p>Not known from a gradebook.</p>"
    if not summary["notes"]:
        return "<p>No flags and no scan findings.</p>"
    counts = [[_e(text), str(n)] for text, n in summary["note_counts"]]
    rows = [[_e(n["student"]), _e(n["notebook"]), "<br>".join(map(_e, n["notes"])) or "—",
             "<br>".join(map(_e, n["scan"])) or "—"] for n in summary["notes"]]
    return ("<p>Repairs and limits the grader noted, and what the static scan of the students' cells found "
            "(a reason to look, not a grade); the JSON results say where.</p>"
            + _table(f"{summary['assignment']}: notes by frequency", ["Note", "Students"], counts, numeric=(1,))
            + _table(f"{summary['assignment']}: notes per submission",
                     ["Student", "Notebook", "Grader's notes", "Scan findings"], rows))


def _timings(summary):
    if summary["scores_only"] or not summary["timings"]:
        return "<p>Not known from a gradebook.</p>" if summary["scores_only"] else "<p>No timings recorded.</p>"
    rows = [[_e(t["notebook"]), str(t["count"]), f"{t['median']:.1f}", f"{t['max']:.1f}", _e(t["slowest"]),
             "—" if t["kernel_start"] is None else f"{t['kernel_start']:.1f}"] for t in summary["timings"]]
    return _table(f"{summary['assignment']}: grading time per notebook (seconds, wall clock)",
                  ["Notebook", "Graded", "Median", "Slowest", "Slowest submission", "Median kernel start"],
                  rows, numeric=(1, 2, 3, 5))


def _source(summary, where):
    if summary["scores_only"]:
        return ('<p class="note">Scores only: this assignment was read from the gradebook, which plain '
                "<code>nbgrader autograde</code> fills with points per cell and nothing else, so there are no "
                "diagnoses, no notebook status, no flags and no timings. Grade with "
                "<code>python -m course.grading class</code> to have them.</p>")
    return f"<p>Read from {_e(where)}.</p>"


def _assignment(summary, where):
    name = summary["assignment"]
    return (f'<section id="{_e(name)}"><h2>{_e(name)}</h2>'
            f"<p>{_students(summary['students'])}; the autograded tests are worth {summary['max']:g} points.</p>"
            + _source(summary, where)
            + "<h3>Score distribution</h3>" + _scores(summary)
            + "<h3>Exercises</h3>" + _exercises(summary)
            + "<h3>Exercises most often left unattempted</h3>" + _unattempted(summary)
            + "<h3>Notebooks that did not run to the end</h3>" + _stops(summary)
            + "<h3>Flags: tampering, repairs, limits and scan findings</h3>" + _notes(summary)
            + "<h3>Grading time</h3>" + _timings(summary) + "</section>")


def _across(across):
    names = across["assignments"]
    rows = [[_e(st)] + ["not submitted" if p is None else f"{p:.0f} %" for p in percents]
            for st, percents in across["trajectory"].items()]
    alt = ("Lines, one per student, of the autograded score on each assignment, with the median and the "
           "help threshold; the table after it gives every student's scores.")
    figure = _figure(trajectory_figure(across), alt, "Each grey line is a student (a lone point: one submission); the dark line is the median.")
    rule = (f"below {across['threshold']:g} % (or not submitted) on at least {across['count']} "
            f"of the {len(names)} assignment{'s' if len(names) != 1 else ''} in this report")
    if across["help"]:
        help_rows = [[_e(h["student"]), _e(", ".join(h["below"]))] for h in across["help"]]
        help_table = _table("Students who may need help", ["Student", "Below the threshold in"], help_rows)
    else:
        help_table = "<p>None.</p>"
    return ('<section id="across"><h2>Across assignments</h2><h3>Trajectories</h3>' + figure
            + _table("Autograded score per student and assignment", ["Student", *names], rows,
                     numeric=tuple(range(1, len(names) + 1)))
            + f"<h3>Students who may need help</h3><p>Students {_e(rule)}.</p>" + help_table + "</section>")


def render(summaries, across, sources, anonymised=False):
    """The report's HTML. summaries: per assignment (``class_report.summarise``); across:
    ``class_report.across``; sources: {assignment: where its results were read}."""
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    nav = "".join(f'<li><a href="#{_e(s["assignment"])}">{_e(s["assignment"])}</a></li>' for s in summaries)
    students = sorted({st for s in summaries for st in s["scores"]}, key=natural)
    intro = (f"<p>{_students(len(students))}, {len(summaries)} assignment{'s' if len(summaries) != 1 else ''}; "
             f"written {stamp}. Scores are the autograded tests' points (answers graded by hand are counted "
             "per exercise, not in the scores). A CSV beside this file has one row per student and "
             "exercise.</p>")
    if anonymised:
        intro += "<p>Students appear under pseudonyms (Student 1, Student 2, …).</p>"
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Class report</title><style>{STYLE}</style></head><body>"
            f"<h1>Class report</h1>{intro}"
            f'<nav aria-label="Contents"><ul>{nav}<li><a href="#across">Across assignments</a></li></ul></nav>'
            + "".join(_assignment(s, sources.get(s["assignment"], "")) for s in summaries)
            + _across(across) + "</body></html>\n")
