"""clearance: carry a change from commit to production safely."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("clearance")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
