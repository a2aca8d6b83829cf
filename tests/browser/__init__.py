"""Headless Chromium for page tests (Debian's chromium + chromedriver, through selenium)."""
