"""Argument types that fail with a readable message."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def choice_of(enum: type[E]) -> Callable[[str], E]:
    """An argparse `type` for a `StrEnum`: 'x' is not one of: a, b, c."""

    def convert(text: str) -> E:
        try:
            return enum(text.strip().lower())
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise argparse.ArgumentTypeError(f"{text!r} is not one of: {allowed}") from None

    convert.__name__ = enum.__name__
    return convert


def metavar_of(enum: type[StrEnum]) -> str:
    return "{" + ",".join(e.value for e in enum) + "}"
