"""The checks of notebook 03 pass correct code, and fail a stub and typical mistakes."""

import numpy as np
import pytest

from beautyrl_lib.agents.base import masked_argmax as library_masked_argmax
from beautyrl_lib.course import checks_design
from beautyrl_lib.errors import ConfigError
from beautyrl_lib.sim import ShopConfig
from beautyrl_lib.sim.rewards import funnel_value


def stub(*args):
    raise NotImplementedError("write your code here")


# ---------------------------------------------------------------------------
# Learner functions: correct versions written independently of the references,
# and the mistakes learners typically make.


def normalize(batch, mean, var, eps):
    out = np.empty_like(np.asarray(batch, dtype=float))
    for j in range(out.shape[1]):
        out[:, j] = (batch[:, j] - mean[j]) / (var[j] + eps) ** 0.5
    return out


def normalize_by_variance(batch, mean, var, eps):
    return (batch - mean) / (var + eps)


def normalize_eps_outside(batch, mean, var, eps):
    return (batch - mean) / (np.sqrt(var) + eps)


def normalize_without_eps(batch, mean, var, eps):
    return (batch - mean) / np.sqrt(var)


def normalize_with_batch_statistics(batch, mean, var, eps):
    return (batch - batch.mean(axis=0)) / np.sqrt(batch.var(axis=0) + eps)


def masked_argmax(scores, mask):
    best = []
    for row, allowed in zip(scores, mask, strict=True):
        candidates = [a for a in range(len(row)) if allowed[a]]
        best.append(max(candidates, key=lambda a: row[a]))
    return np.array(best)


def argmax_ignoring_mask(scores, mask):
    return np.argmax(scores, axis=1)


def argmax_zeroing_hidden(scores, mask):
    return np.argmax(np.where(mask, scores, 0.0), axis=1)


def argmax_inverted_mask(scores, mask):
    return np.argmax(np.where(~mask, scores, -np.inf), axis=1)


def argmax_down_columns(scores, mask):
    return np.argmax(np.where(mask, scores, -np.inf), axis=0)


def suitability_reward(click, cart, purchase, suitability, weights):
    w_click, w_cart, w_purchase = weights
    reward = 0.0
    if click:
        reward += w_click
    if cart:
        reward += w_cart
    if purchase:
        reward += w_purchase * (suitability - (1 - suitability))
    return reward


def plain_funnel_reward(click, cart, purchase, suitability, weights):
    return weights[0] * click + weights[1] * cart + weights[2] * purchase


def reward_times_suitability(click, cart, purchase, suitability, weights):
    return weights[0] * click + weights[1] * cart + weights[2] * purchase * suitability


def whole_reward_scaled(click, cart, purchase, suitability, weights):
    funnel = weights[0] * click + weights[1] * cart + weights[2] * purchase
    return funnel * (2 * suitability - 1)


# ---------------------------------------------------------------------------
# Each check: passes correct code, fails the stub, names each mistake.

CHECKS = [
    (checks_design.check_normalize, normalize),
    (checks_design.check_masked_argmax, masked_argmax),
    (checks_design.check_suitability_reward, suitability_reward),
]


@pytest.mark.parametrize("check, correct", CHECKS)
def test_check_passes_correct_code(check, correct, capsys):
    assert check(correct) is True
    assert "Correct!" in capsys.readouterr().out


@pytest.mark.parametrize("check, correct", CHECKS)
def test_check_passes_its_own_reference(check, correct, capsys):
    name = check.__name__.removeprefix("check_")
    assert check(getattr(checks_design, f"ref_{name}")) is True


@pytest.mark.parametrize("check, correct", CHECKS)
def test_check_fails_the_stub_as_not_implemented(check, correct, capsys):
    assert check(stub) is False
    out = capsys.readouterr().out
    assert "Not implemented yet." in out
    assert "still raises NotImplementedError" in out


MISTAKES = [
    (checks_design.check_normalize, normalize_by_variance, "divided by the variance"),
    (checks_design.check_normalize, normalize_eps_outside, "eps goes inside"),
    (checks_design.check_normalize, normalize_without_eps, "eps was left out"),
    (
        checks_design.check_normalize,
        normalize_with_batch_statistics,
        "the batch's own mean and variance were used",
    ),
    (checks_design.check_masked_argmax, argmax_ignoring_mask, "the mask was ignored"),
    (checks_design.check_masked_argmax, argmax_zeroing_hidden, "-np.inf instead"),
    (checks_design.check_masked_argmax, argmax_inverted_mask, "the mask is inverted"),
    (
        checks_design.check_masked_argmax,
        argmax_down_columns,
        r"it returned shape (3,); expected shape (1,)",
    ),
    (
        checks_design.check_suitability_reward,
        plain_funnel_reward,
        "this is the plain funnel reward",
    ),
    (
        checks_design.check_suitability_reward,
        reward_times_suitability,
        "multiplied by suitability, which is never negative",
    ),
    (
        checks_design.check_suitability_reward,
        whole_reward_scaled,
        "only the purchase points are scaled",
    ),
]


@pytest.mark.parametrize("check, mistake, hint", MISTAKES)
def test_check_names_the_typical_mistake(check, mistake, hint, capsys):
    assert check(mistake) is False
    out = capsys.readouterr().out
    assert "Not yet." in out
    assert hint in out


def test_a_missing_return_is_diagnosed(capsys):
    def forgot_return(batch, mean, var, eps):
        (batch - mean) / np.sqrt(var + eps)

    assert checks_design.check_normalize(forgot_return) is False
    assert "did you forget the `return` statement?" in capsys.readouterr().out


def test_passing_a_result_instead_of_the_function_is_refused():
    with pytest.raises(ConfigError, match=r"fn must be the function masked_argmax"):
        checks_design.check_masked_argmax(np.array([0, 1]))


def test_a_crash_in_learner_code_is_reported_not_raised(capsys):
    def crashes(scores, mask):
        return scores[mask].reshape(7, 7)

    assert checks_design.check_masked_argmax(crashes) is False
    out = capsys.readouterr().out
    assert "raised ValueError" in out and "Hint: replace the scores" in out


# ---------------------------------------------------------------------------
# The references agree with the library the notebook uses after each exercise.


def test_masked_argmax_reference_agrees_with_the_library():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(50, 8))
    mask = rng.random((50, 8)) < 0.6
    mask[:, 0] = True  # every row keeps an allowed product
    np.testing.assert_array_equal(
        checks_design.ref_masked_argmax(scores, mask),
        library_masked_argmax(scores, mask),
    )


@pytest.mark.parametrize("weights", [(1.0, 3.0, 10.0), (0.5, 0.0, 2.0)])
def test_suitability_reward_reference_agrees_with_the_shop(weights):
    config = ShopConfig(reward_mode="suitability", reward_weights=weights)
    for click, cart, purchase in [(0, 0, 0), (1, 0, 0), (1, 1, 0), (1, 1, 1)]:
        for fit in (0.15, 0.5, 0.9):
            shop_reward = funnel_value(
                config,
                np.array(float(click)),
                np.array(float(cart)),
                np.array(float(purchase)),
                np.array(40.0),
                np.array(fit),
            )
            ours = checks_design.ref_suitability_reward(
                bool(click), bool(cart), bool(purchase), fit, weights
            )
            assert ours == pytest.approx(float(shop_reward))


def test_normalize_reference_agrees_with_the_running_normalizer():
    from beautyrl_lib.sim.encoding import RunningNormalizer

    rng = np.random.default_rng(1)
    batch = rng.normal(size=(20, 4)) * np.array([1.0, 0.1, 5.0, 0.01])
    normalizer = RunningNormalizer(4, eps=1e-3)
    normalizer.update(batch)
    np.testing.assert_allclose(
        checks_design.ref_normalize(batch, normalizer.mean, normalizer.var, 1e-3),
        normalizer.normalize(batch),
        rtol=1e-5,
    )
