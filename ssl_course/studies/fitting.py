"""Does a model fit its own images? Its loss on them against its loss on images it never saw.

Li, Efros & Pathak (2022) read the mechanism of "more data, more collapse" off this gap: trained
for the same steps on a small subset, SimSiam drives its loss on its own training images to about
-1 (the minimum of the negative cosine) while its loss on held-out images stays far above; with
enough data the two agree. Here both are the method's own symmetric loss, in eval mode (BatchNorm
with its running statistics), on two seeded augmented views of

* the first ``images`` of the run's training subset (``own``), and
* the first ``images`` of the dataset's test split, which no run trains on (``held_out``).

Example:
    >>> import torch
    >>> from ssl_course.config import TrainConfig
    >>> from ssl_course.train import train
    >>> config = TrainConfig(method="simsiam", width=2, proj_hidden_dim=32, proj_dim=16, pred_hidden_dim=8,
    ...                      epochs=1, max_steps=2, batch_size=16, train_subset=64, out=None,
    ...                      progress=False, final_eval=False)
    >>> losses = fitting_losses(train(config).method, config, images=32)
    >>> sorted(losses), all(-1.0 <= v <= 1.0 for v in losses.values())
    (['gap', 'held_out', 'own'], True)
"""
from __future__ import annotations

import torch

from ssl_course.data.training import training_data


@torch.no_grad()
def mean_loss(method, augment, images: torch.Tensor, batch_size: int, seed: int) -> float:
    """The method's symmetric loss over two views of each of ``images`` (uint8), averaged per image."""
    was_training = method.training
    method.eval()
    device = next(method.parameters()).device
    total = 0.0
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for start in range(0, len(images), batch_size):
            batch = images[start : start + batch_size]
            view1, view2 = augment(batch)
            total += method.training_step(view1.to(device), view2.to(device)).loss.item() * len(batch)
    method.train(was_training)
    return total / len(images)


def fitting_losses(method, config, images: int = 1024, seed: int = 0) -> dict:
    """``own`` (the run's first training images), ``held_out`` (the test split's first) and
    ``gap`` = held_out - own: near 0 when the model does not fit its images more than others."""
    data = training_data(config, torch.device("cpu"))
    if not hasattr(data, "images"):
        raise ValueError(f"fitting_losses needs an in-memory dataset, not {config.dataset}")
    own = data.images[:images]
    test_images = data.test[0][:images]
    batch = config.batch_size
    result = {"own": mean_loss(method, data.augment, own, batch, seed),
              "held_out": mean_loss(method, data.augment, test_images, batch, seed)}
    result["gap"] = result["held_out"] - result["own"]
    return result
