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

from ssl_course import distributed


def _check_pair(a: torch.Tensor, b: torch.Tensor) -> None:
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"expected two (N, D) tensors of the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")


def info_nce(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """SimCLR's NT-Xent loss over all 2N anchors (each view is the other's positive).

    Under torchrun, this rank's anchors meet the views of every rank as negatives
    (``distributed.gather_rows``), so the mean over ranks is the loss of one process holding the
    whole batch; in a single process the keys are the batch itself.
    """
    logits, positives = _anchor_logits(z1, z2, temperature)
    return F.cross_entropy(logits, positives)


def _anchor_logits(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> tuple[torch.Tensor, torch.Tensor]:
    """InfoNCE's logits (each anchor against every key, itself masked to -inf) and each anchor's positive."""
    _check_pair(z1, z2)
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    n = z1.shape[0]
    q1, q2 = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
    (k1, start), (k2, _) = distributed.gather_rows(q1), distributed.gather_rows(q2)
    total = k1.shape[0]  # N over all ranks
    logits = torch.cat([q1, q2]) @ torch.cat([k1, k2]).T / temperature
    rows = start + torch.arange(n, device=logits.device)
    self_index = torch.cat([rows, rows + total])
    mask = torch.zeros_like(logits, dtype=torch.bool)
    mask[torch.arange(2 * n, device=logits.device), self_index] = True
    logits = logits.masked_fill(mask, float("-inf"))  # a sample is not its own negative
    return logits, torch.cat([rows + total, rows])


def positive_weight(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> float:
    """The mean softmax weight that InfoNCE's anchors give their positive, among the 2N − 1 others:
    1 when every positive stands out, 1/(2N − 1) when the softmax is uniform (what T does, notebook 01).

    >>> positive_weight(torch.eye(2), torch.eye(2), temperature=1.0)  # e / (e + 2)
    0.5761...
    """
    logits, positives = _anchor_logits(z1, z2, temperature)
    return logits.softmax(dim=1)[torch.arange(len(positives), device=logits.device), positives].mean().item()


def negative_cosine(p: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Minus the mean cosine similarity of matching rows (no detach inside)."""
    _check_pair(p, z)
    return -F.cosine_similarity(p, z, dim=1).mean()


def byol_loss(p: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """BYOL's normalised squared error, 2 - 2 cos, averaged over the batch."""
    _check_pair(p, z)
    return (2 - 2 * F.cosine_similarity(p, z, dim=1)).mean()
