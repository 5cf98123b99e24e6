"""Benchmarks: they start what they need (emulators, simulator), print figures and exit.

They are not tests (pytest collects only tests/). Run them with `make bench`, or one at a time:
`python -m bench.ingest [--days 7]`, `python -m bench.dashboard [--days 7]`, `python -m bench.cold_start`.
"""
