"""The Inputs and outputs lesson: each mode's tables against the model they read, the encoder–decoder's padding and
masking against PyTorch run on each sequence alone, and every claim the page makes, with its numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import make_task
from rnn_core.inspect.generate import sample_text
from rnn_core.lessons import seq2seq
from rnn_core.lessons.modes import MANY_TO_ONE, aligned_table, diagram_columns, one_to_many_table, readout_table
from rnn_core.lessons.seq2seq import END, MAX_LENGTH, PAD, encode_strings, make_batch, masked_loss, padding_effects
from rnn_core.train.losses import task_loss
from rnn_core.train.trainer import Trainer


@pytest.fixture(scope="module")
def grammar():
    config = ExperimentConfig().with_changes(task={"name": "characters", "text_source": "grammar", "seq_len": 20}, seed=3)
    trainer = Trainer(config, make_task(config.task))
    trainer.run(30)
    return trainer.model, trainer.task


def test_a_padded_batch_holds_each_string_its_answer_and_end_then_pads():
    batch = encode_strings(["abc", "FEDCBA"], "reverse")
    assert batch.lengths.tolist() == [3, 6]
    assert batch.source.shape == (2, MAX_LENGTH) and batch.target.shape == (2, MAX_LENGTH + 1)
    assert seq2seq.written_strings(batch.target) == ["CBA", "ABCDEF"]
    assert batch.source[0, 3:].eq(PAD).all() and batch.target[0, 3] == END and batch.target[0, 4:].eq(PAD).all()
    assert batch.target_mask.sum(dim=1).tolist() == [4, 7]  # the answer and its END
    copied = make_batch(200, "copy", torch.Generator().manual_seed(0))
    for row, length in zip(copied.source, copied.lengths):
        assert seq2seq.MIN_LENGTH <= length <= MAX_LENGTH and row[:length].ge(3).all() and row[length:].eq(PAD).all()
    answers = copied.target[:, :MAX_LENGTH]
    assert torch.equal(answers.masked_fill(answers == END, PAD), copied.source)  # copy: the answer is the source
    for bad in (["A"], ["ABCDEFABC"], ["ABX"], []):
        with pytest.raises(ValueError, match="letters A, B, C, D, E, F"):
            encode_strings(bad, "copy")
    with pytest.raises(ValueError, match="operation must be one of reverse, copy"):
        encode_strings(["AB"], "sort")


def test_the_packed_encoder_stops_at_each_strings_end_as_if_it_read_it_alone():
    torch.manual_seed(0)
    model = seq2seq.Seq2Seq().eval()
    batch = encode_strings(["AB", "FEDCBA", "ABCDEFAB"], "copy")
    with torch.no_grad():
        packed = model.encode(batch.source, batch.lengths)[0]  # (B, H)
        read_on = model.encode(batch.source, batch.lengths, packed=False)[0]
        for row, length in enumerate(batch.lengths.tolist()):
            _, alone = model.encoder(model.embed(batch.source[row : row + 1, :length]))  # the string alone, no pads
            torch.testing.assert_close(packed[row], alone[0, 0], rtol=1e-5, atol=1e-6)
    moved = (packed - read_on).norm(dim=1)
    assert moved[0] > 0.1 and moved[1] > 0.1 and moved[2] < 1e-5  # the longest has no pads to read


def test_the_masked_loss_is_the_mean_over_real_positions_written_out():
    torch.manual_seed(1)
    batch = encode_strings(["AB", "CDEF"], "reverse")
    scores = torch.randn(2, MAX_LENGTH + 1, seq2seq.VOCAB)
    log_p = scores.log_softmax(-1)
    real = [-log_p[b, t, batch.target[b, t]] for b in range(2) for t in range(MAX_LENGTH + 1) if batch.target[b, t] != PAD]
    assert len(real) == 3 + 5  # each answer and its END
    torch.testing.assert_close(masked_loss(scores, batch.target), torch.stack(real).mean())
    every = nn.functional.cross_entropy(scores.reshape(-1, seq2seq.VOCAB), batch.target.reshape(-1))
    assert not torch.isclose(masked_loss(scores, batch.target), every)  # the 10 pads would count otherwise


def test_packing_lets_the_decoder_answer_and_a_model_trained_on_pads_learns_to_look_past_them():
    """The page's claims, 1,000 steps each (seed 0), reversing: the packed model writes most test strings exactly; run
    reading the pads it never saw, it fails every string shorter than the longest; a model trained reading the pads
    does nearly as well as the packed one, worst on the longest strings."""
    packed, reads_pads = seq2seq.train_seq2seq("reverse"), seq2seq.train_seq2seq("reverse", packed=False)
    assert packed.curve.exact.iloc[-1] > 0.9 and reads_pads.curve.exact.iloc[-1] > 0.8
    by_length = packed.by_length.set_index("length")
    assert (by_length.loc[: MAX_LENGTH - 1, "run reading the pads"] < 0.05).all()
    assert by_length.loc[MAX_LENGTH, "run reading the pads"] == by_length.loc[MAX_LENGTH, "as trained"]  # no pads: the same
    assert reads_pads.by_length["as trained"].iloc[:3].min() > 0.95  # short strings: the pads are learned away
    effects = padding_effects(packed.model(), reads_pads.model(), encode_strings(["ABC", "FEDCBA"], "reverse"))
    assert effects["trained packed, writes"].tolist() == ["CBA", "ABCDEF"]
    assert effects["trained reading the pads, writes"].tolist() == ["CBA", "ABCDEF"]
    assert effects["… the same, run reading the pads"][0] != "CBA"
    assert effects["positions in the loss"].tolist() == ["4 of 9", "7 of 9"]
    assert (effects["state moved by the pads, ‖Δh‖"] > 0.5).all()


def test_many_to_one_readout_at_the_last_step_is_the_models_answer():
    config, _ = MANY_TO_ONE["adding"]
    trainer = Trainer(config, make_task(config.task))
    trainer.run(5)
    table = readout_table(trainer.model, trainer.task)
    batch = trainer.task.probe_batch(4)
    with torch.no_grad():
        answers, _ = trainer.model(batch.x)  # (4, 1)
    last = table[table.step == trainer.task.seq_len].readout.to_numpy()
    torch.testing.assert_close(torch.tensor(last, dtype=torch.float32), answers[:, 0])
    assert table[table.sequence == 1].input.tolist() == trainer.task.input_labels(batch.x[0])
    with pytest.raises(ValueError, match="answers at every step"):
        readout_table(trainer.model, make_task(ExperimentConfig().task))


@pytest.mark.parametrize("name", list(MANY_TO_ONE))
def test_each_many_to_one_lesson_model_learns_within_its_steps(name):
    """Adding: the mean squared error falls far below the 0.167 of always answering 1 (the variance of the sum);
    parity: at chance for the first half, then (almost) always right."""
    config, steps = MANY_TO_ONE[name]
    trainer = Trainer(config, make_task(config.task))
    trainer.run(steps)
    history = trainer.history
    if name == "adding":
        assert history.loss.tail(50).mean() < 0.01
    else:
        assert history.accuracy.head(steps // 2).mean() < 0.6 and history.accuracy.tail(100).mean() > 0.95


def test_aligned_table_losses_are_the_training_loss_of_that_text(grammar):
    model, task = grammar
    text = "the old dogs see a cat."
    table = aligned_table(model, task, text)
    ids = task.encode(text)
    with torch.no_grad():
        scores, _ = model(ids[:-1].unsqueeze(0))
    loss, _ = task_loss(task, scores, ids[1:].unsqueeze(0), torch.ones(1, len(text) - 1, dtype=torch.bool))
    assert len(table) == len(text) - 1 and table["target y_t"].tolist() == [task.output_label(i) for i in ids[1:]]
    assert table["loss L_t"].mean() == pytest.approx(loss.item(), rel=1e-5)
    assert table["P(target)"].to_numpy() == pytest.approx(np.exp(-table["loss L_t"].to_numpy()))
    with pytest.raises(ValueError, match="at least two characters"):
        aligned_table(model, task, "t")


def test_one_to_many_reads_its_own_last_draw_and_writes_what_sampling_writes(grammar):
    model, task = grammar
    table = one_to_many_table(model, task, "t", 25, 0.8, 4)
    sampled = sample_text(model, task, "t", 25, 0.8, 4)
    assert table.draws.tolist() == [task.output_label(task.index[c]) for c in sampled[1:]]
    assert table.reads.tolist()[1:] == table.draws.tolist()[:-1] and table.reads[0] == "t"
    probabilities = [float(p) for row in table["likeliest next"] for p in row.split()[1::2]]
    assert all(0 <= p <= 1 for p in probabilities)


def test_each_diagram_draws_outputs_where_its_mode_answers():
    many_to_one, _ = diagram_columns("many_to_one")
    assert [c["output"] for c in many_to_one] == [None, None, None, "ŷ"]
    one_to_many, feedback = diagram_columns("one_to_many")
    assert feedback and [c["input"] for c in one_to_many] == ["x_1", "ŷ_1", "ŷ_2", "ŷ_3"]
    encoder_decoder, _ = diagram_columns("seq2seq")
    assert [c["part"] for c in encoder_decoder] == [0, 0, 0, 1, 1, 1, 1] and encoder_decoder[-1]["output"] == "<end>"
    with pytest.raises(ValueError, match="mode must be one of"):
        diagram_columns("two_to_two")


def test_the_encoder_decoder_is_nn_grus_with_one_shared_embedding():
    model = seq2seq.Seq2Seq()
    assert isinstance(model.encoder, nn.GRU) and isinstance(model.decoder, nn.GRU) and model.embed.padding_idx == PAD
