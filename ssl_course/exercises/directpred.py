"""Checkers of notebook 06 DirectPred."""
from __future__ import annotations

from typing import Callable
import torch

from ssl_course import predictors
from ssl_course.exercises.common import ExerciseError, _passed, _call, _as_tensor, _diagnose


def check_directpred_weight(fn: Callable) -> None:
    """``fn(F, eps)`` -> W_p = U diag(sqrt(s / s_max) + eps) U^T from F = U diag(s) U^T."""
    g = torch.Generator().manual_seed(8)
    m = torch.randn(5, 5, generator=g, dtype=torch.float64)
    F_, eps = m @ m.T, 0.1
    s, U = torch.linalg.eigh(F_)
    s = s.clamp_min(0)

    def weight(p):
        return U @ torch.diag(p) @ U.T

    _diagnose("directpred_weight", _call("directpred_weight", fn, F_, eps), predictors.directpred_weight(F_, eps), {
        "forgot the square root: p_j = sqrt(s_j / s_max) + eps": weight(s / s.max() + eps),
        "not normalised by the largest eigenvalue": weight(s.sqrt() + eps),
        "eps is missing": weight((s / s.max()).sqrt()),
        "U^T diag(p) U: the eigenvectors are the columns of U, so W_p = U diag(p) U^T":
            U.T @ torch.diag((s / s.max()).sqrt() + eps) @ U,
    })
    _passed("directpred_weight")


def check_directpred_alpha_p(fn: Callable) -> None:
    """``fn(s)`` -> the one alpha_p for which DirectPred's p_j = sqrt(s_j / s_max) (eps = 0) lies on 04's
    balanced curve s = p^2 / alpha_p for every direction j: 1 / s_max."""
    s = torch.tensor([4.0, 2.5, 1.0, 0.2], dtype=torch.float64)
    answer = _as_tensor(_call("directpred_alpha_p", fn, s))
    shape = tuple(answer.shape)
    if shape not in ((), (1,)):
        raise ExerciseError(f"directpred_alpha_p: returned shape {shape}: one alpha_p holds for every direction at "
                            "once; return one number")
    p = (s / s.max()).sqrt()
    alpha_p = float(answer.reshape(()))
    _diagnose("directpred_alpha_p", alpha_p, 1 / s.max(), {
        "inverted: s = p^2 / alpha_p gives alpha_p = p^2 / s, not s / p^2": s.max(),
        "the square root of it: p is already a square root, p^2 = s / s_max": 1 / s.max().sqrt(),
        "that is the smallest direction's: s_max normalises p, so the largest eigenvalue sets alpha_p":
            1 / s.min(),
    })
    curve = s - p**2 / alpha_p
    print(f"directpred_alpha_p: on s = {s.tolist()}, s - p^2/alpha_p = {curve.abs().max():.1e} in every direction.")
    _passed("directpred_alpha_p")
