"""Every page in a real browser, and the journey a student takes: choose, train, watch, switch pages, pause, step, reset."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from scripts.served_app import nav, sidebar_button, sidebar_metric, step_count, wait_idle
from ui.keys import PLOTLY_EARLY
from ui.pages import PAGES as ALL_PAGES

ROOT = Path(__file__).resolve().parents[2]
TIMINGS = ROOT / "bench" / "results" / "e2e_timings.json"


def choose(page, label: str, option: str) -> None:
    """Pick an option in the sidebar selectbox with this label, and wait for the app to settle."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has=page.locator("label", has_text=label))
    field = box.first.locator("input")  # a combobox: typing filters the options, as a keyboard user would
    field.click()
    field.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)
    assert field.input_value() == option


def record_timing(name: str, seconds: float) -> None:
    """Timings go to the benchmark report, never into asserts."""
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    data[name] = round(seconds, 3)
    TIMINGS.write_text(json.dumps(data, indent=2))


def assert_clean(w) -> None:
    page = w.page
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator('[data-testid="stException"]').first.inner_text()
    assert w.errors == [], w.errors
    assert w.outside == [], f"requests left the machine: {w.outside}"


def drawn_charts(page) -> tuple[int, int]:
    """How many Plotly charts the page has, and how many drew an SVG holding at least one trace with points."""
    return tuple(
        page.evaluate(
            """() => {
                const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
                const drawn = charts.filter(c => {
                    const gd = c.querySelector('.js-plotly-plot');
                    return gd && gd.querySelector('.main-svg') && (gd._fullData || []).some(t =>
                        ['x', 'y', 'z'].some(k => t[k] && (t[k].length > 0)));
                });
                return [charts.length, drawn.length];
            }"""
        )
    )


def grown_margins(page) -> list[str]:
    """Charts whose margins Plotly had to widen after drawing them once (and so drew them twice): the spec's
    margins (rnn_core.viz.theme.margins_for) were too small for their labels."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')].flatMap(gd => {
            const set = gd.layout.margin || {}, drawn = gd._fullLayout._size;
            return ['l', 'r', 't', 'b'].filter(side => drawn[side] > (set[side] ?? 0) + 0.5)
                .map(side => `${gd._fullLayout.title.text}: ${side} ${set[side]} → ${Math.round(drawn[side])}`);
        })"""
    )


TABLE_PAGES = {p.title for p in ALL_PAGES if not p.charts}  # tables and numbers, no charts
PAGES = [p.title for p in ALL_PAGES]


def test_every_page_draws_its_charts_offline_and_without_errors(watched):
    page = watched.page
    first = wait_idle(page)
    record_timing("first_page_idle_after_goto_s", first)
    early = page.locator(f".st-key-{PLOTLY_EARLY}")  # the chart that had the browser load Plotly early: drawn, unseen
    assert early.count() == 1 and early.locator(".main-svg").count() and not early.is_visible()
    if os.environ.get("RNN_EXPLORER_E2E_SERVER_READY_S"):
        record_timing("server_ready_s", float(os.environ["RNN_EXPLORER_E2E_SERVER_READY_S"]))
    sidebar_button(page, "Step").click()
    wait_idle(page)
    for name in PAGES:
        nav(page, name)
        wait_idle(page)
        assert page.locator("h1").first.inner_text().strip(), name
        total, with_data = drawn_charts(page)
        assert with_data == total and (total > 0 or name in TABLE_PAGES), f"{name}: {with_data} of {total} charts drew"
        assert grown_margins(page) == [], name
        assert_clean(watched)


def test_a_students_journey(watched):
    page = watched.page
    wait_idle(page)
    # choose a task and a cell
    choose(page, "Task", "Next number (counting)")
    choose(page, "Cell", "GRU")
    assert step_count(page) == 0

    # train, and watch the loss fall across live refreshes
    pressed = time.monotonic()
    sidebar_button(page, "Train").click()
    page.locator('[data-testid="stPlotlyChart"]', has_text="Loss during training").first.wait_for(timeout=30_000)
    record_timing("train_pressed_to_first_loss_chart_s", time.monotonic() - pressed)
    losses, steps = [], []
    for _ in range(6):
        time.sleep(1.0)
        steps.append(step_count(page))
        losses.append(float(sidebar_metric(page, "Loss")))
    assert steps == sorted(steps) and steps[-1] > steps[0] > 0, steps
    assert min(losses[-3:]) < max(losses[:2]), losses  # falling, allowing for the noise of single batches

    # switching pages does not stop training
    nav(page, "Hidden states")
    time.sleep(3)
    on_other_page = step_count(page)
    assert on_other_page > steps[-1]
    nav(page, "Train")
    time.sleep(2)
    assert step_count(page) > on_other_page

    # pause, step, reset
    sidebar_button(page, "Pause").click()
    wait_idle(page)
    paused = step_count(page)
    time.sleep(2)
    assert step_count(page) == paused
    sidebar_button(page, "Step").click()
    wait_idle(page)
    assert step_count(page) == paused + 10
    sidebar_button(page, "Reset").click()
    wait_idle(page)
    assert step_count(page) == 0
    assert_clean(watched)


def test_the_train_page_fits_a_projector(watched):
    page = watched.page
    for width, height in [(1280, 720), (1600, 1000)]:
        page.set_viewport_size({"width": width, "height": height})
        wait_idle(page)
        title = page.locator("h1").first.bounding_box()
        assert title and title["x"] >= 0 and title["x"] + title["width"] <= width, (width, title)
        assert sidebar_button(page, "Train").is_visible()
    assert_clean(watched)


def test_training_survives_quick_clicks_while_a_slice_runs(watched):
    """Train, Pause, Train, a page change and a sidebar change in quick succession: training must go on, nothing breaks."""
    page = watched.page
    wait_idle(page)
    sidebar_button(page, "Train").click()
    time.sleep(1.2)  # a slice is running now
    for _ in range(3):
        sidebar_button(page, "Pause").click()
        sidebar_button(page, "Train").click()
    page.locator('[data-testid="stRadio"] label', has_text="#3").first.click()  # the page's own widget, mid-training
    nav(page, "Gradients")
    nav(page, "Train")
    time.sleep(2)
    assert sidebar_button(page, "Train").is_disabled(), "a quick click was lost: the page shows paused"
    before = step_count(page)
    time.sleep(3)
    assert step_count(page) > before > 0, "training stopped after quick clicks"
    assert page.get_by_text("These settings need a new model").count() == 0
    sidebar_button(page, "Pause").click()
    wait_idle(page)
    assert_clean(watched)


def test_a_live_view_in_a_later_tab_refreshes_while_training(watched):
    """Gradients' Why tab, opened while the model trains: its live view, a timed fragment drawn inside the tab, follows
    training (the replay slider's "now" moves on); after a visit to another tab it is drawn again."""
    page = watched.page
    wait_idle(page)
    sidebar_button(page, "Train").click()
    nav(page, "Gradients")
    page.get_by_role("tab", name="Why: the step Jacobian").click()
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Spectral radius of ∂s_t/∂s_{t−1} along the sequence").first.wait_for(timeout=30_000)

    def now_step() -> int:
        label = main.get_by_text(re.compile(r"now \(step [\d,]+\)")).first.inner_text()
        return int(re.search(r"step ([\d,]+)", label).group(1).replace(",", ""))

    page.wait_for_timeout(1500)
    before = now_step()
    page.wait_for_timeout(3000)
    assert now_step() > before, "the live view in a later tab stopped refreshing"
    page.get_by_role("tab", name="Clipping").click()
    main.get_by_text("Global gradient norm during training").first.wait_for(timeout=30_000)
    page.get_by_role("tab", name="Why: the step Jacobian").click()
    main.get_by_text("Spectral radius of ∂s_t/∂s_{t−1} along the sequence").first.wait_for(timeout=30_000)
    sidebar_button(page, "Pause").click()
    wait_idle(page)
    assert_clean(watched)


def test_a_users_own_csv_series_trains(watched):
    """Upload a CSV in the sidebar, pick its column, train: the 'Your own series' task end to end."""
    page = watched.page
    wait_idle(page)
    choose(page, "Task", "Your own series (CSV)")
    assert page.get_by_text("Upload a CSV file with at least one numeric column.").count() == 1
    rows = "\n".join(f"{i},{20 + 5 * __import__('math').sin(i / 4):.3f}" for i in range(200))
    csv_box = page.locator('[data-testid="stSidebar"] [data-testid="stFileUploader"]').filter(has_text="Upload a CSV file")
    uploader = csv_box.locator('[data-testid="stFileUploaderDropzoneInput"]')
    uploader.set_input_files(files=[{"name": "temperatures.csv", "mimeType": "text/csv", "buffer": f"day,temp\n{rows}\n".encode()}])
    wait_idle(page)
    choose(page, "Column", "temp")
    assert "Your column 'temp' (200 numbers)" in page.locator('[data-testid="stMain"]').inner_text()
    sidebar_button(page, "Step").click()
    wait_idle(page)
    assert step_count(page) == 10
    assert_clean(watched)
