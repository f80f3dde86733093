"""LARS (You, Gitman & Ginsburg 2017), the optimiser of BYOL's and SimCLR's large-batch runs.

Each weight matrix gets a layer-wise trust ratio: its update is scaled by
``trust * ||w|| / ||g + wd * w||`` before SGD momentum, so that every layer moves by a similar
relative amount at batch sizes of thousands. Biases and BatchNorm parameters (1-D) are not
adapted and take no weight decay, as in the papers.

    >>> w = torch.nn.Parameter(torch.ones(2, 2))
    >>> optimizer = LARS([w], lr=0.1)
    >>> w.grad = torch.ones(2, 2)
    >>> optimizer.step()
    >>> round(w[0, 0].item(), 6)  # trust ratio 0.001 * 2 / 2: lr 0.1 * 0.001 * grad
    0.9999
"""
from __future__ import annotations

import torch

OPTIMIZERS = ("sgd", "lars")  # the trainer builds SGD, or LARS below


class LARS(torch.optim.Optimizer):
    def __init__(self, params, lr: float, momentum: float = 0.9, weight_decay: float = 0.0, trust: float = 0.001):
        if lr < 0 or momentum < 0 or weight_decay < 0 or trust <= 0:
            raise ValueError("LARS needs lr, momentum, weight_decay >= 0 and trust > 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, trust=trust))

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                update = p.grad
                if p.ndim > 1:  # weights: weight decay + layer-wise trust ratio
                    update = update.add(p, alpha=group["weight_decay"])
                    w_norm, u_norm = p.norm(), update.norm()
                    if w_norm > 0 and u_norm > 0:
                        update = update * (group["trust"] * w_norm / u_norm)
                buf = self.state[p].get("momentum")
                if buf is None:
                    buf = self.state[p]["momentum"] = update.clone()
                else:
                    buf.mul_(group["momentum"]).add_(update)
                p.add_(buf, alpha=-group["lr"])
        return loss


def peak_lr(config) -> float:
    """The schedule's peak: the base lr (per 256 images) scaled linearly to ``config.batch_size``."""
    return config.lr * config.batch_size / 256


def build_optimizer(method, config, device: torch.device) -> torch.optim.Optimizer:
    """The trainer's optimiser for ``method``: its parameter groups (encoder and predictor, each with its
    weight decay and lr scale), SGD with momentum (fused on CUDA) or LARS, each group at the peak lr
    (the trainer sets the scheduled lr before every step)."""
    groups = method.parameter_groups(config.weight_decay)
    for group in groups:
        group["lr"] = peak_lr(config) * group["lr_scale"]
    if config.optimizer == "lars":
        return LARS(groups, lr=peak_lr(config), momentum=config.momentum)
    return torch.optim.SGD(groups, lr=peak_lr(config), momentum=config.momentum, fused=device.type == "cuda")
