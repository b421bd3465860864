"""The class report opens from disk in Chromium: its figures show, its tables are there, and
nothing is fetched from the network while it loads."""

from course.grading import class_report
from tests.browser.notebook_page import shot
from tests.report_class import write_unit_course


def test_class_report_opens_from_disk_and_fetches_nothing(browser, tmp_path):
    root = write_unit_course(tmp_path)
    report, _, _ = class_report.write(root, root / "grades")
    page = browser.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(report.as_uri(), wait_until="load")
        page.wait_for_load_state("networkidle")
        images = page.evaluate("""() => Array.from(document.images).map(i => ({
            shown: i.complete && i.naturalWidth > 0, alt: i.alt, source: i.src.slice(0, 22)}))""")
        assert len(images) == 5 and all(i["shown"] and i["alt"] for i in images), images
        assert {i["source"] for i in images} == {"data:image/png;base64,"}
        assert page.locator("table caption").count() == page.locator("table").count() > 10
        assert page.get_by_role("heading", name="Class report").is_visible()
        assert page.get_by_text("off by a factor 2 — 2 students", exact=True).is_visible()
        shot(page, "class-report")
    finally:
        page.close()
    assert requested and requested[0] == report.as_uri(), requested
    assert all(url.startswith(("file://", "data:")) for url in requested), requested
