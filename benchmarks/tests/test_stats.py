"""Percentiles, summaries and ratios."""

from __future__ import annotations

import pytest

from benchmarks.stats import Summary, percentile, ratio, summarize


def test_percentile_interpolates_between_ranks() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert percentile(values, 0.0) == 1.0
    assert percentile(values, 1.0) == 4.0
    assert percentile(values, 0.5) == pytest.approx(2.5)


def test_percentile_of_one_value() -> None:
    assert percentile([7.0], 0.99) == 7.0


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
def test_percentile_rejects_fractions_outside_0_1(fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        percentile([1.0], fraction)


def test_percentile_rejects_empty() -> None:
    with pytest.raises(ValueError, match="empty"):
        percentile([], 0.5)


def test_summarize_median_and_range() -> None:
    summary = summarize([5.0, 1.0, 3.0])
    assert summary == Summary(median=3.0, min=1.0, max=5.0, n=3)
    assert summary.spread == pytest.approx(4.0 / 3.0)
    assert Summary.from_dict(summary.to_dict()) == summary


def test_summarize_rejects_empty() -> None:
    with pytest.raises(ValueError, match="no values"):
        summarize([])


def test_ratio_by_zero_is_none() -> None:
    assert ratio(1.0, 0.0) is None
    assert ratio(3.0, 2.0) == 1.5
