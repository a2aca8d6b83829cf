"""e2e package: shared test code is imported as tests.<area>.<module>."""
