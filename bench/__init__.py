"""Benchmarks for mutuals: `python -m bench` (or `make bench`). Prints figures; asserts nothing."""
