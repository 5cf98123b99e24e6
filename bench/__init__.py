"""Benchmarks: they start what they need (emulators, simulator), print figures and exit.

They are not tests (pytest collects only tests/). Run them with `make bench` (`BENCH_ARGS=--small` for a smoke
run), or one at a time: `python -m bench.<costing|cold_start|ingest|dashboard|cost_per_account|dispatcher>`;
each takes `--small`. The README's "Benchmarks" section says what each prints.
"""
