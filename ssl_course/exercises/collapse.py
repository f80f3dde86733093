"""Checkers of notebook 07 dimensional collapse."""
from __future__ import annotations

from typing import Callable
import torch

from ssl_course import metrics
from ssl_course.exercises.common import _passed, _call, _diagnose


def check_explained_variance_auc(fn: Callable) -> None:
    """``fn(features)`` -> mean of the cumulative curve of singular values of the centred features."""
    g = torch.Generator().manual_seed(9)
    x = torch.randn(100, 6, generator=g) @ torch.diag(torch.tensor([4.0, 2, 1, 0.5, 0.2, 0.1])) + 3
    s = torch.linalg.svdvals(x - x.mean(0))
    _diagnose("explained_variance_auc", _call("explained_variance_auc", fn, x), metrics.explained_variance_auc(x), {
        "the features were not mean-centred": (torch.cumsum(torch.linalg.svdvals(x), 0)
                                               / torch.linalg.svdvals(x).sum()).mean().item(),
        "used squared singular values (variances); Li et al. use the singular values":
            (torch.cumsum(s**2, 0) / (s**2).sum()).mean().item(),
    })
    _passed("explained_variance_auc")


def check_evenly_spread_auc(fn: Callable) -> None:
    """``fn(k, d)`` -> the AUC of d-dimensional features spread evenly over k directions (k equal
    singular values, d - k zero): ((k + 1) / 2 + d - k) / d, measured here with ``metrics.explained_variance_auc``."""
    g = torch.Generator().manual_seed(11)
    cases = [(1, 8), (3, 8), (8, 8), (5, 32), (32, 32)]
    expected, answers = [], []
    for k, d in cases:
        basis = torch.randn(64, k, generator=g, dtype=torch.float64)
        q, _ = torch.linalg.qr(basis - basis.mean(0))  # k orthonormal, centred directions
        features = torch.cat([3 * q, torch.zeros(64, d - k, dtype=torch.float64)], dim=1)
        expected.append(metrics.explained_variance_auc(features))
        answers.append(_call("evenly_spread_auc", fn, k, d))
    ks = torch.tensor([k for k, _ in cases], dtype=torch.float64)
    ds = torch.tensor([d for _, d in cases], dtype=torch.float64)
    _diagnose("evenly_spread_auc", answers, expected, {
        "the curve stops at k: after the k-th direction it stays at 1 for the d - k others, which the mean over d "
        "counts too": (ks + 1) / (2 * ks),
        "k is ignored: that is the floor, k = d": (ds + 1) / (2 * ds),
        "divided by k: the AUC is the mean over all d points of the curve": ((ks + 1) / 2 + ds - ks) / ks,
        "off by one: the curve's k-th point is k / k = 1 (c_i = i / k for i = 1 .. k, so its sum is (k + 1) / 2)":
            ((ks - 1) / 2 + ds - ks) / ds,
    })
    _passed("evenly_spread_auc")
