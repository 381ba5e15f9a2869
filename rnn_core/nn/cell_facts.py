"""What each recurrent cell is, in one table: its name in a configuration, its title, torch's mode, its gates in the
order of torch's weight rows, its nonlinearity. Plain data, so that every layer of rnn_core (and the app) reads it.

The number of weight blocks (G in the notes' parameter count, (H·H_in + H + H·H + H) per block) is the number of gates,
one for a plain RNN, whose only "gate" is its tanh or ReLU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

STATE_SIZE = 8  # the selective state-space layer's N unless one is chosen: the state per channel (Mamba's default is 16)


@dataclass(frozen=True)
class Gate:
    name: str  # as Recording.gates and ProbeSnapshot.gates key it
    title: str  # with its symbol, for a chart
    role: str  # what it decides, in a few words
    bounded: bool  # a sigmoid in (0, 1) that opens and closes; False for a candidate
    linear: bool = False  # a candidate that is an affine map of x_t, any value (the linear recurrences'); else a tanh in (−1, 1)
    positive: bool = False  # any positive value (the S6 layer's step size Δ_t, a softplus)


@dataclass(frozen=True)
class Cell:
    name: str  # ModelConfig.cell
    title: str
    mode: str  # torch's name for it (RNN_TANH, LSTM, ...): the key of rnn_core.nn.cells.STEP_FUNCTIONS
    gates: tuple[Gate, ...] = ()  # in the order of torch's weight rows: weight_ih is len(gates) blocks of H rows
    nonlinearity: str | None = None  # a plain RNN's: torch.nn.RNN's argument
    memory_gate: str | None = None  # the gate whose bias decides how much memory is kept (ModelConfig.memory_gate_bias)
    memory_sign: int = 1  # +1: raising that gate keeps memory; −1: it replaces memory (minGRU's z_t), so the bias enters negated
    step_coefficient: str = ""  # a linear recurrence's a_t in h_t = a_t ⊙ h_{t−1} + b_t, the diagonal of its step Jacobian
    reads_state: bool = True  # its gates read h_{t-1} through W_hh; the linear recurrences' read only x_t (no W_hh, b_hh)
    own_state: bool = False  # its state is not its output y_t (the LRU's complex x_t, the S6 layer's H×N h_t): Recording.state

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

    def parameter_shapes(
        self, input_size: int, hidden_size: int, bias: bool = True, state_size: int = STATE_SIZE
    ) -> dict[str, tuple[int, ...]]:
        """One layer-direction's parameters, by name without the ``_l{k}[_reverse]`` suffix, in registration order.

        The torch cells' and the min cells': G blocks of H rows in W_ih (H_in columns) and W_hh, and their biases.
        The LRU's (Orvieto et al. 2023): λ's ν and θ and the input scale γ (as logarithms), B and C (complex, as real and
        imaginary parts) and D; no bias. The S6 layer's (Gu and Dao 2023, simplified): W_in and b_in (u_t), W_Δ and b_Δ,
        W_B and W_C (B_t, C_t ∈ R^N), A_log (A = −exp(A_log), H × N) and D; ``bias`` drops b_in only, since b_Δ sets Δ's
        starting range.
        """
        H, H_in, N = hidden_size, input_size, state_size
        if self.mode == "LRU":
            complex_parts = {"B_re": (H, H_in), "B_im": (H, H_in), "C_re": (H, H), "C_im": (H, H)}
            return {"nu_log": (H,), "theta_log": (H,), "gamma_log": (H,)} | complex_parts | {"D": (H, H_in)}
        if self.mode == "S6":
            return {"W_in": (H, H_in)} | ({"b_in": (H,)} if bias else {}) | {
                "W_delta": (H, H), "b_delta": (H,), "W_B": (N, H), "W_C": (N, H), "A_log": (H, N), "D": (H,)
            }  # fmt: skip
        rows = self.blocks * H
        shapes = {"weight_ih": (rows, H_in)} | ({"weight_hh": (rows, H)} if self.reads_state else {})
        if bias:
            shapes |= {"bias_ih": (rows,)} | ({"bias_hh": (rows,)} if self.reads_state else {})
        return shapes

    def layer_parameters(self, input_size: int, hidden_size: int, directions: int = 1, state_size: int = STATE_SIZE) -> int:
        """Weights and biases of one layer with biases, the notes' count: per block and direction, W_ih (H·H_in), b_ih (H),
        W_hh (H·H) and b_hh (H), without the last two for a cell that does not read its state; the LRU's and the S6
        layer's from their own shapes."""
        shapes = self.parameter_shapes(input_size, hidden_size, True, state_size).values()
        return directions * sum(math.prod(shape) for shape in shapes)

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
# The LRU has no gates; the S6 layer's Δ_t is how much of each input it lets in, and how much of its state it forgets.
_S6_GATES = (Gate("selection", "Selection Δ_t", "how much of x_t it lets in", False, positive=True),)
_MINLSTM_A, _S6_A = "f_t / (f_t + i_t) from x_t", "exp(Δ_t ⊗ A) from x_t, one per number of the state"  # their a_t
CELLS: dict[str, Cell] = {
    c.name: c
    for c in (
        Cell("rnn_tanh", "RNN (tanh)", "RNN_TANH", nonlinearity="tanh"),
        Cell("rnn_relu", "RNN (ReLU)", "RNN_RELU", nonlinearity="relu"),
        Cell("lstm", "LSTM", "LSTM", _LSTM_GATES, memory_gate="forget"),
        Cell("gru", "GRU", "GRU", _GRU_GATES, memory_gate="update"),
        # z_t replaces h_{t-1} (torch's GRU keeps it with z_t): a memory bias b starts z_t's bias at −b
        Cell(
            "mingru", "minGRU", "MINGRU", _MINGRU_GATES, memory_gate="update", memory_sign=-1,
            step_coefficient="1 − z_t from x_t", reads_state=False,
        ),  # fmt: skip
        Cell("minlstm", "minLSTM", "MINLSTM", _MINLSTM_GATES, memory_gate="forget", step_coefficient=_MINLSTM_A, reads_state=False),
        Cell("lru", "LRU", "LRU", step_coefficient="λ, a parameter, the same at every step", reads_state=False, own_state=True),
        Cell("s6", "Selective SSM (S6)", "S6", _S6_GATES, step_coefficient=_S6_A, reads_state=False, own_state=True),
    )
}
TORCH_CELLS: dict[str, Cell] = {name: c for name, c in CELLS.items() if c.reads_state}  # the ones torch.nn has too
BY_MODE: dict[str, Cell] = {c.mode: c for c in CELLS.values()}
# every gate by name, for its title and whether it is bounded (the same wherever a name recurs); a gate's role is its cell's
GATES: dict[str, Gate] = {g.name: g for c in reversed(CELLS.values()) for g in c.gates}
