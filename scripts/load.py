"""A class of simulated students: clients that speak Streamlit's own websocket protocol, so that a hundred cost little.

Each :class:`Student` opens ``/_stcore/stream`` (subprotocol ``streamlit``) as a browser tab does and sends the same
``BackMsg``s: a ``rerun_script`` for the first run (with the link's query string), a widget trigger for a click on
Train, a ``rerun_script`` with a page's hash for a page switch, and, for every ``auto_rerun`` the server announces
(a fragment's ``run_every``), a timer that sends that fragment's rerun. It reads the ``ForwardMsg``s back: the
sidebar's Step metric, the buttons, exceptions, the end of each run. Nothing here draws anything.

Used by the e2e class test, ``python -m bench`` and by hand::

    python -m scripts.load --students 100 --seconds 60 --link "task=copy&delay=30&cell=rnn_tanh&lr=0.003"

Every loop is bounded by ``seconds``; only the loopback server given (or started here) is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import threading
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

SIDEBAR = 1  # RootContainer.SIDEBAR in a delta's path; MAIN is 0
# A full run (not a fragment's) ended, with or without a compile error; a run stopped for a newer one ends with it.
FULL_RUN_ENDS = (ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY, ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR)


@dataclass
class Run:
    """One script run the student asked for, and when it ended."""

    kind: str  # "first", "click", "switch", "timer"
    sent: float
    done: float | None = None
    status: int | None = None


@dataclass
class Student:
    """One browser tab's worth of protocol. ``link`` is the query string it opens with."""

    url: str
    link: str = ""
    number: int = 0
    steps: list[tuple[float, int]] = field(default_factory=list)  # (time, the sidebar's Step) as the server draws it
    exceptions: list[str] = field(default_factory=list)
    switches: list[float] = field(default_factory=list)  # seconds from a page switch sent to its run finished
    train_pressed_at: float | None = None
    presses: int = 0
    timeouts: int = 0
    buttons: dict[str, tuple[str, bool]] = field(default_factory=dict)  # label -> (widget id, disabled), this run
    pages: dict[str, str] = field(default_factory=dict)  # url path -> page script hash
    page_hash: str = ""
    query: str = ""
    timers: dict[str, float] = field(default_factory=dict)  # fragment id -> interval, as the server announced them
    most_timers: int = 0  # the most timers this tab ran at once (the app means one per session)
    captions: set[str] = field(default_factory=set)  # what the sidebar's status line said
    cached: set[str] = field(default_factory=set)
    runs: list[Run] = field(default_factory=list)
    cookie: str | None = None  # sent with the connection: a load balancer's sticky cookie
    session_id: str | None = None  # the server's id for this tab's session, from its first message
    alerts: list[str] = field(default_factory=list)  # the page's notices (st.info, st.warning, st.error), in order
    _ws: object = None
    _tasks: list = field(default_factory=list)
    _finished: asyncio.Event = field(default_factory=asyncio.Event)

    # ---- sending ----------------------------------------------------------------------------------------------------

    async def _rerun(self, kind: str, *, widgets: list[WidgetState] = (), page_hash: str | None = None, fragment: str = "") -> Run:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        state.widget_states.widgets.extend(widgets)
        state.cached_message_hashes.extend(self.cached)
        if fragment:
            state.fragment_id, state.is_auto_rerun = fragment, True
        run = Run(kind, time.monotonic())
        if kind != "timer":
            self.runs.append(run)
            self._finished.clear()
        await self._ws.send(msg.SerializeToString())
        return run

    async def click(self, label: str) -> bool:
        """Press the button with this label if the last full run drew it enabled; False if it could not be pressed."""
        found = self.buttons.get(label)
        if found is None or found[1]:
            return False
        widget = WidgetState(id=found[0], trigger_value=True)
        self.presses += 1
        await self._rerun("click", widgets=[widget])
        return True

    async def switch(self, path: str, timeout: float) -> None:
        """Open another page, as a click in the sidebar's navigation does; times the run that draws it."""
        run = await self._rerun("switch", page_hash=self.pages[path])
        self.page_hash = self.pages[path]
        self.timers.clear()  # as the browser does on a page change; the new page's run announces its own
        if await self._wait_done(run, timeout):
            self.switches.append(run.done - run.sent)

    async def _wait_done(self, run: Run, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while run.done is None:
            left = deadline - time.monotonic()
            if left <= 0:
                self.timeouts += 1
                return False
            with contextlib.suppress(TimeoutError):  # the deadline is checked above
                await asyncio.wait_for(self._finished.wait(), left)
            self._finished.clear()
        return True

    # ---- receiving --------------------------------------------------------------------------------------------------

    def _on_message(self, raw: bytes) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        if msg.metadata.cacheable and msg.hash:
            self.cached.add(msg.hash)
        kind = msg.WhichOneof("type")
        if kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            if not self.page_hash:
                self.page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.timers[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            self.most_timers = max(self.most_timers, len(self.timers))
        elif kind == "stop_auto_rerun":
            for fragment in msg.stop_auto_rerun.fragment_ids:
                self.timers.pop(fragment, None)
        elif kind == "new_session" and not msg.metadata.run.fragment_ids:  # a full run: its fragments announce new timers
            self.buttons, self.timers = {}, {}
            self.session_id = msg.new_session.initialize.session_id or self.session_id
        elif kind == "delta":
            self._on_delta(msg)
        elif kind == "script_finished" and msg.script_finished in FULL_RUN_ENDS:
            for run in self.runs:
                if run.done is None:
                    run.done, run.status = time.monotonic(), msg.script_finished
            self._finished.set()

    def _on_delta(self, msg) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "alert":
            self.alerts.append(element.alert.body)
        elif kind == "exception":
            self.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
        elif kind == "button":
            self.buttons[element.button.label] = (element.button.id, element.button.disabled)
        elif kind == "markdown" and msg.metadata.delta_path[:1] == [SIDEBAR] and element.markdown.body.startswith(("training", "paused")):
            self.captions.add(element.markdown.body.split(" · ")[-1][:80] if " · " in element.markdown.body else element.markdown.body[:80])
        elif kind == "metric" and element.metric.label == "Step" and msg.metadata.delta_path[:1] == [SIDEBAR]:
            self.steps.append((time.monotonic(), int(element.metric.body.replace(",", ""))))

    async def _listen(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):  # the server went away: the next send says so
            async for raw in self._ws:
                if isinstance(raw, bytes):
                    self._on_message(raw)

    async def _tick(self, stop_at: float) -> None:
        """The browser's timers: each announced fragment reruns at its interval (a new full run resets them)."""
        due: dict[str, float] = {}
        while time.monotonic() < stop_at:
            now = time.monotonic()
            for fragment, interval in list(self.timers.items()):
                due.setdefault(fragment, now + interval)
                if now >= due[fragment]:
                    due[fragment] = now + interval
                    await self._rerun("timer", fragment=fragment)
            for fragment in set(due) - set(self.timers):
                del due[fragment]
            await asyncio.sleep(0.05)

    # ---- a student's session ------------------------------------------------------------------------------------------

    async def open(self, timeout: float = 30.0, resume: bool = False, until: float | None = None) -> None:
        """Connect as a browser tab does (with its cookie, e.g. a load balancer's sticky one), or, with ``resume``,
        reconnect to the session it had (as a browser does after a dropped connection); then start reading and the
        fragment timers (until ``until``)."""
        headers = {"Cookie": self.cookie} if self.cookie else None
        protocols = ["streamlit", "no-xsrf", self.session_id] if resume and self.session_id else ["streamlit"]
        self._ws = await websockets.connect(
            self.url + "/_stcore/stream",
            subprotocols=protocols,
            origin=self.url.replace("ws://", "http://"),
            additional_headers=headers,
            max_size=2**26,
            open_timeout=timeout,
        )
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._tick(until or time.monotonic() + 3600))]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self._ws.close()

    async def first_run(self, timeout: float = 30.0) -> bool:
        """The run a tab asks for when it opens (or reopens) the page; False if it did not finish in time."""
        return await self._wait_done(await self._rerun("first"), timeout)

    async def attend(self, seconds: float, switch_every: float, pages: list[str], run_timeout: float = 30.0, train: bool = True) -> None:
        """Open the link, press Train (unless not ``train``), change page every ``switch_every`` seconds; stop after
        ``seconds``."""
        stop_at = time.monotonic() + seconds
        await self.open(run_timeout, until=stop_at)
        try:
            await self.first_run(run_timeout)
            if train:
                await self._press_train(run_timeout)
            turn = self.number
            while time.monotonic() < stop_at:
                await asyncio.sleep(min(switch_every, max(0.0, stop_at - time.monotonic())))
                if time.monotonic() >= stop_at or not pages:
                    break
                turn += 1
                await self.switch(pages[turn % len(pages)], run_timeout)
        finally:
            await self.close()

    def step_shown(self) -> int | None:
        """The step the sidebar showed last."""
        return self.steps[-1][1] if self.steps else None

    async def _press_train(self, timeout: float) -> None:
        """Press Train and wait for the run that shows it took (the Train button disabled); press again if a crowded
        server lost it, at most three times, as a student would."""
        for _ in range(3):
            if not await self.click("Train"):
                return
            self.train_pressed_at = time.monotonic()
            await self._wait_done(self.runs[-1], timeout)
            if self.buttons.get("Train", ("", True))[1]:
                return

    # ---- what it saw --------------------------------------------------------------------------------------------------

    def progressed(self) -> bool:
        """The step count rose after Train was pressed."""
        if self.train_pressed_at is None:
            return False
        after = [step for t, step in self.steps if t >= self.train_pressed_at]
        return len(after) >= 2 and after[-1] > after[0]

    def trace(self) -> dict:
        """When this student pressed Train (seconds after connecting) and the steps the sidebar showed after it."""
        start = self.runs[0].sent if self.runs else 0.0
        after = [step for t, step in self.steps if self.train_pressed_at and t >= self.train_pressed_at]
        pressed = None if self.train_pressed_at is None else round(self.train_pressed_at - start, 1)
        shown = after[:3] + after[-2:]
        return {"student": self.number, "pressed_at_s": pressed, "steps_after": shown, "captions": sorted(self.captions)[:3]}

    def steps_per_second(self) -> float:
        after = [(t, s) for t, s in self.steps if self.train_pressed_at and t >= self.train_pressed_at]
        if len(after) < 2 or after[-1][0] <= after[0][0]:
            return 0.0
        return (after[-1][1] - after[0][1]) / (after[-1][0] - after[0][0])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _class(
    url: str, links: list[str], seconds: float, switch_every: float, pages: list[str], arrive_within: float, train: bool
) -> list[Student]:
    students = [Student(url, link=link, number=i) for i, link in enumerate(links)]
    for s in students:
        s.query = s.link
    rng = random.Random(0)

    async def arrive(s: Student) -> None:
        await asyncio.sleep(rng.uniform(0, arrive_within))
        await s.attend(seconds, switch_every, pages, train=train)

    await asyncio.gather(*(arrive(s) for s in students), return_exceptions=False)
    return students


def in_own_thread(work):
    """``work()`` on a thread of its own: the caller's thread may run an event loop already (Playwright's sync API
    does), and asyncio runs one loop per thread."""
    out = {}

    def run() -> None:
        try:
            out["value"] = work()
        except BaseException as e:  # handed to the caller's thread, which raises it
            out["error"] = e

    thread = threading.Thread(target=run, name="simulated-class")
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def run_class(
    url: str,
    students: int = 30,
    seconds: float = 40.0,
    link: str = "",
    own_models: bool = False,
    switch_every: float = 15.0,
    pages: list[str] | None = None,
    arrive_within: float = 5.0,
    train: bool = True,
) -> dict:
    """``students`` clients on ``url`` (http://127.0.0.1:PORT): all open ``link`` (or, with ``own_models``, the link with a
    seed of their own), press Train and change page every ``switch_every`` s. Returns what they saw."""
    ws_url = url.replace("http://", "ws://")
    base = [p for p in link.split("&") if p and not p.startswith("seed=")]
    links = ["&".join(base + ([f"seed={i + 1}"] if own_models else [])) for i in range(students)]
    pages = pages if pages is not None else ["gradients", "hidden_states", ""]
    started, cpu = time.monotonic(), time.process_time()
    crowd = in_own_thread(lambda: asyncio.run(_class(ws_url, links, seconds, switch_every, pages, arrive_within, train)))
    rates = [s.steps_per_second() for s in crowd]
    switches = [t for s in crowd for t in s.switches]
    return {
        "students": students,
        "own_models": own_models,
        "seconds": round(time.monotonic() - started, 1),
        "client_cores": round((time.process_time() - cpu) / (time.monotonic() - started), 2),  # what simulating them cost
        "progressed": sum(s.progressed() for s in crowd),
        "steps_per_second_median": round(statistics.median(rates), 2) if rates else 0.0,
        "steps_per_second_min": round(min(rates), 2) if rates else 0.0,
        "switches": len(switches),
        "switch_p50_s": round(percentile(switches, 0.5), 3),
        "switch_p95_s": round(percentile(switches, 0.95), 3),
        "timeouts": sum(s.timeouts for s in crowd),
        "exceptions": sorted({e for s in crowd for e in s.exceptions}),
        "presses": sum(s.presses for s in crowd),
        "never_pressed": sum(s.train_pressed_at is None for s in crowd),
        "most_timers_per_session": max((s.most_timers for s in crowd), default=0),
        "saw_a_shared_run": sum(any("shared run" in c for c in s.captions) for s in crowd),
        "not_progressed": [s.trace() for s in crowd if not s.progressed()],  # what each of those saw, to tell why
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server on loopback; without it one is started here")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--link", default="", help="the shared link's query string, e.g. task=copy&delay=30")
    parser.add_argument("--own-models", action="store_true", help="every student a seed of their own")
    parser.add_argument("--switch-every", type=float, default=15.0)
    args = parser.parse_args()
    kwargs = dict(students=args.students, seconds=args.seconds, link=args.link, own_models=args.own_models, switch_every=args.switch_every)
    if args.url:
        if not args.url.startswith(("http://127.0.0.1", "http://localhost")):
            raise SystemExit("only a server on loopback may be loaded")
        print(json.dumps(run_class(args.url, **kwargs), indent=2))
        return
    from scripts.served_app import serve_app

    with serve_app() as server:
        before = server.cpu_seconds()
        result = run_class(server.url, **kwargs)
        result["server_cores"] = round((server.cpu_seconds() - before) / result["seconds"], 2)
        result["server_mb"] = round(server.rss_mb(), 1)
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
