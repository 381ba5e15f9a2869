"""`python -m bench`: speed and memory of RNN Explorer, printed as Markdown tables and written as JSON.

Training is compared with plain PyTorch doing the same work in the same run (a ratio, so the
machine's speed cancels out); the app's own timings stand beside their targets. One torch
thread, as the app runs. A few minutes on 2 cores; `--quick` for a smoke run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import asdict
from pathlib import Path

import torch

from bench.app_timing import SESSIONS, browser_side, import_times, server_side
from bench.classroom import class_load, class_table
from bench.latency import latency, latency_table
from bench.scan_or_loop import scan_or_loop, scan_or_loop_table
from bench.threads import thread_comparison
from bench.training import default_configs, measure_training

RESULTS = Path(__file__).resolve().parent / "results" / "bench.json"
TARGETS = {"ratio": 0.95, "snapshot_share": 0.10, "default_snapshot_share": 0.05, "sidebar_change_rerun_s": 0.3, "mb_per_extra_session": 30}
SLICE_SECONDS = 0.4  # a training slice, as the app's settings default it: what a snapshot's cost is weighed against
DEFAULT = "sine · lstm"  # the default model: its snapshot has the tighter target


def _mark(ok: bool) -> str:
    return "yes" if ok else "**no**"


def training_table(results) -> str:
    """A snapshot's cost to training is what training waits for it, taken the app's way (a costly one beside training,
    a cheap one in its way); its own work, taken alone, stands beside that."""
    rows = [
        "| configuration | ours, steps/s | one snapshot's work, ms | training waits for it, ms | … of a 0.4 s slice "
        "| ours with snapshots, steps/s | plain PyTorch, steps/s | ratio | ≥ 0.95× |",
        "|---|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        share = r.wait_ms / 1e3 / SLICE_SECONDS
        limit = TARGETS["default_snapshot_share"] if r.name == DEFAULT else TARGETS["snapshot_share"]
        over = "" if share <= limit else f" **(> {limit:.0%})**"
        rows.append(
            f"| {r.name} | {r.ours_steps_per_s:,.1f} | {r.snapshot_ms:,.0f} | {r.wait_ms:,.0f} | {share:.0%}{over} | "
            f"{r.ours_at_cadence:,.1f} | {r.plain_steps_per_s:,.1f} | {r.ratio:.2f} | {_mark(r.ratio >= TARGETS['ratio'])} |"
        )
    return "\n".join(rows)


def app_table(server: dict, imports: dict, browser: dict | str) -> str:
    rows = ["| measure | value | target |", "|---|---:|---|"]
    sidebar = server["sidebar_change_rerun_s"]
    rows += [
        f"| sidebar change → page re-rendered (server rerun) | {sidebar * 1e3:.0f} ms | < 300 ms: {_mark(sidebar < 0.3)} |",
        f"| press Train → first live update (server run, one slice) | {server['train_to_first_update_s'] * 1e3:.0f} ms | |",
        f"| a rerun with nothing changed (server) | {server['plain_rerun_s'] * 1e3:.0f} ms | |",
        f"| import rnn_core (beyond Python's own start) | {imports['import_rnn_core_s']:.2f} s | |",
        f"| import the app's modules | {imports['import_app_modules_s']:.2f} s | |",
    ]
    if isinstance(browser, str):
        rows.append(f"| browser measures | {browser} | |")
        return "\n".join(rows)
    per_session, first_update = browser["mb_per_extra_session"], browser["browser_train_to_first_update_s"]
    rows += [
        f"| press Train → first step count in the browser (median of 3) | {first_update * 1e3:.0f} ms | "
        f"≤ 300 ms: {'yes' if first_update <= 0.3 else '**no**'} |",
        f"| server start → healthy | {browser['server_healthy_s']:.1f} s | |",
        f"| first page idle, the server's first session | {browser['first_page_idle_s']:.1f} s | |",
        f"| first page idle, a later session | {browser['later_session_first_page_idle_s']:.1f} s | |",
        f"| server memory, no session yet | {browser['server_mb_before_sessions']:.0f} MB | |",
        f"| server memory, 1 session with a trained model | {browser['server_mb_1_session']:.0f} MB | |",
        f"| server memory, {SESSIONS} sessions with trained models | {browser[f'server_mb_{SESSIONS}_sessions']:.0f} MB | |",
        f"| memory per extra session | {per_session:.1f} MB | < 30 MB: {_mark(per_session < 30)} |",
    ]
    together = browser["training_together"]
    rows += [
        f"| {SESSIONS} sessions training at once: steps/s per session (median) | {together['steps_per_s_median']:.1f} | |",
        f"| … server CPU while they train | {together['server_cpu_cores_while_training']:.2f} cores | |",
        f"| … a page change while the others train ({len(together['page_change_s'])} timed), p50 / p95 | "
        f"{together['page_change_p50_s']:.1f} s / "
        f"{together['page_change_p95_s']:.1f} s | |",
        f"| … server memory | {together['server_mb']:.0f} MB | |",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one configuration per cell on one task, fewer rounds, no browser")
    parser.add_argument("--no-browser", action="store_true", help="skip the measures that need a served app and Chromium")
    parser.add_argument("--class-only", action="store_true", help="only the hundred simulated students (about 5 minutes)")
    parser.add_argument("--latency-only", action="store_true", help="only one user's waits against the floor app (about 2 minutes)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS.relative_to(Path.cwd())})")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the app runs
    started = time.perf_counter()

    if args.class_only:
        classroom = class_load()
        print("\n## A class of 100 on one server\n")
        print(class_table(classroom))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_name("class.json").write_text(json.dumps(classroom, indent=2))
        return
    if args.latency_only:
        waits = latency()
        print("\n## One user's waits, against the floor\n")
        print(waits if isinstance(waits, str) else latency_table(waits))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_name("latency.json").write_text(json.dumps(waits, indent=2))
        return
    configs = default_configs()
    if args.quick:
        configs = [c for c in configs if c[0].startswith("sine")]
    training = []
    for name, config in configs:
        training.append(measure_training(name, config, rounds=4 if args.quick else 10))
        print(f"  measured {name}", flush=True)
    ways = scan_or_loop(repeats=5 if args.quick else 15)
    server, imports = server_side(repeats=3 if args.quick else 5), import_times()
    threads = thread_comparison(seconds=1.0 if args.quick else 2.0)
    browser = "skipped: --no-browser or --quick" if args.quick or args.no_browser else browser_side()
    waits = "skipped: --no-browser or --quick" if args.quick or args.no_browser else latency()
    classroom = None if args.quick or args.no_browser else class_load()

    print("\n## Training speed (1 torch thread; snapshots at the app's default cadence)\n")
    print(training_table(training))
    print("\n## Linear recurrences: the scan or the loop (forward and backward, 32 sequences, H = 32)\n")
    print(scan_or_loop_table(ways))
    print("\n## Torch threads (default model, steps/s)\n")
    print("| where | steps/s |\n|---|---:|\n" + "\n".join(f"| {k} | {v:,.0f} |" for k, v in threads.items()))
    print("\n## The app\n")
    print(app_table(server, imports, browser))
    print("\n## One user's waits, against the floor\n")
    print(waits if isinstance(waits, str) else latency_table(waits))
    if classroom:
        print("\n## A class of 100 on one server\n")
        print(class_table(classroom))
    machine = {"python": platform.python_version(), "torch": torch.__version__, "cpus": os.cpu_count(), "torch_threads": 1}
    print(f"\n{machine}; took {time.perf_counter() - started:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": machine,
        "training": [asdict(r) for r in training],
        "server": server,
        "imports": imports,
        "threads": threads,
        "scan_or_loop": ways,
        "browser": browser,
        "latency": waits,
        "class": classroom,
        "targets": TARGETS,
    }
    args.out.write_text(json.dumps(report, indent=2))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
