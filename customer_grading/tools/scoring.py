"""Scoring rules: turn an indicator's raw value into a score from 0 to 100.

Plain functions on plain values, so that they read and test without the ORM.
"""

from bisect import bisect_left, bisect_right
from itertools import pairwise

SCORE_MIN = 0.0
SCORE_MAX = 100.0


def clamp(score):
    """Keep a score inside 0–100."""
    return max(SCORE_MIN, min(SCORE_MAX, score))


def score_direct(value):
    """The value is its own score (a manual rating from 0 to 100)."""
    return clamp(value)


def score_linear(value, low, high):
    """0 at ``low``, 100 at ``high``, a straight line in between.

    ``low`` may be above ``high`` for measures where less is better.
    """
    if high == low:
        raise ValueError("linear scoring needs two different bounds")
    return clamp((value - low) * SCORE_MAX / (high - low))


def score_bands(value, bands):
    """``bands`` is a list of ``(threshold, score)`` in increasing threshold order.

    The value takes the score of the highest threshold it reaches; a value
    below the first threshold scores 0.
    """
    thresholds = [threshold for threshold, _score in bands]
    position = bisect_right(thresholds, value)
    if not position:
        return SCORE_MIN
    return clamp(bands[position - 1][1])


def score_value(rule, value, missing=0.0, low=0.0, high=100.0, bands=()):
    """Score of a raw value by a rule other than the rank.

    ``None`` (no value) gets ``missing``; ``low``/``high`` are the linear
    bounds, ``bands`` the ``(threshold, score)`` table.
    """
    if value is None:
        return missing
    if rule == "linear":
        return score_linear(value, low, high)
    if rule == "bands":
        return score_bands(value, bands)
    # direct, and manual levels (the value is the chosen level's score)
    return score_direct(value)


def bands_are_ordered(thresholds):
    """True when every threshold is strictly above the previous one."""
    return all(a < b for a, b in pairwise(thresholds))


def score_rank(value, population):
    """Percentile rank of ``value`` among ``population`` (the other customers).

    The share of the others with a strictly lower value, times 100: the best
    customer scores 100, the lowest 0, equal values share a rank. This is
    PostgreSQL's ``percent_rank()`` when ``value`` is part of the population.
    """
    if not population:
        return SCORE_MAX
    below = sum(1 for other in population if other < value)
    return SCORE_MAX * below / len(population)


def score_rank_sorted(value, population, includes_self, lower_is_better=False, groups=0):
    """:func:`score_rank` against a sorted ``population``, in logarithmic time.

    ``includes_self`` tells that the customer's own value is in ``population``.
    With ``lower_is_better`` the customer beats the others with a strictly
    higher value (days since the last purchase); with ``groups``, the rank is
    rounded down into that many equal groups (see :func:`quantile_score`).
    """
    others = len(population) - (1 if includes_self else 0)
    if others <= 0:
        return SCORE_MAX
    if lower_is_better:
        beaten = len(population) - bisect_right(population, value)
    else:
        beaten = bisect_left(population, value)
    return quantile_score(beaten, others, groups)


def quantile_score(beaten, others, groups=0):
    """Score of a customer that beats ``beaten`` of ``others`` customers.

    Without ``groups``, the percentile rank. With ``groups`` (5: quintiles),
    the customers fall into that many equal groups by rank, rounded down, and
    the groups score evenly from 0 to 100: with quintiles 0, 25, 50, 75 and
    100, the classic RFM scores 1 to 5 (score / 25 + 1). Computed on whole
    numbers, so that a customer on a group boundary is never rounded below it.
    """
    if not groups:
        return SCORE_MAX * beaten / others
    group = min(beaten * groups // others, groups - 1)
    return SCORE_MAX * group / (groups - 1)


def rank_groups_are_valid(groups):
    """0 (no groups, the percentile) or from 2 to 100 groups."""
    return groups == 0 or 2 <= groups <= 100


def remove_sorted(population, value):
    """Remove one occurrence of ``value`` from a sorted list, if it is there."""
    position = bisect_left(population, value)
    if position < len(population) and population[position] == value:
        del population[position]


def points(score, weight):
    """Points an indicator brings to the total: its score weighted, 2 decimals."""
    return round(score * weight / 100.0, 2)


def level_for_score(score, levels):
    """Pick the grade of a score.

    ``levels`` are ``(key, min_score)`` pairs; the grade is the one with the
    highest minimum the score reaches, and the lowest grade when it reaches
    none. ``None`` when there are no levels.
    """
    if not levels:
        return None
    ordered = sorted(levels, key=lambda level: level[1], reverse=True)
    rounded = round(score, 2)
    for key, min_score in ordered:
        if rounded >= min_score:
            return key
    return ordered[-1][0]


def thresholds_are_ordered(min_scores):
    """Grade minimums, best grade first, must strictly decrease."""
    return all(a > b for a, b in pairwise(min_scores))


def trend(previous_min_score, min_score):
    """How a customer moved: compares the minimum scores of its two grades."""
    if previous_min_score is None:
        return "new"
    if min_score > previous_min_score:
        return "up"
    if min_score < previous_min_score:
        return "down"
    return "same"
