"""Workflow linting: zizmor as the engine, plus the checks it does not cover."""
