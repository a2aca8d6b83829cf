"""Scanners: one adapter per engine behind the `Scanner` protocol."""
