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

TASK_NAMES = ("next_number", "sine", "copy", "adding", "parity", "characters", "series")
TEXT_SOURCES = ("hello", "brackets", "arithmetic", "grammar", "custom")
# The choices that stand for the user's own data, which a configuration never holds (it comes beside it, to make_task):
# field -> (its value that means "the user's data", what that data is, in a sentence).
USER_DATA_CHOICES = {"text_source": ("custom", "your own text"), "name": ("series", "your own CSV series")}
CELLS = (*RECURRENT_CELLS, "mlp")  # the windowing MLP: the baseline with no recurrence
INITS = ("default", "orthogonal", "constant")
ENCODINGS = ("onehot", "embedding")
OPTIMIZERS = ("sgd", "adam", "rmsprop")


def _check_range(name: str, value, low, high) -> None:
    if not low <= value <= high:
        # a huge whole number is shown by its size: Python refuses to print one of more than 4,300 digits
        huge = isinstance(value, int) and abs(value) > 10**18
        shown = f"a number of about {int(value.bit_length() * 0.30103):,} digits" if huge else value
        raise ValueError(f"{name} must be between {low} and {high}, got {shown}")


def _check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


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

    name: str = "sine"
    seq_len: int = 40
    period: float = 20.0  # sine: steps per cycle
    noise: float = 0.0  # sine: std of Gaussian noise added to inputs
    horizon: int = 1  # sine: predict x_{t+horizon}
    delay: int = 10  # copy: steps between seeing a symbol and reproducing it
    symbols: int = 4  # copy: alphabet size
    count_to: int = 100  # next_number: the series 1 .. count_to
    text_source: str = "hello"  # characters: which text

    def __post_init__(self) -> None:
        _check_types(self)
        _check_choice("task", self.name, TASK_NAMES)
        _check_range("seq_len", self.seq_len, 1, 1000)
        _check_range("period", self.period, 2.0, 1000.0)
        _check_range("noise", self.noise, 0.0, 1.0)
        _check_range("horizon", self.horizon, 1, 100)
        _check_range("delay", self.delay, 1, 500)
        _check_range("symbols", self.symbols, 2, 26)
        _check_range("count_to", self.count_to, 3, 100_000)
        _check_choice("text_source", self.text_source, TEXT_SOURCES)

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

    cell: str = "lstm"
    hidden_size: int = 32
    num_layers: int = 1
    bidirectional: bool = False
    dropout: float = 0.0
    init: str = "default"
    init_value: float = 1.0  # init="constant": every weight and bias; init="orthogonal": the gain of W_hh
    memory_gate_bias: float = 0.0  # LSTM forget / GRU update gate bias at the start: 3 keeps ~95 % of the memory per step
    encoding: str = "onehot"  # characters and symbols: one-hot or a learned embedding
    embedding_dim: int = 8
    window: int = 5  # mlp: how many past steps it sees

    def __post_init__(self) -> None:
        _check_types(self)
        _check_choice("cell", self.cell, CELLS)
        _check_range("hidden_size", self.hidden_size, 1, 1024)
        _check_range("num_layers", self.num_layers, 1, 8)
        _check_range("dropout", self.dropout, 0.0, 0.9)
        _check_choice("init", self.init, INITS)
        _check_range("init_value", self.init_value, -10.0, 10.0)
        _check_range("memory_gate_bias", self.memory_gate_bias, -10.0, 10.0)
        _check_choice("encoding", self.encoding, ENCODINGS)
        _check_range("embedding_dim", self.embedding_dim, 1, 256)
        _check_range("window", self.window, 1, 200)


@dataclass(frozen=True)
class TrainConfig:
    """How to train. ``clip_norm=0`` turns clipping off; ``tbptt=0`` backpropagates through the whole sequence."""

    optimizer: str = "adam"
    lr: float = 0.01
    momentum: float = 0.9  # sgd only
    batch_size: int = 32
    clip_norm: float = 1.0
    tbptt: int = 0
    probe_every: int = 100  # a probe snapshot every this many steps: one costs about 7 default steps (python -m bench)
    probe_batch: int = 4  # sequences in the fixed probe batch

    def __post_init__(self) -> None:
        _check_types(self)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_range("lr", self.lr, 0.0, 1000.0)
        _check_range("momentum", self.momentum, 0.0, 0.999)
        _check_range("batch_size", self.batch_size, 1, 4096)
        _check_range("clip_norm", self.clip_norm, 0.0, 1e6)
        _check_range("tbptt", self.tbptt, 0, 1000)
        _check_range("probe_every", self.probe_every, 1, 100_000)
        _check_range("probe_batch", self.probe_batch, 1, 64)


SECTIONS = {"task": TaskConfig, "model": ModelConfig, "train": TrainConfig}  # an ExperimentConfig's parts, by name


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that defines a run: with the same configuration (and data) the run is the same, step for step."""

    task: TaskConfig = field(default_factory=TaskConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    seed: int = 0

    def __post_init__(self) -> None:
        for name, section in SECTIONS.items():
            if not isinstance(getattr(self, name), section):
                raise ValueError(f"{name} must be a {section.__name__}, got {getattr(self, name)!r}"[:200])
        _check_types(self)  # the seed
        _check_range("seed", self.seed, 0, 2**31 - 1)

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
