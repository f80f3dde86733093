"""Prediction heads: the asymmetric piece that lets BYOL and SimSiam avoid collapse.

* ``none``: identity, no predictor (BYOL/SimSiam then tend to collapse).
* ``linear``: one d x d matrix without bias (Tian et al. 2021's analysed model).
* ``mlp``: 2-layer bottleneck Linear-BN-ReLU-Linear (BYOL, SimSiam).
* ``identity_offdiag``: W = I + A with A's diagonal held at 0 and its off-diagonal
  entries trainable from 0 (Wen & Li 2022: the head that explains substitution and
  acceleration).
* ``identity_fixed``: the identity, frozen (Wen & Li's control).
* ``directpred`` / ``directcopy``: a linear head *set* (not trained) from the running
  correlation of the projector outputs (Tian, Chen & Ganguli, ICML 2021); see
  ``DirectPredictor``.

Example:
    >>> import torch
    >>> head = build_predictor("identity_offdiag", dim=4)
    >>> torch.equal(head(torch.eye(4)), torch.eye(4))
    True
"""
from __future__ import annotations

import torch
from torch import nn

from ssl_course import distributed

PREDICTORS = ("none", "linear", "mlp", "identity_offdiag", "identity_fixed", "directpred", "directcopy")


def identity_plus_off_diagonal(A: torch.Tensor) -> torch.Tensor:
    """Wen & Li's head E = I + A with A's diagonal masked out: only the off-diagonal entries of A
    count (and get gradient), the diagonal stays at 1."""
    eye = torch.eye(A.shape[-1], dtype=A.dtype, device=A.device)
    return eye + A * (1 - eye)


class IdentityOffDiagonal(nn.Module):
    """``x -> x @ E.T`` with E = ``identity_plus_off_diagonal(A)``, A trainable from 0."""

    def __init__(self, dim: int):
        super().__init__()
        self.off_diagonal = nn.Parameter(torch.zeros(dim, dim))

    @property
    def weight(self) -> torch.Tensor:
        return identity_plus_off_diagonal(self.off_diagonal)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight.T


def directpred_weight(F: torch.Tensor, eps: float) -> torch.Tensor:
    """DirectPred: F = U diag(s) U^T, p_j = sqrt(max(s_j, 0) / s_max) + eps (at least 1e-4), W_p = U diag(p) U^T."""
    s, u = torch.linalg.eigh(F)
    s = s.clamp(min=0)
    p = (s / s.max().clamp(min=torch.finfo(s.dtype).tiny)).sqrt() + eps
    return u @ torch.diag(p.clamp(min=1e-4)) @ u.T


def directcopy_weight(F: torch.Tensor, eps: float) -> torch.Tensor:
    """DirectCopy: W_p = F / ||F||_F + eps I."""
    return F / F.norm() + eps * torch.eye(F.shape[0], dtype=F.dtype, device=F.device)


class DirectPredictor(nn.Module):
    """A linear predictor computed from the feature correlation instead of learned.

    ``update(z)`` (called after each optimiser step with the detached online projections
    of both views) keeps a running, uncentred correlation

        F <- rho F + (1 - rho) E_batch[z z^T]        (the first batch sets F),

    and every ``freq``-th call (the first call included) sets the weight:

    * ``directpred``: F = U diag(s) U^T (eigh, float64), p_j = sqrt(max(s_j, 0) / s_max) + eps,
      clamped at >= 1e-4, W_p = U diag(p) U^T -- the p ~ sqrt(s) relation a learned linear
      predictor reaches by gradient descent.
    * ``directcopy``: W_p = F / ||F||_F + eps I.

    Before the first update the weight is the identity. ``forward(x) = x @ W_p^T``; no
    parameter is trained (all state is in buffers, so it is checkpointed and resumed).

    Reference: Tian, Chen & Ganguli, "Understanding self-supervised learning dynamics
    without contrastive pairs", ICML 2021 (DirectPred); Wang et al. 2021 (DirectCopy).

    Example:
        >>> head = DirectPredictor(3, rho=0.0, eps=0.0)
        >>> head.update(torch.tensor([[2.0, 0, 0], [0, 1.0, 0]]))  # F = diag(2, 0.5, 0)
        >>> [round(v, 4) for v in torch.diagonal(head.weight).tolist()]
        [1.0, 0.5, 0.0001]
    """

    MODES = ("directpred", "directcopy")

    def __init__(self, dim: int, rho: float = 0.3, eps: float = 0.1, freq: int = 1, mode: str = "directpred", rule=None):
        super().__init__()
        if not 0.0 <= rho < 1.0:
            raise ValueError(f"rho (the correlation's running-average weight) must be in [0, 1), got {rho}")
        if not eps >= 0.0:
            raise ValueError(f"eps must be >= 0, got {eps}")
        if int(freq) != freq or freq < 1:
            raise ValueError(f"freq (update the weight every freq-th call) must be an integer >= 1, got {freq}")
        if mode not in self.MODES:
            raise ValueError(f"unknown mode {mode!r}; valid: {', '.join(self.MODES)}")
        self.dim, self.rho, self.eps, self.freq, self.mode = dim, rho, eps, int(freq), mode
        self.rule = rule  # a learner's ``fn(F, eps) -> W_p`` in place of the mode's formula (the notebooks' exercises)
        self.register_buffer("weight", torch.eye(dim))
        self.register_buffer("correlation", torch.zeros(dim, dim, dtype=torch.float64))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight.to(x.dtype).T

    @torch.no_grad()
    def update(self, z: torch.Tensor) -> None:
        if z.ndim != 2 or z.shape[1] != self.dim:
            raise ValueError(f"update expects a (batch, {self.dim}) tensor, got shape {tuple(z.shape)}")
        if not torch.isfinite(z).all():
            raise ValueError("update got non-finite values (NaN/inf) in z; the run has diverged")
        z = z.detach().double()
        batch = distributed.all_mean(z.T @ z / z.shape[0])  # under torchrun: the whole batch's F on every rank
        if self.calls == 0:
            self.correlation.copy_(batch)
        else:
            self.correlation.mul_(self.rho).add_(batch, alpha=1 - self.rho)
        if self.calls % self.freq == 0:
            self.weight.copy_(self.compute_weight(self.correlation).to(self.weight.dtype))
        self.calls += 1

    def compute_weight(self, correlation: torch.Tensor) -> torch.Tensor:
        """The predictor matrix for a given correlation F (see the class docstring)."""
        rule = self.rule or (directcopy_weight if self.mode == "directcopy" else directpred_weight)
        return torch.as_tensor(rule(correlation, self.eps), dtype=correlation.dtype, device=correlation.device)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, mode={self.mode}, rho={self.rho}, eps={self.eps}, freq={self.freq}"


def build_predictor(kind: str, dim: int, hidden_dim: int | None = None, **options) -> nn.Module:
    """A prediction head mapping ``dim -> dim``.

    ``hidden_dim`` is the mlp bottleneck (default dim // 4); ``options`` (rho, eps, freq) go
    to ``DirectPredictor`` for ``directpred``/``directcopy`` (and ``rule``, a learner's formula for W_p).
    """
    if kind in DirectPredictor.MODES:
        return DirectPredictor(dim, mode=kind, **options)
    if options.get("rule") is not None:
        raise ValueError("predictor_weight replaces the direct predictor's formula: it needs predictor='directpred' or 'directcopy'")
    options.pop("rule", None)
    if options:
        raise ValueError(f"predictor {kind!r} takes no options, got {sorted(options)}")
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
