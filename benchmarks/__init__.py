"""Benchmarks for Joined Up: `make bench` runs them and prints every figure.

Each runs against a throwaway SQLite database (and PostgreSQL when JOINEDUP_BENCH_DATABASE_URL
is set), never the demo's. Figures, not pass/fail: targets in issues are checked here by
reading these numbers, never by timed unit tests.
"""
