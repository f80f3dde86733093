"""Checkers of notebook 05 Wen & Li's prediction head."""
from __future__ import annotations

from typing import Callable
import torch

from ssl_course import predictors
from ssl_course.exercises.common import _passed, _call, _shadowed, _diagnose


def check_offdiag_head(fn: Callable) -> None:
    """``fn(A)`` -> E = I + A with A's diagonal ignored (the diagonal stays frozen at 1)."""
    A = torch.randn(3, 3, generator=torch.Generator().manual_seed(5))
    expected = predictors.identity_plus_off_diagonal(A)
    _diagnose("offdiag_head", _call("offdiag_head", fn, A), expected, {
        "the diagonal is trainable too: mask it out so that E_ii = 1": torch.eye(3) + A,
        "forgot the identity: E = I + off-diagonal part": A * (1 - torch.eye(3)),
    })
    _passed("offdiag_head")


def check_offdiag_head_trains(fn: Callable, steps: int = 300) -> None:
    """``fn`` as in ``check_offdiag_head``, now the head of Wen & Li's toy network while it trains
    (``wen_li.run(head_fn=...)``): at every step it must build the package's E, and after training the
    diagonal is still 1 while the off-diagonal entries have moved."""
    from ssl_course.theory import wen_li

    def both(A):
        return _call("offdiag_head_trains", fn, A), predictors.identity_plus_off_diagonal(A)

    checked, _ = _shadowed("offdiag_head_trains", both, "E = I + the off-diagonal part of A, diagonal frozen")
    history = wen_li.run("offdiag", steps=steps, seed=1, record_every=steps, head_fn=checked)
    E = history.head[-1]
    print(f"offdiag_head_trains: your head trained with the toy for {steps} steps, the package's E at every step; "
          f"it ends at E_12 = {E[0, 1]:+.2f}, E_21 = {E[1, 0]:+.2f}, diagonal {E[0, 0]:.0f}, {E[1, 1]:.0f}. Well done!")


def check_cubic_moment(fn: Callable) -> None:
    """``fn(var_i, var_j, cov)`` -> E[x_i^3 x_j^3] for zero-mean jointly Gaussian x_i, x_j:
    9 var_i var_j cov + 6 cov^3 (Isserlis: the sum over the 15 pairings of the six factors)."""
    var_i = torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=torch.float64)
    var_j = torch.tensor([1.0, 0.7, 3.0, 1.5], dtype=torch.float64)
    cov = torch.tensor([0.3, -0.9, 1.1, 1.5], dtype=torch.float64)  # the last: x_j = x_i, so E[x^6] = 15 var^3
    answer = _call("cubic_moment", fn, var_i, var_j, cov)
    _diagnose("cubic_moment", answer, 9 * var_i * var_j * cov + 6 * cov**3, {
        "the 6 cov^3 term is missing: the pairings that join every x_i with an x_j (3! of them)": 9 * var_i * var_j * cov,
        "the 9 var_i var_j cov term is missing: the pairings with one x_i x_i pair, one x_j x_j pair and one "
        "cross pair (3 x 3 of them)": 6 * cov**3,
        "every pairing counted as a cross pairing: 15 pairings in all, 9 of them with one cross pair, 6 with three":
            15 * cov**3,
        "3 var_i var_j cov counts only one way to choose the x_i x_i pair: the x_j x_j pair can be chosen 3 ways too":
            3 * var_i * var_j * cov + 6 * cov**3,
    })
    _passed("cubic_moment")
