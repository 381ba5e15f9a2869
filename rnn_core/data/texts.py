"""Text and numeric series that tasks train on: built-in texts our own code writes, and the user's data, checked.

The built-in texts are generated from a fixed seed, so they are the same on every
machine and nothing is downloaded. Each hides a pattern that a small recurrent
network can learn and that shows in single hidden units:

- ``brackets``: balanced, nested brackets: a unit that counts the depth.
- ``arithmetic``: sums such as ``12+7=19``: units that track position within a number.
- ``grammar``: short sentences where the verb agrees with a singular or plural subject
  several words earlier: a unit that remembers the number.
"""

from __future__ import annotations

import io
import random

import numpy as np

HELLO = "hello"
BUILT_IN_LENGTH = 20_000
MAX_USER_TEXT = 1_000_000  # characters; a hosted deployment may lower it
MAX_VOCAB = 256


def brackets_text(length: int = BUILT_IN_LENGTH, seed: int = 0) -> str:
    """Lines of balanced brackets, nesting up to 5 deep."""
    rng = random.Random(seed)
    lines = []
    while sum(len(line) + 1 for line in lines) < length:
        depth, line, opened = 0, [], 0
        while opened < 6 or depth > 0:
            if depth < 5 and opened < 6 and (depth == 0 or rng.random() < 0.55):
                line.append("(")
                depth, opened = depth + 1, opened + 1
            else:
                line.append(")")
                depth -= 1
        lines.append("".join(line))
    return "\n".join(lines)[:length]


def arithmetic_text(length: int = BUILT_IN_LENGTH, seed: int = 0) -> str:
    """Lines ``a+b=c`` with a and b from 0 to 49."""
    rng = random.Random(seed)
    lines = []
    while sum(len(line) + 1 for line in lines) < length:
        a, b = rng.randrange(50), rng.randrange(50)
        lines.append(f"{a}+{b}={a + b}")
    return "\n".join(lines)[:length]


_NOUNS = ["cat", "dog", "bird", "child", "teacher"]
_PLURALS = {"child": "children"}
_VERBS = ["sees", "likes", "follows", "helps"]
_ADJECTIVES = ["small", "old", "happy", "quiet"]


def grammar_text(length: int = BUILT_IN_LENGTH, seed: int = 0) -> str:
    """Sentences like ``the old dogs see a cat.``: the verb agrees with the subject's number."""
    rng = random.Random(seed)
    lines = []
    while sum(len(line) + 1 for line in lines) < length:
        noun, plural = rng.choice(_NOUNS), rng.random() < 0.5
        subject = _PLURALS.get(noun, noun + "s") if plural else noun
        adjectives = " ".join(rng.sample(_ADJECTIVES, rng.randrange(3)))
        verb = rng.choice(_VERBS)
        verb = verb[:-1] if plural else verb
        words = ["the", adjectives, subject, verb, "a", rng.choice(_NOUNS)]
        lines.append(" ".join(w for w in words if w) + ".")
    return "\n".join(lines)[:length]


BUILT_IN_TEXTS = {"hello": lambda: HELLO, "brackets": brackets_text, "arithmetic": arithmetic_text, "grammar": grammar_text}


def check_user_text(text: str, seq_len: int) -> str:
    """The user's text, or ValueError with a sentence that says what is wrong and what would do."""
    if not isinstance(text, str):
        raise ValueError("the text must be a string")
    if not text.strip():
        raise ValueError("the text is empty: paste or upload some text to train on")
    if len(text) > MAX_USER_TEXT:
        raise ValueError(f"the text has {len(text):,} characters; the limit is {MAX_USER_TEXT:,}")
    if len(text) < seq_len + 1:
        plural = "s" if len(text) != 1 else ""
        raise ValueError(f"the text has {len(text)} character{plural}; a sequence length of {seq_len} needs at least {seq_len + 1}")
    vocab = set(text)
    if len(vocab) < 2:
        raise ValueError("the text uses a single character: a model has nothing to predict; use at least two different characters")
    if len(vocab) > MAX_VOCAB:
        raise ValueError(f"the text uses {len(vocab)} different characters; the limit is {MAX_VOCAB}")
    return text


def decode_upload(data: bytes) -> str:
    """Uploaded bytes as UTF-8 text, refusing binary files with a clear reason."""
    if not data:
        raise ValueError("the file is empty")
    if b"\x00" in data[:8192]:
        raise ValueError("the file looks binary (it contains NUL bytes); upload a plain UTF-8 text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"the file is not UTF-8 text (byte {e.start} cannot be decoded); save it as UTF-8 and try again") from e


def numeric_columns(data: bytes) -> dict[str, np.ndarray]:
    """The numeric columns of an uploaded CSV file, as float arrays with missing values dropped."""
    import pandas as pd  # here, not at the top: a training process reads no CSV, nor imports pandas

    text = decode_upload(data)
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise ValueError(f"the file could not be read as CSV: {e}") from e
    columns = {}
    for name in frame.columns:
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if len(values) >= 2:
            columns[str(name)] = values
    if not columns:
        raise ValueError("the CSV has no numeric column with at least two numbers")
    return columns
