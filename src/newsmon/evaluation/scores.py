"""Precision, recall and F1, and a plain-text table printer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Counts:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        gold = self.true_positives + self.false_negatives
        return self.true_positives / gold if gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.true_positives += other.true_positives
        self.false_positives += other.false_positives
        self.false_negatives += other.false_negatives


def table(title: str, rows: list[tuple[str, Counts]]) -> str:
    """A fixed-width table of P/R/F1 per row."""
    lines = [title, f"{'':28} {'P':>6} {'R':>6} {'F1':>6} {'tp':>6} {'fp':>6} {'fn':>6}"]
    for name, c in rows:
        lines.append(
            f"{name:28} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} "
            f"{c.true_positives:6d} {c.false_positives:6d} {c.false_negatives:6d}"
        )
    return "\n".join(lines)
