"""Past one server: deploy/serve.sh starts two replicas behind HAProxy on loopback; four students go through it.

Checked: both replicas carry students; each keeps their own model across page switches and reconnects (HAProxy's
sticky cookie brings them back to their replica); stopping one replica leaves the other's students untouched, while
its own are told what happened and get their settings back from the link; and a real browser's student restores the
checkpoint they saved, on the surviving replica.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import urllib.request

import pytest

from scripts.load import Student, in_own_thread
from scripts.served_app import ROOT, serve_class, sidebar_button, step_count, wait_idle

STUDENTS = 3  # and one real browser; HAProxy balances by open connections, so both replicas get some


@pytest.fixture(scope="module")
def class_servers(app_server):  # app_server: only so that this runs where the browser tests run (and skip alike)
    if shutil.which("haproxy") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the deploy test needs Debian's haproxy: CI must install it (.ci/run does)")
        pytest.skip("the deploy test needs Debian's haproxy (apt-get install haproxy)")
    with serve_class(replicas=2) as servers:
        yield servers


def sticky_cookie(url: str) -> str:
    """What a browser gets on its first page load through HAProxy: the cookie that names its replica."""
    with urllib.request.urlopen(url + "/", timeout=10) as answer:
        cookie = answer.headers["Set-Cookie"]
    assert cookie and cookie.startswith("SERVERID="), cookie
    return cookie.split(";")[0]


async def open_student(url: str, number: int) -> Student:
    student = Student(url.replace("http://", "ws://"), link=f"seed={number}", number=number, cookie=sticky_cookie(url))
    student.query = student.link
    await student.open()
    assert await student.first_run()
    assert await student.click("Step") and await student._wait_done(student.runs[-1], 30)
    assert student.step_shown() == 10
    return student


def replica_of(student: Student) -> str:
    return student.cookie.split("=")[1]


def test_two_replicas_behind_haproxy_keep_every_student_and_survive_one_stopping(class_servers, browser, tmp_path):
    url = class_servers.url
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(url + "/?seed=99")
    wait_idle(page)
    for _ in range(2):
        sidebar_button(page, "Step").click()
        wait_idle(page)
    assert step_count(page) == 20
    mine = next(c["value"] for c in context.cookies() if c["name"] == "SERVERID")
    page.locator('[data-testid="stSidebar"]').get_by_text("Save or load the model").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the model (.pt)").click()
    saved = tmp_path / "model.pt"
    download.value.save_as(saved)

    async def reconnect(s: Student) -> None:  # a page switch and a reconnect keep each student's own model
        await s.switch("gradients", 30)
        await s.close()
        await s.open(resume=True)
        assert await s.first_run()
        assert s.step_shown() == 10 and not s.exceptions, (s.number, s.steps[-3:], s.exceptions)

    async def untouched(s: Student) -> None:  # same session, same model
        await s.switch("", 30)
        assert s.step_shown() == 10 and not s.exceptions

    async def moved_over(s: Student) -> None:  # their connection broke: a browser reconnects, and lands on the other replica
        with pytest.raises(Exception):  # noqa: B017  (the closed connection may fail in several ways)
            await s.switch("", 5)
        s.steps.clear()
        await s.open(resume=True)
        assert await s.first_run()
        assert s.step_shown() == 0 and any("the server that held your model has stopped" in a for a in s.alerts)

    async def scenario() -> dict:
        # one after another: HAProxy sends each to the replica with fewer open connections, so they must be open by then
        students = [await open_student(url, n) for n in range(STUDENTS)]
        replicas = {replica_of(s) for s in students} | {mine}
        await asyncio.gather(*(reconnect(s) for s in students))
        pid, _ = class_servers.replicas[mine]
        os.kill(pid, signal.SIGTERM)  # the browser's replica stops
        await asyncio.sleep(5)  # HAProxy's health check marks it down (2 s apart, twice)
        survivors, moved = [s for s in students if replica_of(s) != mine], [s for s in students if replica_of(s) == mine]
        await asyncio.gather(*(untouched(s) for s in survivors))
        await asyncio.gather(*(moved_over(s) for s in moved))
        for s in students:
            await s.close()
        return {"replicas": replicas, "survivors": len(survivors), "moved": len(moved)}

    seen = in_own_thread(lambda: asyncio.run(scenario()))  # Playwright runs a loop on this thread
    assert seen["replicas"] == {"r1", "r2"} and seen["survivors"] and seen["moved"], seen

    # A paused page reconnects quietly; the student's next click reaches the other replica, in a new session there,
    # which takes the settings and step count from the address bar and says what happened (the click itself is not
    # acted on: it was meant for the model that is gone).
    sidebar_button(page, "Step").click()
    page.wait_for_function("() => document.body.innerText.includes('the server that held your model has stopped')", timeout=60_000)
    wait_idle(page)
    assert step_count(page) == 0 and "This link was made after 20 training steps" in page.inner_text("body")
    page.locator('[data-testid="stSidebar"]').get_by_text("Save or load the model").click()
    page.locator('[data-testid="stSidebar"] input[type=file]').last.set_input_files(str(saved))
    page.wait_for_function("() => document.body.innerText.includes('trained for 20 steps')", timeout=60_000)
    wait_idle(page)  # the loading panel's message is drawn before the sidebar's step count, in the same run
    assert step_count(page) == 20
    context.close()


def test_the_launcher_says_how_to_get_haproxy_and_what_it_takes(tmp_path):
    bad = subprocess.run(["bash", "deploy/serve.sh"], capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert bad.returncode == 2 and "usage: deploy/serve.sh N [PORT]" in bad.stderr
    empty = tmp_path / "bin"
    empty.mkdir()
    (empty / "bash").symlink_to(shutil.which("bash"))
    missing = subprocess.run(
        ["bash", "deploy/serve.sh", "2"], capture_output=True, text=True, timeout=30, cwd=ROOT, env={"PATH": str(empty)}
    )
    assert missing.returncode == 2 and "sudo apt-get install haproxy" in missing.stderr
