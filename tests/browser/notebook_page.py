"""What a student sees of a notebook in JupyterLab, read from the page (Playwright, sync API)."""

import hashlib
import re
import time

from tests.browser.lab import SCREENSHOTS

LONG = 600_000   # ms: a notebook run on a busy two-core machine
IDLE = '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status="idle"]'

# Math in markdown: $$...$$, $...$, \(...\), \[...\] and LaTeX environments, outside code.
_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.DOTALL)
_MATH = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|\\begin\{(\w+\*?)\}.+?\\end\{\1\}|\$[^$\n]+?\$", re.DOTALL)
# TeX that escaped typesetting, as a student would see it in the rendered text.
RAW_TEX = re.compile(r"\\(frac|sum|partial|sigma|mathbf|boldsymbol|hat|cdot|odot|top|begin|end|left|right|"
                     r"frac|nabla|mathrm|text|operatorname|in|times|ldots|alpha|eta|lambda)\b|\$\$")


def expected_formulas(nb):
    """How many separate formulas the notebook's markdown holds."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            count += len(_MATH.findall(_CODE.sub("", cell.source)))
    return count


def open_notebook(context, url, cells):
    """A new tab showing the notebook at ``url`` with its ``cells`` cells, its kernel idle."""
    page = context.new_page()
    page.goto(url, timeout=LONG)
    page.wait_for_selector(IDLE, timeout=LONG)
    page.wait_for_function(f"document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length == {cells}",
                           timeout=LONG)
    return page


def shot(page, name, full_page=True):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def wait_for_math(page, expected, timeout=120):
    """Wait until MathJax has typeset at least ``expected`` formulas; return what the page shows."""
    deadline = time.monotonic() + timeout
    while True:
        report = page.evaluate("""() => {
            const md = Array.from(document.querySelectorAll('.jp-MarkdownOutput'));
            const raw = md.map(el => {
                const copy = el.cloneNode(true);
                copy.querySelectorAll('mjx-container, code, pre, script').forEach(n => n.remove());
                return copy.textContent;
            });
            return {formulas: document.querySelectorAll('.jp-MarkdownOutput mjx-container').length,
                    errors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
                    rendered: md.length, raw: raw};
        }""")
        if report["formulas"] >= expected or time.monotonic() > deadline:
            return report
        time.sleep(0.5)


def raw_tex(report):
    """Pieces of markdown text that still look like TeX source."""
    found = []
    for text in report["raw"]:
        for match in RAW_TEX.finditer(text):
            found.append(text[max(0, match.start() - 30): match.end() + 30])
    return found


_STATE = f"""() => {{
    const prompts = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt'))
                         .map(p => p.textContent.trim());
    return {{idle: document.querySelector('{IDLE}') !== null,
             prompts: prompts,
             failed: document.querySelector('.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]') !== null}};
}}"""
RUN_ALL_ITEM = ".lm-Menu-item[data-command=\"runmenu:run-all\"]"


def _state(page):
    state = page.evaluate(_STATE)
    prompts = state["prompts"]
    state["queued"] = any("*" in p for p in prompts)
    state["done"] = all(re.search(r"\[[0-9]+\]", p) for p in prompts)
    state["started"] = state["queued"] or any(re.search(r"[0-9]", p) for p in prompts)
    return state


def _click_run_all(page):
    """Run > Run All Cells, as a student does. The notebook is clicked first so that it is the
    current widget: the menu item stays disabled until it is."""
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).first.click()
    page.wait_for_selector(f"{RUN_ALL_ITEM}:not(.lm-mod-disabled)", timeout=60_000)
    page.locator(RUN_ALL_ITEM).first.click()


def run_all(page, attempts=3):
    """Run All Cells, then wait until every code cell has run, or until the run stopped at an
    error (the kernel idle, nothing queued, an error shown). A click that did not start the run
    (the page still busy under load) is retried; a run that stops by itself is an error."""
    for attempt in range(attempts):
        _click_run_all(page)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _state(page)["started"]:
            time.sleep(0.5)
        if _state(page)["started"]:
            break
        shot(page, f"run-all-not-started-{attempt}", full_page=False)
        page.keyboard.press("Escape")
    else:
        raise AssertionError(f"Run All Cells did not start after {attempts} clicks "
                             "(screenshots run-all-not-started-*.png)")
    settled = stalled = None
    deadline = time.monotonic() + LONG / 1000
    while time.monotonic() < deadline:
        state = _state(page)
        idle, queued = state["idle"], state["queued"]
        if idle and not queued and (state["done"] or state["failed"]):
            if settled and time.monotonic() - settled > 2:
                return
            settled = settled or time.monotonic()
        else:
            settled = None
        # Idle with nothing queued, yet cells unrun and no error: the run stopped by itself.
        if idle and not queued and not state["done"] and not state["failed"]:
            stalled = stalled or time.monotonic()
            if time.monotonic() - stalled > 60:
                shot(page, "run-all-stalled", full_page=False)
                raise AssertionError("Run All Cells stopped without an error before the last cell; "
                                     f"prompts {state['prompts']} (screenshot run-all-stalled.png)")
        else:
            stalled = None
        time.sleep(0.5)
    raise TimeoutError(f"Run All Cells did not finish; prompts {_state(page)['prompts']}")


def cell_report(page):
    """Per code cell: its prompt, error outputs (name and message) and stderr text."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell')).map((c, i) => ({
        index: Array.from(c.parentElement.children).indexOf(c),
        prompt: (c.querySelector('.jp-InputArea-prompt') || {}).textContent || '',
        errors: Array.from(c.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
                     .map(e => e.textContent.slice(0, 500)),
        widgetErrors: Array.from(c.querySelectorAll('.jp-OutputArea-output')).map(e => e.textContent)
                     .filter(t => /Error displaying widget|model not found|Failed to load model class/.test(t))
    }))""")


def images(page):
    """[(natural width, natural height)] of every image in the outputs (plots)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('.jp-OutputArea-output img'))
                                  .map(i => [i.naturalWidth, i.naturalHeight])""")


# ---- widgets -------------------------------------------------------------------------------

WIDGET_ROOTS = ".jp-OutputArea-output > .jupyter-widgets"


def widget_display(root):
    """A digest of what a widget shows (its plots, outputs and HTML), not of its controls."""
    shown = root.evaluate("""el => Array.from(el.querySelectorAll('img, .widget-output, .jp-OutputArea-output, .widget-html-content, canvas'))
        .map(n => n.tagName === 'IMG' ? n.src : n.tagName === 'CANVAS' ? n.toDataURL() : n.textContent)""")
    return hashlib.sha256("\n".join(shown).encode()).hexdigest(), len(shown)


def move_a_control(page, root, timeout=120):
    """Move the widget's first control the way a student would (keyboard on a slider, a click on a
    checkbox, the next option of a dropdown); return a description of what was done, or None
    when the display did not change within ``timeout`` seconds."""
    before, _ = widget_display(root)
    attempts = []
    handles = root.locator(".noUi-handle")
    for i in range(handles.count()):
        attempts += [("slider", handles.nth(i), "ArrowRight"), ("slider", handles.nth(i), "ArrowLeft")]
    boxes = root.locator("input[type=checkbox]")
    attempts += [("checkbox", boxes.nth(i), None) for i in range(boxes.count())]
    selects = root.locator("select")
    attempts += [("dropdown", selects.nth(i), None) for i in range(selects.count())]
    for kind, control, key in attempts[:4]:
        if kind == "slider":
            value = control.get_attribute("aria-valuenow")
            control.focus()
            for _ in range(3):
                control.press(key)
            page.wait_for_timeout(300)
            if control.get_attribute("aria-valuenow") == value:
                continue   # already at that end of its range
        elif kind == "checkbox":
            control.click()
        else:
            options = control.locator("option")
            current = control.evaluate("s => s.selectedIndex")
            control.select_option(index=(current + 1) % options.count())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            page.wait_for_timeout(500)
            if widget_display(root)[0] != before and page.query_selector(IDLE):
                page.wait_for_timeout(1000)
                return f"{kind} {key or ''}".strip()
    return None
