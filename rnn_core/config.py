"""One experiment, as one typed, frozen, validated configuration.

Frozen means hashable and comparable: a configuration can key a cache, go into a URL
or a JSON file and come back equal. Validation happens at construction, with messages
that name the value and the limit. What a configuration does not hold is user data
(an uploaded text or CSV): that is passed beside it, to :func:`rnn_core.data.tasks.make_task`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from numbers import Integral, Real
from typing import Any

from rnn_core.nn.cell_facts import CELLS as RECURRENT_CELLS
from rnn_core.nn.cell_facts import STATE_SIZE

TASK_NAMES = ("next_number", "sine", "copy", "adding", "parity", "characters", "series")  # titles: each Task's own
TEXT_TITLES = {
    "hello": "hello (the notes)",
    "brackets": "Nested brackets",
    "arithmetic": "Sums like 12+7=19",
    "grammar": "Small grammar",
    "custom": "Your own text",
}
TEXT_SOURCES = tuple(TEXT_TITLES)
# The choices that stand for the user's own data, which a configuration never holds (it comes beside it, to make_task):
# field -> (its value that means "the user's data", what that data is, in a sentence).
USER_DATA_CHOICES = {"text_source": ("custom", "your own text"), "name": ("series", "your own CSV series")}
CELL_TITLES = {name: cell.title for name, cell in RECURRENT_CELLS.items()} | {"mlp": "MLP on windows"}  # every cell, as shown
CELLS = tuple(CELL_TITLES)  # the recurrent cells, and the windowing MLP: the baseline with no recurrence
INIT_TITLES = {"default": "PyTorch default", "orthogonal": "Orthogonal W_hh × a gain", "constant": "Every weight = a constant"}
INITS = tuple(INIT_TITLES)
ENCODING_TITLES = {"onehot": "One-hot", "embedding": "Learned embedding"}
ENCODINGS = tuple(ENCODING_TITLES)
OPTIMIZER_TITLES = {"adam": "Adam", "sgd": "SGD with momentum", "rmsprop": "RMSprop"}
OPTIMIZERS = tuple(OPTIMIZER_TITLES)
HIDDEN_SIZES = (1, 2, 3, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
STATE_SIZES = (1, 2, 4, 8, 16, 32)  # the selective state-space layer's N
BATCH_SIZES = (1, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
CLIP_NORMS = (0.0, 0.1, 0.5, 1.0, 5.0, 10.0)


@dataclass(frozen=True)
class Setting:
    """Everything the project knows about one configuration field, in one place: what it accepts (checked when a
    configuration is built) and, for a field the app offers a control for, how that control is labelled and what it
    offers (ui/sidebar.py builds its widgets from these; links carry only the fields that have one).

    A control offers a usual ``span`` (a slider's or a number box's low and high) or a list of ``values`` (a select
    slider's); a link or a checkpoint may bring any accepted value, and the control then widens to show it.
    """

    bounds: tuple | None = None  # (low, high): the values accepted
    choices: Mapping[str, str] | None = None  # the values accepted, in the order offered -> how each is shown
    label: str | None = None  # None: the app offers no control for it
    span: tuple | None = None
    values: tuple | None = None
    step: float | None = None
    help: str | None = None
    entry: bool = False  # a number box rather than a slider
    zero: str | None = None  # how a select slider shows 0 (clip_norm: "off"); other values by ``:g``
    called: str | None = None  # its name in messages and links, when not the field's own (a task's ``name`` is "task")


def setting(default, **facts) -> Any:
    """A dataclass field with its :class:`Setting`."""
    return field(default=default, metadata={"setting": Setting(**facts)})


def _check_range(name: str, value, low, high) -> None:
    if not low <= value <= high:
        # a huge whole number is shown by its size: Python refuses to print one of more than 4,300 digits
        huge = isinstance(value, int) and abs(value) > 10**18
        shown = f"a number of about {int(value.bit_length() * 0.30103):,} digits" if huge else value
        raise ValueError(f"{name} must be between {low} and {high}, got {shown}")


def _check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_settings(config) -> None:
    """Types first (see _check_types), then each field against its Setting's bounds or choices, in field order."""
    _check_types(config)
    for f in fields(config):
        facts = f.metadata.get("setting")
        if facts is None:
            continue
        name, value = facts.called or f.name, getattr(config, f.name)
        if facts.bounds is not None:
            _check_range(name, value, *facts.bounds)
        if facts.choices is not None:
            _check_choice(name, value, tuple(facts.choices))


_KINDS = {bool: "true or false", int: "a whole number", float: "a number", str: "a word"}


def _check_types(config) -> None:
    """Every field holds a value of its default's type (an int field accepts no 3.5, no True), so that a
    configuration read from a file fails here, with a sentence, and not deep inside torch.

    Numbers of other numeric types (numpy's, or an int where a float belongs) are stored as the field's own type.
    """
    for f in fields(config):
        if f.default is MISSING:  # a section of an ExperimentConfig, checked there
            continue
        kind, value = type(f.default), getattr(config, f.name)
        if kind is bool:
            ok = isinstance(value, bool)
        elif kind is int:
            ok = isinstance(value, Integral) and not isinstance(value, bool)
        elif kind is float:
            ok = isinstance(value, Real) and not isinstance(value, bool)
        else:
            ok = isinstance(value, kind)
        if not ok:
            raise ValueError(f"{f.name} must be {_KINDS[kind]}, got {value!r}"[:200])
        if type(value) is not kind:
            object.__setattr__(config, f.name, kind(value))


@dataclass(frozen=True)
class TaskConfig:
    """Which task, and its options. Options a task does not use are ignored by it."""

    name: str = setting("sine", choices=dict.fromkeys(TASK_NAMES, ""), label="Task", called="task")
    seq_len: int = setting(40, bounds=(1, 1000), label="Sequence length T", span=(2, 1000))
    # sine: steps per cycle; std of Gaussian noise added to the inputs; predict x_{t+horizon}
    period: float = setting(20.0, bounds=(2.0, 1000.0), label="Period (steps per cycle)", span=(4.0, 100.0), step=1.0)
    noise: float = setting(0.0, bounds=(0.0, 1.0), label="Noise", span=(0.0, 0.5), step=0.05)
    horizon: int = setting(1, bounds=(1, 100), label="Forecast horizon", span=(1, 20))
    # copy: steps between seeing a symbol and reproducing it; the alphabet's size
    delay: int = setting(10, bounds=(1, 500), label="Delay (steps to remember)", span=(2, 100))
    symbols: int = setting(4, bounds=(2, 26), label="Symbols", span=(2, 10))
    count_to: int = setting(100, bounds=(3, 100_000), label="Count to", span=(3, 100_000), entry=True)  # next_number: 1 .. count_to
    text_source: str = setting("hello", choices=TEXT_TITLES, label="Text")  # characters: which text

    def __post_init__(self) -> None:
        _check_settings(self)

    # The rules about the user's own data, here and nowhere else: every other module reads these.
    @property
    def uses_user_text(self) -> bool:
        """The task trains on a text the user pastes or uploads (not a built-in one)."""
        return self.name == "characters" and self.text_source == USER_DATA_CHOICES["text_source"][0]

    @property
    def uses_user_series(self) -> bool:
        """The task trains on a numeric column of the user's CSV file."""
        return self.name == USER_DATA_CHOICES["name"][0]

    @property
    def uses_user_data(self) -> bool:
        return self.uses_user_text or self.uses_user_series


@dataclass(frozen=True)
class ModelConfig:
    """Input encoding → recurrent layers → linear head. ``cell="mlp"`` is the windowing baseline."""

    cell: str = setting("lstm", choices=CELL_TITLES, label="Cell")
    hidden_size: int = setting(32, bounds=(1, 1024), label="Hidden units H", values=HIDDEN_SIZES)
    num_layers: int = setting(1, bounds=(1, 8), label="Layers", span=(1, 8))
    bidirectional: bool = setting(
        False,
        label="Bidirectional",
        help="Only for tasks that answer after the whole sequence: elsewhere reading ahead would see the answer.",
    )
    dropout: float = setting(0.0, bounds=(0.0, 0.9), label="Dropout between layers", span=(0.0, 0.5), step=0.05)
    init: str = setting("default", choices=INIT_TITLES, label="Initialisation")
    # init="constant": every weight and bias; init="orthogonal": the gain of W_hh (the sidebar labels it so)
    init_value: float = setting(1.0, bounds=(-10.0, 10.0), label="Constant", span=(-10.0, 10.0), step=0.5, entry=True)
    memory_gate_bias: float = setting(
        0.0,
        bounds=(-10.0, 10.0),
        label="Memory gate bias (forget / update)",
        span=(0.0, 5.0),
        step=0.5,
        help="Starts the gate that keeps memory (LSTM's and minLSTM's forget gate, GRU's update gate) open: 3 keeps about "
        "95 % of the memory per step. minGRU's update gate replaces memory, so its bias starts at minus this.",
    )
    encoding: str = setting("onehot", choices=ENCODING_TITLES, label="Input encoding")  # characters and symbols
    embedding_dim: int = setting(8, bounds=(1, 256))
    window: int = setting(5, bounds=(1, 200), label="Window (steps the MLP sees)", span=(1, 50))  # mlp: past steps it sees
    state_size: int = setting(
        STATE_SIZE,
        bounds=(1, 64),
        label="State size N (per channel)",
        values=STATE_SIZES,
        help="The selective state-space layer keeps an H × N state: N numbers per channel, each forgetting at its own rate.",
    )  # s6 only

    def __post_init__(self) -> None:
        _check_settings(self)
        cell = RECURRENT_CELLS.get(self.cell)
        if self.init == "orthogonal" and cell is not None and not cell.reads_state:
            raise ValueError(f"orthogonal initialisation shapes W_hh, and a {cell.title} has none: choose another initialisation")


@dataclass(frozen=True)
class TrainConfig:
    """How to train. ``clip_norm=0`` turns clipping off; ``tbptt=0`` backpropagates through the whole sequence."""

    optimizer: str = setting("adam", choices=OPTIMIZER_TITLES, label="Optimiser")
    lr: float = setting(0.01, bounds=(0.0, 1000.0), label="Learning rate", values=LEARNING_RATES)
    momentum: float = setting(0.9, bounds=(0.0, 0.999))  # sgd only
    batch_size: int = setting(32, bounds=(1, 4096), label="Batch size", values=BATCH_SIZES)
    clip_norm: float = setting(1.0, bounds=(0.0, 1e6), label="Clip gradient norm at", values=CLIP_NORMS, zero="off")
    tbptt: int = setting(
        0,
        bounds=(0, 1000),
        label="Truncated BPTT length (0 = whole sequence)",
        span=(0, 100),
        help="Cuts every training sequence into pieces of this many steps, one optimiser step each. The hidden state runs "
        "on from piece to piece, but the gradient stops at each piece's first step. The Truncated BPTT page shows it.",
    )
    stateful: bool = setting(
        False,
        label="Carry the state from batch to batch",
        help="Each batch continues the text or series where the last one stopped, and starts from the state the last one "
        "ended in, detached, as the notes' training loop does with hidden = hidden.data.",
    )
    probe_every: int = setting(100, bounds=(1, 100_000))  # a probe snapshot every this many steps: one costs about 7 default steps
    probe_batch: int = setting(4, bounds=(1, 64))  # sequences in the fixed probe batch

    def __post_init__(self) -> None:
        _check_settings(self)


SECTIONS = {"task": TaskConfig, "model": ModelConfig, "train": TrainConfig}  # an ExperimentConfig's parts, by name


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that defines a run: with the same configuration (and data) the run is the same, step for step."""

    task: TaskConfig = field(default_factory=TaskConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    seed: int = setting(0, bounds=(0, 2**31 - 1), label="Seed", span=(0, 2**31 - 1), entry=True)

    def __post_init__(self) -> None:
        for name, section in SECTIONS.items():
            if not isinstance(getattr(self, name), section):
                raise ValueError(f"{name} must be a {section.__name__}, got {getattr(self, name)!r}"[:200])
        _check_settings(self)  # the seed

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data, nested by section."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperimentConfig:
        """The inverse of :meth:`to_dict`. Unknown keys, or values of the wrong type, raise ValueError naming them."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a configuration must be a mapping of its sections, got {type(data).__name__}")
        unknown = set(data) - set(SECTIONS) - {"seed"}
        if unknown:
            raise ValueError(f"unknown configuration keys: {', '.join(sorted(map(str, unknown)))}"[:200])
        built = {}
        for name, section in SECTIONS.items():
            values = data.get(name, {})
            if not isinstance(values, Mapping):
                raise ValueError(f"the {name} settings must be a mapping, got {type(values).__name__}")
            extra = set(values) - {f.name for f in fields(section)}
            if extra:
                raise ValueError(f"unknown {name} settings: {', '.join(sorted(map(str, extra)))}"[:200])
            built[name] = section(**values)
        return cls(**built, seed=data.get("seed", 0))

    def with_changes(self, **sections: dict[str, Any]) -> ExperimentConfig:
        """A copy with some settings changed, e.g. ``cfg.with_changes(model={"cell": "gru"}, seed=3)``."""
        seed = sections.pop("seed", self.seed)
        changed = {name: replace(getattr(self, name), **values) for name, values in sections.items()}
        return replace(self, **changed, seed=seed)
