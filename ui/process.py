"""What the server's process sets up once, on whichever session's run comes first (app.py runs again on every run;
an imported module does not)."""

import functools
import gc

import torch


@functools.cache
def set_up_once() -> None:
    """One torch thread, and the objects the imports made (torch, Plotly, pandas, Streamlit) frozen out of Python's
    collections.

    Small models train fastest on one thread, and sessions share the cores; the setting is per process. Every full
    collection walked the imports' objects, which live as long as the server: under a class each took up to 0.4 s of
    the interpreter's lock. Once per process, here, not on each run: asking Python whether they are frozen already
    (``gc.get_freeze_count``) counts them one by one, 40 ms of every run of app.py.
    """
    torch.set_num_threads(1)
    gc.freeze()
