"""Sequence to sequence: an encoder reads a whole input sequence, a decoder writes an output sequence of its own length,
and sequences of different lengths share a batch through padding and masking.

The task is small enough to train in seconds: copy or reverse a string of 2 to 8 symbols (A…F). The encoder is a GRU
whose last state starts the decoder, another GRU; in training the decoder reads the target shifted right behind a start
token (teacher forcing), at run time its own previous output, until it writes the end token. What padding needs:

- a padded batch: every sequence filled up to the longest with a pad id, and the true lengths kept beside it;
- the encoder stops at each sequence's own end: ``pack_padded_sequence`` makes the GRU's last state the state after
  the last real symbol, where without it the state has also read the pads;
- the loss counts real positions only (``ignore_index=PAD``): a pad is never a target.

This is PyTorch's own API (``nn.GRU``, ``pack_padded_sequence``): the lesson shows what a student will write.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence

import rnn_core.train  # noqa: F401  (its optimisers without the import of torch._dynamo: train/eager.py)

PAD, START, END = 0, 1, 2  # token ids before the symbols
SYMBOLS = "ABCDEF"
VOCAB = len(SYMBOLS) + 3
MIN_LENGTH, MAX_LENGTH = 2, 8
OPERATIONS = {"reverse": "reverse it", "copy": "copy it"}  # what the decoder writes, as the page says it
STEPS, BATCH, LR, HIDDEN, EMBEDDING = 1000, 64, 0.005, 64, 16
SEED, TEST_SEED, TEST_SIZE = 0, 99, 500


def token_name(token: int) -> str:
    return {PAD: "·", START: "<start>", END: "<end>"}.get(token, SYMBOLS[token - 3] if 3 <= token < VOCAB else "?")


@dataclass(frozen=True)
class PaddedBatch:
    source: Tensor  # (B, MAX_LENGTH) symbol ids, PAD after each sequence's end
    lengths: Tensor  # (B,) true source lengths
    target: Tensor  # (B, MAX_LENGTH + 1) the answer then END, PAD after it

    @property
    def target_mask(self) -> Tensor:
        """(B, MAX_LENGTH + 1) bool: the positions the loss counts (the answer and its END)."""
        return self.target != PAD


def _padded(symbols: Tensor, lengths: Tensor, operation: str) -> PaddedBatch:
    """Sources from the first ``lengths`` of each row of ``symbols`` ``(B, MAX_LENGTH)``, PAD after; targets their copy
    or reversal, then END, then PAD."""
    if operation not in OPERATIONS:
        raise ValueError(f"operation must be one of {', '.join(OPERATIONS)}, got {operation!r}")
    positions = torch.arange(MAX_LENGTH)  # (S,)
    real = positions < lengths.unsqueeze(1)  # (B, S)
    answer = symbols
    if operation == "reverse":
        answer = symbols.gather(1, (lengths.unsqueeze(1) - 1 - positions).clamp(min=0))  # row b read from its own end
    source = torch.where(real, symbols, PAD)  # (B, S)
    target = torch.full((len(lengths), MAX_LENGTH + 1), PAD)  # (B, S + 1)
    target[:, :MAX_LENGTH] = torch.where(real, answer, PAD)
    target[torch.arange(len(lengths)), lengths] = END
    return PaddedBatch(source, lengths, target)


def make_batch(size: int, operation: str, generator: torch.Generator) -> PaddedBatch:
    """``size`` random strings of MIN_LENGTH…MAX_LENGTH symbols, padded, with their copies or reversals as targets."""
    lengths = torch.randint(MIN_LENGTH, MAX_LENGTH + 1, (size,), generator=generator)  # (B,)
    return _padded(torch.randint(3, VOCAB, (size, MAX_LENGTH), generator=generator), lengths, operation)


def encode_strings(strings: list[str], operation: str) -> PaddedBatch:
    """Strings of A…F as a padded batch (the page's own examples), or ValueError naming what is wrong."""
    if not strings:
        raise ValueError(f"give at least one string of {MIN_LENGTH} to {MAX_LENGTH} of the letters {', '.join(SYMBOLS)}")
    rows, lengths = [], []
    for s in strings:
        s = s.strip().upper()
        if not MIN_LENGTH <= len(s) <= MAX_LENGTH or set(s) - set(SYMBOLS):
            raise ValueError(f"{s!r}: give {MIN_LENGTH} to {MAX_LENGTH} of the letters {', '.join(SYMBOLS)}")
        rows.append([SYMBOLS.index(c) + 3 for c in s] + [PAD] * (MAX_LENGTH - len(s)))
        lengths.append(len(s))
    return _padded(torch.tensor(rows), torch.tensor(lengths), operation)


class Seq2Seq(nn.Module):
    """A GRU encoder and a GRU decoder sharing one embedding; the encoder's last state is the decoder's first."""

    def __init__(self, hidden_size: int = HIDDEN, embedding_dim: int = EMBEDDING):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, embedding_dim, padding_idx=PAD)
        self.encoder = nn.GRU(embedding_dim, hidden_size, batch_first=True)
        self.decoder = nn.GRU(embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, VOCAB)

    def encode(self, source: Tensor, lengths: Tensor, packed: bool = True) -> Tensor:
        """The encoder's last state ``(1, B, H)``: after each sequence's last symbol (packed), or after the pads too."""
        embedded = self.embed(source)  # (B, S, E)
        if packed:
            embedded = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        _, state = self.encoder(embedded)  # (1, B, H)
        return state

    def forward(self, batch: PaddedBatch, packed: bool = True) -> Tensor:
        """Teacher forcing: scores ``(B, MAX_LENGTH + 1, VOCAB)`` for each target position, the decoder reading the
        target shifted right behind START."""
        state = self.encode(batch.source, batch.lengths, packed)
        start = torch.full((len(batch.source), 1), START)
        read = torch.cat([start, batch.target[:, :-1]], dim=1)  # (B, S + 1)
        out, _ = self.decoder(self.embed(read), state)  # (B, S + 1, H)
        return self.head(out)

    @torch.no_grad()
    def greedy(self, source: Tensor, lengths: Tensor, packed: bool = True) -> Tensor:
        """What the decoder writes, feeding back its own likeliest token: ``(B, MAX_LENGTH + 1)`` ids."""
        state = self.encode(source, lengths, packed)
        token = torch.full((len(source), 1), START)
        written = []
        for _ in range(MAX_LENGTH + 1):
            out, state = self.decoder(self.embed(token), state)  # (B, 1, H)
            token = self.head(out).argmax(-1)  # (B, 1)
            written.append(token)
        return torch.cat(written, dim=1)


def masked_loss(scores: Tensor, target: Tensor) -> Tensor:
    """Cross-entropy over the real target positions (the answer and its END): a pad is never an answer."""
    return nn.functional.cross_entropy(scores.reshape(-1, VOCAB), target.reshape(-1), ignore_index=PAD)


def written_strings(tokens: Tensor) -> list[str]:
    """Each row of written ids as text, up to its END (or all of it, when it never wrote one)."""
    out = []
    for row in tokens.tolist():
        row = row[: row.index(END)] if END in row else row
        out.append("".join(token_name(t) for t in row))
    return out


def exact_matches(model: Seq2Seq, batch: PaddedBatch, packed: bool = True) -> Tensor:
    """(B,) bool: the whole answer and its END written exactly."""
    written = model.greedy(batch.source, batch.lengths, packed)
    return (written == batch.target).logical_or(~batch.target_mask).all(dim=1)


@dataclass(frozen=True)
class Seq2SeqRun:
    """Plain data (a server caches it for every student): the weights, not the module."""

    packed: bool  # trained with the encoder stopping at each string's end, or reading on through the pads
    weights: dict[str, Tensor]
    curve: pd.DataFrame  # step, loss, exact (the fraction of a fixed test set written exactly), every 50 steps
    by_length: pd.DataFrame  # length, then the test set's exact answers by source length: run as trained, and (a model
    # trained packed) run reading the pads

    def model(self) -> Seq2Seq:
        model = Seq2Seq()
        model.load_state_dict(self.weights)
        return model.eval()


def train_seq2seq(operation: str, packed: bool = True, steps: int = STEPS) -> Seq2SeqRun:
    """Train the encoder and decoder from seed ``SEED`` with the masked loss, the encoder stopping at each string's end
    (``packed``) or reading on through the pads; measure how often it writes the exact answer on a fixed test set."""
    torch.manual_seed(SEED)
    model = Seq2Seq()
    optimiser = torch.optim.Adam(model.parameters(), lr=LR)
    generator = torch.Generator().manual_seed(SEED)
    test = make_batch(TEST_SIZE, operation, torch.Generator().manual_seed(TEST_SEED))
    rows = []
    for step in range(1, steps + 1):
        batch = make_batch(BATCH, operation, generator)
        loss = masked_loss(model(batch, packed), batch.target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 50 == 0 or step == steps:
            rows.append({"step": step, "loss": loss.item(), "exact": exact_matches(model, test, packed).float().mean().item()})
    model.eval()
    frame = pd.DataFrame({"length": test.lengths.numpy(), "as trained": exact_matches(model, test, packed).numpy()})
    if packed:  # the same weights, the pads read at run time: what a state that has read them does to the decoder
        frame["run reading the pads"] = exact_matches(model, test, packed=False).numpy()
    by_length = frame.groupby("length").mean().reset_index()
    return Seq2SeqRun(packed, model.state_dict(), pd.DataFrame(rows), by_length)


def padded_table(batch: PaddedBatch) -> pd.DataFrame:
    """The batch as the network gets it: one row per sequence, one column per position, pads shown as ·."""
    columns = [f"{t + 1}" for t in range(batch.source.size(1))]
    table = pd.DataFrame([[token_name(t) for t in row] for row in batch.source.tolist()], columns=columns)
    table.insert(0, "length", batch.lengths.tolist())
    return table


def padding_effects(packed: Seq2Seq, reads_pads: Seq2Seq, batch: PaddedBatch) -> pd.DataFrame:
    """Per string, on a model trained packed and one trained reading the pads: how far reading the pads moves the
    packed model's last encoder state, what each writes, and how many positions the masked loss counts."""
    with torch.no_grad():
        stops, reads_on = packed.encode(batch.source, batch.lengths), packed.encode(batch.source, batch.lengths, packed=False)
        moved = (stops - reads_on)[0].norm(dim=-1)  # (B,)
    return pd.DataFrame(
        {
            "string": ["".join(token_name(t) for t in row[:n]) for row, n in zip(batch.source.tolist(), batch.lengths.tolist())],
            "pads": (MAX_LENGTH - batch.lengths).tolist(),
            "state moved by the pads, ‖Δh‖": moved.tolist(),
            "trained packed, writes": written_strings(packed.greedy(batch.source, batch.lengths)),
            "… the same, run reading the pads": written_strings(packed.greedy(batch.source, batch.lengths, packed=False)),
            "trained reading the pads, writes": written_strings(reads_pads.greedy(batch.source, batch.lengths, packed=False)),
            "positions in the loss": [f"{n} of {MAX_LENGTH + 1}" for n in batch.target_mask.sum(dim=1).tolist()],
        }
    )
