"""The helpers the browser tests rely on, checked without a browser."""

import nbformat
import pytest

from tests.browser import lab
from tests.browser.notebook_page import expected_formulas, raw_tex


def test_a_missing_browser_is_an_error_not_a_skip(monkeypatch):
    monkeypatch.setattr(lab, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(RuntimeError, match="install_browser.sh"):
        lab.require_browser()


def test_formulas_are_counted_outside_code():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Inline $a$ and $b_1$, display $$\\frac{1}{2}$$ and `$not math$`."),
        nbformat.v4.new_markdown_cell("```\n$x$\n```\n\\begin{align} x &= 1 \\end{align}"),
        nbformat.v4.new_code_cell("x = '$y$'")])
    assert expected_formulas(nb) == 4


def test_raw_tex_is_found_in_rendered_text():
    assert raw_tex({"raw": ["the loss \\frac{1}{2} e^2 shows as source"]})
    assert not raw_tex({"raw": ["a typeset formula leaves only words behind, and $5 prices"]})


def test_lab_settings_are_written_where_jupyterlab_reads_them(tmp_path):
    folder = lab.lab_settings_dir(tmp_path)
    assert (folder / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").exists()
