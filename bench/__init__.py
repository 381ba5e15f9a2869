"""Benchmarks: `python -m bench`. Speed and memory, as ratios against a baseline measured in the same run."""
