"""What a student may read in feedback: the course's own words, and never a hidden test.

Feedback shows test names, points and messages the course wrote (the checks' messages, the
grader's notes); strings that came from the student's kernel never reach it (the test process
replaces the messages of the student's exceptions with its own). As a last line, every text for
feedback passes ``Redactor``: it compares with the hidden tests after normalising Unicode (NFKC,
format characters such as zero-width spaces removed) and whitespace (any run of spaces, tabs,
no-break spaces... is one space), so no respelling of a hidden line gets through.
"""

import re
import unicodedata

WITHHELD = "the test failed (details withheld: they would reveal the test)"
MESSAGE_CHARS = 400


def normalise(text):
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return re.sub(r"\s+", " ", text).strip()


class Redactor:
    def __init__(self, hidden_lines, min_length=8):
        self.hidden = {n for n in map(normalise, hidden_lines) if len(n) >= min_length}

    def reveals(self, text):
        text = normalise(text)
        return any(line in text for line in self.hidden)

    def message(self, text):
        """A test's message as feedback shows it: shortened, or withheld if it shows a hidden line."""
        text = normalise(text or "")
        if self.reveals(text):
            return WITHHELD
        return text[:MESSAGE_CHARS] + ("…" if len(text) > MESSAGE_CHARS else "")


# The grader's notes, as feedback words them: (pattern on the note, feedback's sentence). A note
# that matches none is left out of feedback (it stays in the instructor's report).
NOTES = [
    (r"^(\w+)\.ipynb was submitted as .*: graded as \1$", "{0}.ipynb was submitted under another name; it was graded as {0}.ipynb."),
    (r"^(\w+)\.ipynb is missing$", "{0}.ipynb was not submitted."),
    (r"^extra notebooks not graded", "Notebooks that are not part of the assignment were not graded."),
    (r"^duplicate (or missing )?cell ids", "Some cells had the same id: new ids were given."),
    (r"^old notebook format", "The notebook was in an old format and was converted."),
    (r"^cells share an nbgrader id", "Some cells were copies of an exercise's cell: the last copy of each "
                                     "keeps its role, the others ran as ordinary cells."),
    (r"^a cell claims an unknown nbgrader id", "A cell carried nbgrader settings this assignment does not know: "
                                               "it was not graded."),
    (r"^cell \S+ changed type", "A cell's type had been changed: it was put back."),
    (r"^cell \S+ had its nbgrader settings changed", "A cell's nbgrader settings had been changed: they were put back."),
    (r"^locked cell \S+ was edited", "A test cell had been edited: the original was put back."),
    (r"^cell \S+ was missing: put back", "A deleted test cell was put back."),
    (r"^a cell ran over the time limit of (\d+) s and was interrupted", "A cell ran over the time limit of {0} s and was interrupted."),
    (r"^a cell ran over the time limit of (\d+) s and the kernel did not stop", "A cell ran over the time limit of {0} s and did not stop."),
    (r"^a test's call ran over the time limit of (\d+) s", "A test's call of your code ran over the time limit of {0} s and did not stop."),
    (r"^the notebook went over its time limit of (\d+) s", "The notebook went over its time limit of {0} s."),
    (r"^the kernel died", "The kernel died (the code ended Python, crashed, or ran out of memory)."),
    (r"^output over ([\d.]+) MiB", "Output over {0} MiB was dropped."),
    (r"^the tests could not be run to the end", "The tests could not be run to the end."),
    (r"^not graded because (\w+)\.ipynb could not be graded", "Not graded because {0}.ipynb could not be graded to the end."),
    (r"^the file is not valid notebook JSON", "The file is not a valid notebook (invalid JSON)."),
    (r"^the file is JSON but not a Jupyter notebook", "The file is not a Jupyter notebook."),
    (r"^the notebook cannot be (read|graded)", "The notebook cannot be read."),
]


def feedback_note(flag):
    """The feedback's sentence for one of the grader's notes, or None."""
    for pattern, sentence in NOTES:
        match = re.match(pattern, flag)
        if match:
            return sentence.format(*match.groups())
    return None
