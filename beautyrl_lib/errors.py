"""Exceptions raised by BeautyRL.

Every error names the parameter, the value received and what is allowed, so a
learner can fix the call without reading library code. The classes subclass the
built-in exception a Python programmer would expect (``ValueError`` for a bad
value, ``RuntimeError`` for a call at the wrong time), so ``except ValueError``
keeps working.
"""

from __future__ import annotations

import math


class BeautyRLError(Exception):
    """Base class of every exception raised on purpose by BeautyRL."""


class ConfigError(BeautyRLError, ValueError):
    """A configuration value is out of range or of the wrong kind."""


class ActionError(BeautyRLError, ValueError):
    """An action is not a valid product index, or has the wrong shape or dtype."""


class ObservationError(BeautyRLError, ValueError):
    """An observation array has the wrong shape or dtype for this shop."""


class SessionEndedError(BeautyRLError, RuntimeError):
    """``step`` was called on a session that has already ended."""


class UnknownPolicyError(BeautyRLError, ValueError):
    """A policy name or spec is not one BeautyRL knows."""


class CheckpointError(BeautyRLError, ValueError):
    """A file is not a BeautyRL checkpoint, or belongs to another configuration."""


def describe(value: object) -> str:
    """Return a short, readable rendering of a received value for messages."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def invalid(
    param: str, value: object, allowed: str, error: type[BeautyRLError] = ConfigError
) -> BeautyRLError:
    """Build an exception whose message names the parameter, value and allowed range.

    Args:
        param: Name of the parameter as the caller wrote it.
        value: The value received.
        allowed: What is allowed, in words (``"an integer from 1 to 100000"``).
        error: Exception class to build.

    Returns:
        The exception, ready to ``raise``.
    """
    return error(f"{param} must be {allowed}; got {describe(value)}")


def check_int(name: str, value, low: int, high: int) -> None:
    """Raise ``ConfigError`` unless ``value`` is an int (not a bool) in [low, high]."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise invalid(name, value, f"an integer from {low} to {high}")


def check_float(name: str, value, low: float, high: float, low_open: bool = False):
    """Raise ``ConfigError`` unless ``value`` is a finite number in [low, high]
    (in (low, high] when ``low_open``); ints count as numbers, bools do not."""
    ok = not isinstance(value, bool) and isinstance(value, int | float)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        raise invalid(name, value, f"a finite number from {low} to {high}")
    if low_open and value == low:
        raise invalid(name, value, f"a number above {low} and up to {high}")


def check_bool(name: str, value) -> None:
    """Raise ``ConfigError`` unless ``value`` is True or False."""
    if not isinstance(value, bool):
        raise invalid(name, value, "True or False")
