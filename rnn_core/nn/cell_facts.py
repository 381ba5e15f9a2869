"""What each recurrent cell is, in one table: its name in a configuration, its title, torch's mode, its gates in the
order of torch's weight rows, its nonlinearity. Plain data, so that every layer of rnn_core (and the app) reads it.

The number of weight blocks (G in the notes' parameter count, (H·H_in + H + H·H + H) per block) is the number of gates,
one for a plain RNN, whose only "gate" is its tanh or ReLU.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Gate:
    name: str  # as Recording.gates and ProbeSnapshot.gates key it
    title: str  # with its symbol, for a chart
    role: str  # what it decides, in a few words
    bounded: bool  # a sigmoid in (0, 1) that opens and closes; False for a candidate
    linear: bool = False  # a candidate that is an affine map of x_t, any value (the linear recurrences'); else a tanh in (−1, 1)


@dataclass(frozen=True)
class Cell:
    name: str  # ModelConfig.cell
    title: str
    mode: str  # torch's name for it (RNN_TANH, LSTM, ...): the key of rnn_core.nn.cells.STEP_FUNCTIONS
    gates: tuple[Gate, ...] = ()  # in the order of torch's weight rows: weight_ih is len(gates) blocks of H rows
    nonlinearity: str | None = None  # a plain RNN's: torch.nn.RNN's argument
    memory_gate: str | None = None  # the gate whose bias keeps memory when raised (ModelConfig.memory_gate_bias)
    reads_state: bool = True  # its gates read h_{t-1} through W_hh; the linear recurrences' read only x_t (no W_hh, b_hh)

    @property
    def blocks(self) -> int:
        """H-row blocks in each weight matrix: one per gate, or one for a plain RNN."""
        return max(1, len(self.gates))

    @property
    def gate_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.gates)

    @property
    def has_cell_state(self) -> bool:
        """A state c_t beside h_t (the LSTM's), carried in torch's ``(h, c)`` tuples."""
        return self.mode == "LSTM"

    @property
    def memory_block(self) -> int | None:
        """Which block of rows ``memory_gate`` is, or None for a cell without one."""
        return self.gate_names.index(self.memory_gate) if self.memory_gate else None

    def layer_parameters(self, input_size: int, hidden_size: int, directions: int = 1) -> int:
        """Weights and biases of one layer, the notes' count: per block and direction, W_ih (H·H_in), b_ih (H),
        W_hh (H·H) and b_hh (H); without the last two for a cell that does not read its state."""
        H = hidden_size
        return directions * self.blocks * (H * input_size + H + (H * H + H if self.reads_state else 0))

    def torch_arguments(self) -> dict:
        """What torch's module (and ours) needs besides the sizes to be this cell."""
        return {"nonlinearity": self.nonlinearity} if self.nonlinearity else {}


_LSTM_GATES = (
    Gate("input", "Input gate i_t", "how much of the candidate to write", True),
    Gate("forget", "Forget gate f_t", "how much of c_{t-1} to keep", True),
    Gate("cell", "Candidate cell g_t", "what could be written", False),
    Gate("output", "Output gate o_t", "how much of the cell to show as h_t", True),
)
_GRU_GATES = (
    Gate("reset", "Reset gate r_t", "how much of h_{t-1} the candidate sees", True),
    Gate("update", "Update gate z_t", "how much of h_{t-1} to keep", True),
    Gate("new", "New state n_t", "the candidate", False),
)
# The linear recurrences (rnn_core.nn.linear_layers): a_t and b_t in h_t = a_t ⊙ h_{t-1} + b_t come from x_t alone, so
# the whole sequence can be computed at once; their gates read no h_{t-1} (no W_hh).
_MINGRU_GATES = (
    Gate("update", "Update gate z_t", "how much of h_{t-1} is replaced", True),
    Gate("candidate", "Candidate h̃_t", "what could be written (linear in x_t)", False, linear=True),
)
_MINLSTM_GATES = (
    Gate("forget", "Forget gate f_t", "how much of h_{t-1} to keep", True),  # both divided by f_t + i_t before use
    Gate("input", "Input gate i_t", "how much of the candidate to write", True),
    Gate("candidate", "Candidate h̃_t", "what could be written (linear in x_t)", False, linear=True),
)
CELLS: dict[str, Cell] = {
    c.name: c
    for c in (
        Cell("rnn_tanh", "RNN (tanh)", "RNN_TANH", nonlinearity="tanh"),
        Cell("rnn_relu", "RNN (ReLU)", "RNN_RELU", nonlinearity="relu"),
        Cell("lstm", "LSTM", "LSTM", _LSTM_GATES, memory_gate="forget"),
        Cell("gru", "GRU", "GRU", _GRU_GATES, memory_gate="update"),
        Cell("mingru", "minGRU", "MINGRU", _MINGRU_GATES, reads_state=False),  # z_t replaces: a higher bias keeps less
        Cell("minlstm", "minLSTM", "MINLSTM", _MINLSTM_GATES, memory_gate="forget", reads_state=False),
    )
}
TORCH_CELLS: dict[str, Cell] = {name: c for name, c in CELLS.items() if c.reads_state}  # the ones torch.nn has too
BY_MODE: dict[str, Cell] = {c.mode: c for c in CELLS.values()}
# every gate by name, for its title and whether it is bounded (the same wherever a name recurs); a gate's role is its cell's
GATES: dict[str, Gate] = {g.name: g for c in reversed(CELLS.values()) for g in c.gates}
