"""The three losses of the course, one formula each.

InfoNCE / NT-Xent (SimCLR; Chen et al. 2020, "A Simple Framework for Contrastive
Learning of Visual Representations", eq. 1). With z = normalise([z1; z2]), 2N rows,
sim_ij = z_i . z_j / T and pos(i) the other view of sample i:

    L = 1/(2N) sum_i  -log( exp(sim_{i,pos(i)}) / sum_{k != i} exp(sim_ik) )

Negative cosine (SimSiam; Chen & He 2021, eq. 1):  D(p, z) = -mean_i cos(p_i, z_i).
The stop-gradient belongs to the caller: ``negative_cosine(p1, z2.detach())``.

BYOL (Grill et al. 2020, eq. 2):  L(p, z) = mean_i (2 - 2 cos(p_i, z_i)), which is
the squared distance of the L2-normalised vectors.

Example:
    >>> import torch
    >>> z = torch.randn(8, 16, generator=torch.Generator().manual_seed(0))
    >>> round(negative_cosine(z, z).item(), 4), abs(round(byol_loss(z, z).item(), 4))  # abs: rounding may give -0.0
    (-1.0, 0.0)
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def _check_pair(a: torch.Tensor, b: torch.Tensor) -> None:
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"expected two (N, D) tensors of the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")


def info_nce(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """SimCLR's NT-Xent loss over all 2N anchors (each view is the other's positive)."""
    _check_pair(z1, z2)
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.T / temperature
    logits.fill_diagonal_(float("-inf"))  # a sample is not its own negative
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(logits, positives)


def negative_cosine(p: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Minus the mean cosine similarity of matching rows (no detach inside)."""
    _check_pair(p, z)
    return -F.cosine_similarity(p, z, dim=1).mean()


def byol_loss(p: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """BYOL's normalised squared error, 2 - 2 cos, averaged over the batch."""
    _check_pair(p, z)
    return (2 - 2 * F.cosine_similarity(p, z, dim=1)).mean()
