"""Order statistics for benchmark figures: percentiles, medians and ranges.

Standard library only: the runner imports this module inside the measured process.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (0..1) of already sorted values, linearly interpolated.

    Raises ``ValueError`` for an empty sequence or a fraction outside 0..1.
    """
    if not sorted_values:
        raise ValueError("percentile of an empty sequence")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be within 0..1, got {fraction!r}")
    position = (len(sorted_values) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    weight = position - lower
    return sorted_values[lower] * (1.0 - weight) + sorted_values[upper] * weight


@dataclass(frozen=True)
class Summary:
    """Median and range of one figure over the repetitions of a run."""

    median: float
    min: float
    max: float
    n: int

    @property
    def spread(self) -> float:
        """(max - min) / median: how noisy the figure was (0 for a single value)."""
        if self.median == 0:
            return 0.0
        return (self.max - self.min) / self.median

    def to_dict(self) -> dict[str, float | int]:
        """The summary as plain JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, float | int]) -> Summary:
        """The inverse of ``to_dict``."""
        return cls(
            median=float(data["median"]),
            min=float(data["min"]),
            max=float(data["max"]),
            n=int(data["n"]),
        )


def summarize(values: Sequence[float]) -> Summary:
    """Median, min and max of ``values``; raises ``ValueError`` when there are none."""
    if not values:
        raise ValueError("cannot summarize no values")
    return Summary(
        median=statistics.median(values),
        min=min(values),
        max=max(values),
        n=len(values),
    )


def ratio(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator``, or None when the denominator is zero."""
    if denominator == 0:
        return None
    return numerator / denominator
