"""The lesson "Parallel in training, recurrent at run time": the loop and the scan give the layer's own answer."""

from __future__ import annotations

import pytest
import torch

from rnn_core import LRU, MinGRU, MinLSTM, SelectiveSSM
from rnn_core.lessons.parallel import both_ways, timings
from rnn_core.nn.linear_layers import step_by_step


def test_step_by_step_is_the_recurrence_written_out():
    a = torch.tensor([[0.5], [0.25], [2.0]])
    b = torch.tensor([[1.0], [1.0], [-1.0]])
    h = step_by_step(a, b, torch.tensor([4.0]))
    assert h.flatten().tolist() == [3.0, 1.75, 2.5]  # 0.5·4 + 1, 0.25·3 + 1, 2·1.75 − 1


@pytest.mark.parametrize("layer_class", [MinGRU, MinLSTM, LRU, SelectiveSSM])
def test_both_ways_equal_the_layers_forward_and_its_recording(layer_class):
    torch.manual_seed(0)
    layer = layer_class(3, 4)
    x = torch.randn(200, 3)
    ways = both_ways(layer, x)
    with torch.no_grad():
        output, _ = layer(x)
    torch.testing.assert_close(torch.from_numpy(ways.scan), output, atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.from_numpy(ways.loop), layer.record(x[:, None]).hidden[0, 0], atol=1e-5, rtol=0)
    assert ways.largest_difference < 1e-5 and ways.step_coefficient.shape == (200, 4)


def test_a_mingrus_step_coefficient_is_one_minus_its_update_gate():
    torch.manual_seed(1)
    layer = MinGRU(2, 3)
    x = torch.randn(5, 2)
    z = torch.sigmoid(x @ layer.weight_ih_l0[:3].T + layer.bias_ih_l0[:3])
    torch.testing.assert_close(torch.from_numpy(both_ways(layer, x).step_coefficient), (1 - z).detach())


def test_timings_has_a_row_per_length_with_both_ways_measured():
    table = timings(MinGRU(3, 8), lengths=(5, 40), batch=4, repeats=1)
    assert table["T"].tolist() == [5, 40]
    assert (table[["loop_ms", "scan_ms"]] > 0).all().all()
    assert (table.speed_up - table.loop_ms / table.scan_ms).abs().max() < 1e-12
