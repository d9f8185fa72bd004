"""Counter-based random numbers for the shop.

Every random draw in the simulator is a pure function of a session key, the
step within the session and a stream number: ``uniform(key, step, stream)``.
This is what lets the vectorised shop step thousands of shoppers at once with
NumPy and still give each shopper exactly the draws a single environment with
the same seed would give: there is no shared generator whose order of use
could differ.

The mixing function is the finaliser of SplitMix64 (Steele, Lea and Flood,
"Fast splittable pseudorandom number generators", OOPSLA 2014), applied to
unsigned 64-bit integers with wrap-around arithmetic.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
_SHIFT30 = np.uint64(30)
_SHIFT27 = np.uint64(27)
_SHIFT31 = np.uint64(31)
_SHIFT11 = np.uint64(11)
_TO_UNIT = 2.0**-53

# Salts keep the key spaces of training shoppers, evaluation cohorts and the
# look-ahead oracle's imagined futures apart.
TRAIN_SALT = 0x5EED_0000_7A1D
EVAL_SALT = 0xC0C0_4A11_E7A1
ROLLOUT_SALT = 0x0BAD_F00D_5EE5
NEXT_SALT = 0x4E58_7000_0001

# Stream numbers: one per kind of draw, so draws never collide.
STREAM_CLICK = 1
STREAM_CART = 2
STREAM_PURCHASE = 3
STREAM_LEAVE = 4
STREAM_PROFILE = 1000  # profile draws use STREAM_PROFILE + k at step 0


def mix64(x: np.ndarray) -> np.ndarray:
    """Hash unsigned 64-bit integers to well-mixed unsigned 64-bit integers.

    Args:
        x: Array of ``uint64`` (any shape).

    Returns:
        Array of ``uint64`` with the same shape.
    """
    z = np.asarray(x, dtype=np.uint64) + _GOLDEN
    z = (z ^ (z >> _SHIFT30)) * _MUL1
    z = (z ^ (z >> _SHIFT27)) * _MUL2
    return z ^ (z >> _SHIFT31)


def as_key_array(values) -> np.ndarray:
    """Convert Python integers (possibly negative or large) to ``uint64`` keys."""
    arr = np.asarray(values, dtype=object)
    flat = [int(v) % (1 << 64) for v in arr.ravel()]
    return np.array(flat, dtype=np.uint64).reshape(arr.shape)


def seed_keys(seeds, salt: int = TRAIN_SALT) -> np.ndarray:
    """Session keys for environment seeds (``reset(seed=s)``)."""
    return mix64(as_key_array(seeds) ^ np.uint64(salt))


def cohort_keys(seed: int, n_sessions: int) -> np.ndarray:
    """Session keys of an evaluation cohort; disjoint from training keys by salt."""
    base = mix64(as_key_array([seed]) ^ np.uint64(EVAL_SALT))
    return mix64(base + np.arange(n_sessions, dtype=np.uint64))


def next_keys(keys: np.ndarray) -> np.ndarray:
    """Key of the session that follows each session in the same slot."""
    return mix64(keys ^ np.uint64(NEXT_SALT))


def _salt(step: int, stream: int) -> np.uint64:
    return mix64(np.array([step * 4096 + stream], dtype=np.uint64))[0]


def uniform(keys: np.ndarray, step, stream: int) -> np.ndarray:
    """Uniform draws in [0, 1), one per key.

    Args:
        keys: ``uint64`` session keys, shape ``(n,)``.
        step: Step number in the session, an int or an int array of shape ``(n,)``.
        stream: Stream number (which kind of draw this is).

    Returns:
        ``float64`` array of shape ``(n,)``.
    """
    if np.ndim(step) == 0:
        salt = _salt(int(step), stream)
    else:
        steps = np.asarray(step, dtype=np.uint64)
        salt = mix64(steps * np.uint64(4096) + np.uint64(stream))
    bits = mix64(keys ^ salt)
    return (bits >> _SHIFT11).astype(np.float64) * _TO_UNIT


def normal(keys: np.ndarray, stream: int) -> np.ndarray:
    """Approximately standard normal draws at step 0 (profile sampling).

    One hash gives four 16-bit uniforms; their sum, centred and scaled, is the
    Irwin-Hall approximation of a normal (exact mean and variance, tails cut
    at about 3.5 standard deviations). It costs a quarter of Box-Muller's
    hashing, which matters because every new session draws about thirty of
    these.
    """
    bits = mix64(keys ^ _salt(0, stream))
    total = np.zeros(len(keys))
    for shift in (0, 16, 32, 48):
        total += ((bits >> np.uint64(shift)) & np.uint64(0xFFFF)).astype(np.float64)
    # Each 16-bit uniform has mean 32767.5 and variance (65536**2 - 1) / 12.
    return (total - 4 * 32767.5) / np.sqrt(4 * (65536.0**2 - 1) / 12)
