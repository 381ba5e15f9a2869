"""Test-wide settings.

One torch thread: the models here are small, and on a 2-core machine two threads
spin-waiting beside any other busy process (a second test worker, the CI host's
own load) can make a step ten to a hundred times slower.

Sessions in this process (AppTest) train in the process itself, only when a page refreshes: no worker processes,
so that a test says exactly how far training went. Servers started for the browser tests use worker processes, as
the app does (scripts/served_app.py leaves this variable out of their environment).
"""

import os

import torch

os.environ["RNN_EXPLORER_TRAINING_SLOTS"] = "0"
torch.set_num_threads(1)


LONGEST_FIRST = ("tests/e2e/", "tests/app/", "tests/test_presets.py")  # minutes of servers and browsers, then AppTest


def pytest_collection_modifyitems(items):
    """The longest files first: pytest-xdist hands whole files to its two workers in this order (pyproject.toml), and
    the short unit tests left for the end fill whichever worker finishes its long file first, instead of a browser
    test running alone for a minute after everything else is done."""

    def rank(item) -> int:
        path = item.nodeid
        return next((i for i, prefix in enumerate(LONGEST_FIRST) if path.startswith(prefix)), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: the order within a rank stays as collected
