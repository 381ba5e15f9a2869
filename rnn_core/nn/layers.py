"""Recurrent layers written out one time step at a time, drop-in for ``torch.nn.RNN``, ``LSTM`` and ``GRU``.

They take the same constructor arguments, own parameters of the same names,
shapes, order and default initialisation, accept the same inputs and return the
same outputs, so a ``state_dict`` moves between torch's modules and these both
ways. Unlike torch's fused kernels they apply the cell (``cells.py``) in a Python
loop over time, which is slower but lets :meth:`record` keep every h_t, c_t and
gate activation, and the total gradient reaching each h_t.

Not supported: ``PackedSequence`` input and the LSTM's ``proj_size``.
"""

from __future__ import annotations

from rnn_core.nn.base import _RecurrentBase


class RNN(_RecurrentBase):
    r"""Elman RNN, step by step: h_t = φ(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), φ = tanh or relu.

    Args:
        input_size: features per input step, H_in.
        hidden_size: features in the hidden state, H.
        num_layers: stacked layers; layer k > 0 reads layer k-1's output. Default 1.
        nonlinearity: ``"tanh"`` or ``"relu"``. Default ``"tanh"``.
        bias: use ``b_ih`` and ``b_hh``. Default True.
        batch_first: input and output are ``(N, L, ·)`` instead of ``(L, N, ·)``; never affects states.
        dropout: dropout on every layer's output except the last's, in training mode. Default 0.
        bidirectional: add a layer reading the sequence backwards; outputs concatenate. Default False.

    Inputs: ``input`` of shape ``(L, H_in)``, ``(L, N, H_in)`` or, batch_first, ``(N, L, H_in)``;
    ``hx`` of shape ``(D*num_layers, H)`` or ``(D*num_layers, N, H)``, zeros if omitted (D = 2 if bidirectional).

    Outputs: ``output`` ``(L, D*H)``, ``(L, N, D*H)`` or ``(N, L, D*H)``: the last layer's h_t for every t;
    ``h_n`` ``(D*num_layers[, N], H)``: every layer's final h.

    Parameters: ``weight_ih_l{k}[_reverse]`` ``(H, H_in)`` for k = 0, else ``(H, D*H)``;
    ``weight_hh_l{k}[_reverse]`` ``(H, H)``; ``bias_ih_l{k}[_reverse]``, ``bias_hh_l{k}[_reverse]`` ``(H,)``.

    Example:
        >>> rnn = RNN(input_size=1, hidden_size=1, batch_first=True)
        >>> output, h_n = rnn(torch.ones(4, 5, 1))  # (N=4, L=5, H_in=1)
        >>> output.shape, h_n.shape
        (torch.Size([4, 5, 1]), torch.Size([1, 4, 1]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if nonlinearity not in modes:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(modes[nonlinearity], input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype)


class LSTM(_RecurrentBase):
    r"""Long short-term memory, step by step (equations in :func:`rnn_core.nn.cells.lstm_step`).

    Same arguments as :class:`RNN` without ``nonlinearity``; ``proj_size`` must stay 0.
    ``hx`` and the returned final state are tuples ``(h, c)`` of the shapes of :class:`RNN`'s h.
    Gate weights stack in rows ``(W_ii | W_if | W_ig | W_io)``: ``weight_ih_l0`` is ``(4*H, H_in)``.

    Example:
        >>> lstm = LSTM(input_size=4, hidden_size=3)
        >>> rec = lstm.record(torch.randn(5, 2, 4))  # (L=5, N=2, H_in=4)
        >>> rec.hidden.shape, sorted(rec.gates)
        (torch.Size([1, 2, 5, 3]), ['cell', 'forget', 'input', 'output'])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        if proj_size != 0:
            raise ValueError(f"rnn_core.LSTM does not support proj_size (got {proj_size}); use torch.nn.LSTM for projections")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype)


class GRU(_RecurrentBase):
    r"""Gated recurrent unit, step by step (equations in :func:`rnn_core.nn.cells.gru_step`).

    Same arguments, inputs and outputs as :class:`RNN` without ``nonlinearity``.
    Gate weights stack in rows ``(W_ir | W_iz | W_in)``: ``weight_ih_l0`` is ``(3*H, H_in)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype)
