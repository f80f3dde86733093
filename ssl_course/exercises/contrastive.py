"""Checkers of notebook 01 contrastive learning."""
from __future__ import annotations

from typing import Callable
import torch
import torch.nn.functional as F

from ssl_course import losses
from ssl_course.exercises.common import _passed, _call, _train_with, _diagnose, _tensor_loss


def check_similarity_matrix(fn: Callable) -> None:
    """``fn(z)`` -> the (N, N) matrix of cosine similarities of the rows of z."""
    z = torch.randn(6, 5, generator=torch.Generator().manual_seed(0)) * 3
    expected = F.normalize(z, dim=1) @ F.normalize(z, dim=1).T
    _diagnose("similarity_matrix", _call("similarity_matrix", fn, z), expected, {
        "rows are not L2-normalised: divide each row by its norm before the dot products": z @ z.T,
        "normalised the columns instead of the rows (dim=1)": F.normalize(z, dim=0) @ F.normalize(z, dim=0).T,
    })
    _passed("similarity_matrix")


def check_info_nce(fn: Callable) -> None:
    """``fn(z1, z2, temperature)`` -> SimCLR's NT-Xent loss over all 2N anchors."""
    g = torch.Generator().manual_seed(1)
    z1, z2, t = torch.randn(8, 4, generator=g), torch.randn(8, 4, generator=g), 0.3
    expected = losses.info_nce(z1, z2, t)

    def unmasked(a, b, temperature):
        z = F.normalize(torch.cat([a, b]), dim=1)
        n = a.shape[0]
        return F.cross_entropy(z @ z.T / temperature, torch.cat([torch.arange(n, 2 * n), torch.arange(n)]))

    def one_direction(a, b, temperature):
        logits = F.normalize(a, dim=1) @ F.normalize(b, dim=1).T / temperature
        return F.cross_entropy(logits, torch.arange(a.shape[0]))

    def labels_on_itself(a, b, temperature):
        z = F.normalize(torch.cat([a, b]), dim=1)
        return F.cross_entropy((z @ z.T / temperature).fill_diagonal_(float("-inf")), torch.arange(2 * a.shape[0]))

    _diagnose("info_nce", _tensor_loss("info_nce", _call("info_nce", fn, z1, z2, t)), expected, {
        "the labels point at each anchor itself, the masked diagonal (hence inf): the positive of anchor i is "
        "i + N for the first view's anchors and i - N for the second's": labels_on_itself(z1, z2, t),
        "the temperature is not applied: divide the similarities by it": losses.info_nce(z1, z2, 1.0),
        "a sample's similarity with itself is counted as a negative: mask the diagonal with -inf": unmasked(z1, z2, t),
        "only N anchors from view 1 against view 2; use all 2N (each view is the other's positive)":
            one_direction(z1, z2, t),
        "the embeddings are not L2-normalised": F.cross_entropy(
            (torch.cat([z1, z2]) @ torch.cat([z1, z2]).T / t).fill_diagonal_(float("-inf")),
            torch.cat([torch.arange(8, 16), torch.arange(8)])),
    })
    _passed("info_nce")


def check_info_nce_trains(fn: Callable, steps: int = 20) -> None:
    """``fn(z1, z2, temperature)`` as SimCLR's loss in real training: ``steps`` steps of the CPU preset
    must follow the package's run (same seed) step by step."""
    from ssl_course.presets import preset

    temperature = preset("simclr").temperature

    def both(p1, p2, z1, z2):  # SimCLR has no predictor: p = z, and each view is the other's positive
        return fn(p1, p2, temperature), losses.info_nce(p1.detach(), p2.detach(), temperature)

    _train_with("info_nce_trains", "simclr", "loss", both, steps, "compare your loss with the formula above")
    print(f"info_nce_trains: your InfoNCE trained SimCLR for {steps} steps, the package's value at every step. Well done!")
