"""PyTorch's optimisers without the 2 s import of ``torch._dynamo`` that their first use costs each process.

Several ``torch.optim.Optimizer`` methods (``add_param_group``, called by every optimiser's constructor, ``zero_grad``,
``state_dict``, ``load_state_dict``) are wrapped by ``torch._disable_dynamo``, which imports ``torch._dynamo`` the
first time the method runs, to build a version that ``torch.compile`` will not trace. Measured here (torch 2.13, one
core): 2.1 s, the largest part of a training process's start and of a server's first lesson. This project never
compiles (its warm-up takes minutes on these machines), so the version that compile would skip is the method
itself: :func:`use_methods_as_they_are` records exactly that in the cache the wrapper reads, and the import never
happens there. Under ``torch.compile`` nothing changes for a caller that never compiles an optimiser step.

An optimiser's step still imports ``torch._dynamo`` (``torch.optim.optimizer._use_grad``, for a graph break): a
training process pays that once, in a thread of its own, as soon as it has answered its first commands (or
waited a second for them: ``runs/worker.import_torch_dynamo``), so that neither the first page nor the first press
of Train waits for it. ``tests/test_training.py`` and ``tests/test_workers.py`` pin these facts.
"""

from __future__ import annotations

import torch

_CACHE = "__dynamo_disable"  # the attribute torch._compile._disable_dynamo caches its wrapped function in


def _disable_dynamo_wrappers(cls: type) -> list:
    """The original functions behind ``cls``'s methods that ``torch._disable_dynamo`` wraps."""
    marker = torch._disable_dynamo(lambda: None).__code__  # every such wrapper runs this same code object
    return [f.__wrapped__ for f in vars(cls).values() if callable(f) and getattr(f, "__code__", None) is marker]


def use_methods_as_they_are() -> None:
    """Let the optimisers' wrapped methods run as they are, without importing torch._dynamo first (see above)."""
    for original in _disable_dynamo_wrappers(torch.optim.Optimizer):
        if getattr(original, _CACHE, None) is None:
            setattr(original, _CACHE, original)
