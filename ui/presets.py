"""Ready-made experiments: each tells one story from the lecture notes in one click.

A preset is a configuration, how many steps to train it and which page shows the story (and, for a comparison, the
cells trained beside it on Compare runs). The
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
    tab: str = ""  # the page's tab that shows it, if the page has tabs (ui.controls.open_tab)
    compared: tuple[str, ...] = ()  # cells trained beside its own, same settings and seed, when Compare runs opens


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
        "Through time",
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
        "A unit that counts",
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
        300,  # the loss stays near 0.4 for a while after step 100 on some CPUs (0.40 at step 150, 0.02 at 250 on AVX-512)
        "pages/gradients.py",
        "Clipping",
    ),
    Preset(
        "linear_memory",
        "Linear recurrences remember too",
        "The copy task with a delay of 40 steps, on two-layer models with the memory gate starting open (bias 3): a "
        "minGRU, whose gates read only x_t, beside a GRU and an LSTM, same seed, trained side by side. All three reach "
        "100 % accuracy within 800 steps, the minGRU last. One layer of minGRU is not enough: its gates see only the "
        "symbol in front of them, so it cannot tell the first symbol from the distractors; the second layer's gates read "
        "the first layer's state, which knows how far into the sequence it is.",
        _DEFAULT.with_changes(
            task={"name": "copy", "delay": 40},
            model={"cell": "mingru", "num_layers": 2, "memory_gate_bias": 3.0},
            train={"lr": 0.003},
        ),
        800,
        "pages/compare.py",
        compared=("gru", "lstm"),
    ),
    Preset(
        "windowing",
        "A window too short to remember",
        "The windowing MLP on copy after 20 steps, with a window of 10: at the answer the symbol is 20 steps back, "
        "outside anything it sees, so its accuracy stays at chance (about 25 %) however long it trains. The lesson "
        "Windowing or recurrence trains beside it a window of 25, which learns at the price of a first layer that grows "
        "with every step of window, and an LSTM, which learns with no window at all.",
        _DEFAULT.with_changes(task={"name": "copy", "delay": 20}, model={"cell": "mlp", "window": 10}, train={"lr": 0.01}),
        400,
        "pages/train.py",
    ),
    Preset(
        "selection",
        "What the selection lets in",
        "A selective state-space layer (S6) learns the nested-brackets text. Its step Δ_t, chosen from each character, "
        "decides how much of that character each channel lets into its state, and how much of the state it forgets. "
        "Within 500 steps one channel opens wide at every line end (Δ_t dozens of times its value elsewhere): there it "
        "lets the old count go and starts afresh, since every line opens six brackets of its own. The Gates page colours the "
        "text by that channel's Δ_t.",
        _DEFAULT.with_changes(
            task={"name": "characters", "text_source": "brackets", "seq_len": 60}, model={"cell": "s6", "hidden_size": 16}
        ),
        500,
        "pages/gates.py",
        "At every step",
    ),
)
PRESETS_BY_KEY = {p.key: p for p in PRESETS}
