"""Benchmarks (issue 8, docs/architecture.md §7): the stock botbuilder echo bot against ours,
in one run.

`.venv/bin/python -m bench` (or `--quick`); results in `bench/results/` (git-ignored).
"""
