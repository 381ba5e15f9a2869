"""Test-wide settings.

One torch thread: the models here are small, and on a 2-core machine two threads
spin-waiting beside any other busy process (a second test worker, the CI host's
own load) can make a step ten to a hundred times slower.
"""

import torch

torch.set_num_threads(1)
