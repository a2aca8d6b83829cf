"""Shared test code of the release area (imported as tests.release.support)."""
