"""A real Prometheus for the gate tests: deterministic series, backfilled, served on loopback."""
