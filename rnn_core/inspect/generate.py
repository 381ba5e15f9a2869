"""Text from a character model: sampling with a temperature, and the model's top guesses at every position."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import torch
from torch import Tensor

from rnn_core.data.tasks import Characters
from rnn_core.train.models import SequenceModel


def _check(model: SequenceModel, task: Characters) -> None:
    if not isinstance(task, Characters):
        raise ValueError("text generation needs a character task")
    if not model.recurrent:
        raise ValueError("the windowing MLP cannot generate text step by step; choose a recurrent cell")


@dataclass(frozen=True)
class SamplingStep:
    read: int  # the id the model read at this step: the prompt's last character, then its own last draw
    probabilities: Tensor  # (V,) the softmax of the scores divided by the temperature
    drawn: int  # the id drawn from them, read at the next step


def sampling_steps(
    model: SequenceModel, task: Characters, prompt: str, length: int, temperature: float = 1.0, seed: int = 0
) -> Iterator[SamplingStep]:
    """Generate ``length`` characters after ``prompt``, one step at a time, each draw fed back as the next input.

    Scores are divided by ``temperature`` before the softmax: a low temperature picks the likeliest character almost
    always; a high one samples nearly uniformly.
    """
    _check(model, task)
    if not prompt:
        raise ValueError("the prompt is empty: give at least one character to start from")
    if not 0 < temperature <= 10:
        raise ValueError(f"temperature must be above 0 and at most 10, got {temperature}")
    if not 0 <= length <= 10_000:
        raise ValueError(f"length must be between 0 and 10000, got {length}")
    ids = task.encode(prompt)  # raises ValueError for characters outside the vocabulary
    generator = torch.Generator().manual_seed(seed)
    model.eval()
    read = int(ids[-1])
    with torch.no_grad():
        features, state = model.features(ids.unsqueeze(0))  # (1, P, H)
        for _ in range(length):
            probabilities = torch.softmax(model.head(features[0, -1]) / temperature, dim=-1)  # (V,)
            drawn = int(torch.multinomial(probabilities, 1, generator=generator))
            yield SamplingStep(read, probabilities, drawn)
            features, state = model.features(torch.tensor([[drawn]]), state)
            read = drawn


def sample_text(model: SequenceModel, task: Characters, prompt: str, length: int, temperature: float = 1.0, seed: int = 0) -> str:
    """The prompt followed by ``length`` sampled characters (see :func:`sampling_steps`)."""
    return prompt + task.decode([step.drawn for step in sampling_steps(model, task, prompt, length, temperature, seed)])


def top_k_next(model: SequenceModel, task: Characters, text: str, k: int = 3) -> pd.DataFrame:
    """For every position of ``text``: the character read, and the model's k likeliest next characters.

    Columns: ``position, character, rank, next, probability`` (one row per position and rank).
    """
    _check(model, task)
    if not text:
        raise ValueError("the text is empty")
    k = max(1, min(k, len(task.vocab)))
    model.eval()
    with torch.no_grad():
        scores, _ = model(task.encode(text).unsqueeze(0))  # (1, T, V)
        probs, ids = torch.softmax(scores[0], dim=-1).topk(k, dim=-1)  # (T, k)
    rows = [
        (t, task.output_label(task.index[c]), rank + 1, task.output_label(ids[t, rank]), float(probs[t, rank]))
        for t, c in enumerate(text)
        for rank in range(k)
    ]
    return pd.DataFrame(rows, columns=["position", "character", "rank", "next", "probability"])
