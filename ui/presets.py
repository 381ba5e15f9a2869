"""Ready-made experiments: each tells one story from the lecture notes in one click.

A preset is a configuration, how many steps to train it and which page shows the story. The
numbers in each story were measured with these settings and seed (tests/test_presets.py trains
every preset and checks its claim), so a lecturer can replay one in front of a class.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnn_core.config import ExperimentConfig

_DEFAULT = ExperimentConfig()


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    story: str  # what to look at, in one or two sentences
    config: ExperimentConfig
    steps: int  # training pauses by itself here, where the story is told
    page: str  # the page that shows it: a file in pages/


PRESETS = (
    Preset(
        "vanishing",
        "Vanishing gradients in a plain RNN",
        "A tanh RNN must repeat a symbol it saw 30 steps earlier. The gradient of the last step's loss fades by a factor "
        "of about a million on its way back to the first steps, so the early steps never learn: accuracy stays "
        "under 50 % (chance is 25 %). Compare with the LSTM preset.",
        _DEFAULT.with_changes(task={"name": "copy", "delay": 30}, model={"cell": "rnn_tanh"}, train={"lr": 0.003}),
        300,
        "pages/gradients.py",
    ),
    Preset(
        "lstm_delay",
        "The LSTM remembers across a long delay",
        "The same copy task with a delay of 40 steps, now with an LSTM whose forget gate starts open (bias 3). Its cell "
        "state carries the symbol across the delay: accuracy passes 90 % within 500 steps, where a plain RNN stays under 50 %.",
        _DEFAULT.with_changes(task={"name": "copy", "delay": 40}, model={"cell": "lstm", "memory_gate_bias": 3.0}, train={"lr": 0.003}),
        500,
        "pages/train.py",
    ),
    Preset(
        "hello",
        'The "hello" model',
        'The notes\' character model: a tanh RNN with 3 hidden units reads "hell" and predicts "ello". The two "l"s need '
        "different answers (another l, then o): only the hidden state, which remembers what came before, can tell them apart. "
        "It gets all four right within 300 steps.",
        _DEFAULT.with_changes(
            task={"name": "characters", "text_source": "hello", "seq_len": 4},
            model={"cell": "rnn_tanh", "hidden_size": 3},
            train={"lr": 0.03},
        ),
        300,
        "pages/train.py",
    ),
    Preset(
        "brackets",
        "A unit that counts brackets",
        "An LSTM learns to predict nested brackets. To know when a line may end it has to count how deep it is, and one "
        "unit of its cell state c_t does exactly that: it rises at every ( and falls at every ), following the nesting depth.",
        _DEFAULT.with_changes(
            task={"name": "characters", "text_source": "brackets", "seq_len": 60}, model={"cell": "lstm", "hidden_size": 16}
        ),
        600,
        "pages/hidden_states.py",
    ),
    Preset(
        "clipping",
        "Exploding gradients tamed by clipping",
        "A ReLU RNN whose recurrent weights start with gain 2 (every eigenvalue |λ| = 2): the first gradient norm is "
        "about 10¹¹. Clipped to norm 1, every step stays small and the loss falls from billions to near zero. Turn "
        "clipping off in the sidebar and rebuild: the first step throws the weights to infinity.",
        _DEFAULT.with_changes(
            model={"cell": "rnn_relu", "init": "orthogonal", "init_value": 2.0}, train={"optimizer": "sgd", "lr": 0.01, "clip_norm": 1.0}
        ),
        150,
        "pages/gradients.py",
    ),
)
PRESETS_BY_KEY = {p.key: p for p in PRESETS}
