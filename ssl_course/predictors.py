"""Prediction heads: the asymmetric piece that lets BYOL and SimSiam avoid collapse.

* ``none``: identity, no predictor (BYOL/SimSiam then tend to collapse).
* ``linear``: one d x d matrix without bias (Tian et al. 2021's analysed model).
* ``mlp``: 2-layer bottleneck Linear-BN-ReLU-Linear (BYOL, SimSiam).
* ``identity_offdiag``: W = I + A with A's diagonal held at 0 and its off-diagonal
  entries trainable from 0 (Wen & Li 2022: the head that explains substitution and
  acceleration).
* ``identity_fixed``: the identity, frozen (Wen & Li's control).

Example:
    >>> import torch
    >>> head = build_predictor("identity_offdiag", dim=4)
    >>> torch.equal(head(torch.eye(4)), torch.eye(4))
    True
"""
from __future__ import annotations

import torch
from torch import nn

PREDICTORS = ("none", "linear", "mlp", "identity_offdiag", "identity_fixed")


class IdentityOffDiagonal(nn.Module):
    """``x -> x @ (I + A).T`` with only A's off-diagonal entries trainable (A starts at 0)."""

    def __init__(self, dim: int):
        super().__init__()
        self.off_diagonal = nn.Parameter(torch.zeros(dim, dim))
        self.register_buffer("mask", 1.0 - torch.eye(dim), persistent=False)
        self.register_buffer("eye", torch.eye(dim), persistent=False)

    @property
    def weight(self) -> torch.Tensor:
        return self.eye + self.off_diagonal * self.mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight.T


def build_predictor(kind: str, dim: int, hidden_dim: int | None = None) -> nn.Module:
    """A prediction head mapping ``dim -> dim``; ``hidden_dim`` is the mlp bottleneck (default dim // 4)."""
    if kind in ("none", "identity_fixed"):
        return nn.Identity()
    if kind == "linear":
        return nn.Linear(dim, dim, bias=False)
    if kind == "mlp":
        hidden = hidden_dim or max(dim // 4, 8)
        return nn.Sequential(nn.Linear(dim, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True), nn.Linear(hidden, dim))
    if kind == "identity_offdiag":
        return IdentityOffDiagonal(dim)
    raise ValueError(f"unknown predictor {kind!r}; valid: {', '.join(PREDICTORS)}")
