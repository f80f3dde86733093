"""Collapse metrics: how many directions does a representation really use?

* ``std_of_normalized(z)`` (SimSiam, Chen & He 2021, Fig. 2): the per-dimension
  standard deviation over the batch of z / ||z||, averaged over dimensions.
  Healthy, spread-out outputs give about 1/sqrt(d); complete collapse gives 0.
* ``effective_rank(z)`` (Roy & Vetterli 2007): exp of the Shannon entropy of the
  normalised singular values, p_i = s_i / sum_j s_j. Between 1 and min(N, d).
* ``looks_collapsed(std, rank, dim)``: the trainer's collapse monitor. Complete collapse: the
  std of normalised rows under a fifth of the healthy 1/sqrt(d). Dimensional collapse: an
  effective rank under min(5, d/4), the course's "collapsed" (notebooks 03 and 05: SimSiam
  without stop-gradient or predictor ends far below it, every other reference run far above:
  docs/results.md gives the ranks).
* ``explained_variance_auc(features)`` (Li, Efros & Pathak 2022): singular values
  s of the mean-centred features, cumulative curve c_k = sum_{i<=k} s_i / sum_i s_i,
  return mean_k c_k. About 0.5 for isotropic features (large d), 1 for rank one:
  higher means more collapsed.

Eigen-alignment of a linear predictor W_p with the feature correlation F = E[z z^T]
(Tian, Chen & Ganguli 2021, Fig. 2):

* ``commutator_norm(F, W_p)`` = ``||F W_p - W_p F||_F / (||F||_F ||W_p||_F)``: 0 when the two
  matrices share eigenvectors; it decays while a linear predictor is learned.
* ``eigen_alignment(F, W_p)``: for each eigenvector u_j of F (largest s_j first),
  ``|u_j^T W_p u_j| / ||W_p u_j||``, 1 when u_j is also an eigenvector of W_p.
* ``eigen_pairs(F, W_p)``: the pairs (s_j, p_j = u_j^T W_p u_j), to draw p against sqrt(s).

Example:
    >>> import torch
    >>> z = torch.randn(512, 64, generator=torch.Generator().manual_seed(0))
    >>> round(effective_rank(torch.ones(10, 4)), 3)
    1.0
    >>> 0.5 < explained_variance_auc(z) < 0.6
    True
"""
from __future__ import annotations

import math

import torch

COLLAPSED_RANK = 5.0  # fewer than this many directions carry the projections: dimensional collapse


def _as_2d(x: torch.Tensor) -> torch.Tensor:
    x = torch.as_tensor(x)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"expected a (N, D) batch with N >= 2, got shape {tuple(x.shape)}")
    return x.detach().double()


@torch.no_grad()
def std_of_normalized(z: torch.Tensor) -> float:
    """Mean over dimensions of the batch std of L2-normalised rows (collapsed -> 0)."""
    z = _as_2d(z)
    z = z / z.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return z.std(dim=0).mean().item()


@torch.no_grad()
def effective_rank(z: torch.Tensor, centre: bool = False) -> float:
    """exp(entropy) of the normalised singular value distribution of ``z`` (optionally mean-centred)."""
    z = _as_2d(z)
    if centre:
        z = z - z.mean(dim=0)
    s = torch.linalg.svdvals(z)
    total = s.sum()
    if total <= 0:
        return 0.0
    p = s / total
    p = p[p > 0]
    return torch.exp(-(p * p.log()).sum()).item()


def looks_collapsed(std: float, rank: float, dim: int) -> bool:
    """The collapse monitor's verdict on d-dimensional projections, from their ``std_of_normalized``
    and ``effective_rank``: complete collapse (std < 0.2 / sqrt(d)) or dimensional collapse
    (rank < min(COLLAPSED_RANK, d / 4)).

    >>> looks_collapsed(0.088, 37.7, 128), looks_collapsed(0.086, 3.2, 128), looks_collapsed(0.001, 60.0, 128)
    (False, True, True)
    """
    return std < 0.2 / math.sqrt(dim) or rank < min(COLLAPSED_RANK, dim / 4)


@torch.no_grad()
def singular_value_curve(features: torch.Tensor) -> torch.Tensor:
    """Cumulative explained-variance curve c_k of mean-centred ``features`` (length min(N, D))."""
    x = _as_2d(features)
    s = torch.linalg.svdvals(x - x.mean(dim=0))
    return torch.cumsum(s, 0) / s.sum().clamp_min(1e-300)


@torch.no_grad()
def explained_variance_auc(features: torch.Tensor) -> float:
    """Li et al.'s collapse measure: the area under ``singular_value_curve`` (higher = more collapsed)."""
    return singular_value_curve(features).mean().item()


def correlation(z: torch.Tensor) -> torch.Tensor:
    """Uncentred correlation E[z z^T] of a (N, D) batch, float64 (DirectPred's F)."""
    z = _as_2d(z)
    return z.T @ z / z.shape[0]


def _square(name: str, m: torch.Tensor) -> torch.Tensor:
    m = torch.as_tensor(m).detach().double()
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {tuple(m.shape)}")
    return m


@torch.no_grad()
def commutator_norm(F: torch.Tensor, W: torch.Tensor) -> float:
    """||[F, W]||_F / (||F||_F ||W||_F), between 0 (aligned eigenvectors) and sqrt(2)."""
    F, W = _square("F", F), _square("W", W.to(F.device) if torch.is_tensor(W) else W)
    if F.shape != W.shape:
        raise ValueError(f"F and W must have the same shape, got {tuple(F.shape)} and {tuple(W.shape)}")
    scale = (F.norm() * W.norm()).clamp_min(1e-300)
    return ((F @ W - W @ F).norm() / scale).item()


@torch.no_grad()
def eigen_pairs(F: torch.Tensor, W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Eigenvalues s_j of F (descending), the Rayleigh quotients p_j = u_j^T W u_j, and U."""
    F, W = _square("F", F), _square("W", W)
    s, u = torch.linalg.eigh((F + F.T) / 2)
    s, u = s.flip(0), u.flip(1)
    p = torch.einsum("ij,ik,kj->j", u, W, u)
    return s, p, u


@torch.no_grad()
def eigen_alignment(F: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """Per eigenvector u_j of F (descending s_j): ``|u_j^T W u_j| / ||W u_j||`` in [0, 1]."""
    _, p, u = eigen_pairs(F, W)
    return p.abs() / (_square("W", W) @ u).norm(dim=0).clamp_min(1e-300)
