"""The demo app has no tables: it builds the Harbourside partnership from the other apps' services."""
