"""AMD's verdicts against the simulated customers' truth: a confusion matrix to print."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

VERDICTS = ("HUMAN", "MACHINE", "NOTSURE", "HANGUP")
TRUTHS = ("human", "machine")


def confusion(truth: Mapping[str, str], verdict: Mapping[str, str]) -> Counter[tuple[str, str]]:
    """(truth, verdict) -> calls, over the calls (keys) that have both."""
    return Counter((truth[key], verdict[key]) for key in truth.keys() & verdict.keys())


def recall(matrix: Counter[tuple[str, str]], truth: str) -> float:
    """The share of TRUTH's calls AMD called so (HUMAN for a human, MACHINE for a machine)."""
    total = sum(n for (t, _), n in matrix.items() if t == truth)
    return matrix[(truth, truth.upper())] / total if total else 0.0


def matrix_table(matrix: Counter[tuple[str, str]]) -> str:
    rows = ["truth / AMD".ljust(12) + "".join(f"{v:>9}" for v in VERDICTS)]
    rows += [f"{t:<12}" + "".join(f"{matrix[(t, v)]:>9}" for v in VERDICTS) for t in TRUTHS]
    return "\n".join(rows)
