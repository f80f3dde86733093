"""BYOL (Grill et al. 2020): predict an EMA target network's projection.

The online branch has a predictor; the target branch is an exponential moving
average (EMA) of the online backbone + projector and gets no gradient:

    ξ <- m ξ + (1 - m) θ                       after each optimiser step
    m_k = 1 - (1 - m_0) (cos(π k / K) + 1) / 2   from m_0 = ``ema`` (0.996) up to 1

Loss: ``losses.byol_loss`` (2 - 2 cos), symmetric over view orders. With ``ema=0``
there is no target network and BYOL falls back to the online projection behind a
stop-gradient: SimSiam's target, with BYOL's projector and loss.

Example:
    >>> import torch
    >>> from ssl_course.models import build_backbone
    >>> method = BYOL(build_backbone("convnet", 32, width=8), MethodConfig(proj_hidden_dim=16, proj_dim=8))
    >>> out = method.training_step(torch.randn(4, 3, 32, 32), torch.randn(4, 3, 32, 32))
    >>> method.after_optimizer_step(out, step=0, total_steps=100)
    >>> round(ema_momentum(50, 100, 0.996), 3), all(not p.requires_grad for p in method.target.parameters())
    (0.998, True)
"""
from __future__ import annotations

import copy
import math

import torch
from torch import nn

from ssl_course.losses import byol_loss
from ssl_course.methods.base import MethodConfig, SiameseMethod, StepOutput


def ema_momentum(step: int, total_steps: int, base: float) -> float:
    """BYOL's momentum at ``step``: m = 1 - (1 - base) (cos(pi step / total) + 1) / 2, from base up to 1."""
    return 1 - (1 - base) * (math.cos(math.pi * step / max(total_steps, 1)) + 1) / 2


@torch.no_grad()
def ema_update(target: list[torch.Tensor], online: list[torch.Tensor], m: float) -> None:
    """In place, for each pair: t <- m t + (1 - m) o (the online tensors are left as they are)."""
    torch._foreach_mul_(target, m)
    torch._foreach_add_(target, online, alpha=1 - m)


class BYOL(SiameseMethod):
    name = "byol"
    defaults = MethodConfig(stop_gradient=True, predictor="mlp", ema=0.996)
    has_target_network = True

    def __init__(self, backbone, config: MethodConfig | None = None, **hooks):
        super().__init__(backbone, config, **hooks)
        self.target: nn.Module | None = None
        if self.config.ema > 0:
            self.target = copy.deepcopy(nn.Sequential(self.backbone, self.projector))
            self.target.requires_grad_(False)

    def loss_fn(self, p, z):
        return byol_loss(p, z)

    def targets(self, view1, view2, z1, z2, stop_gradient):
        if self.target is None:  # ema=0: the online projection, as in SimSiam
            return super().targets(view1, view2, z1, z2, stop_gradient)
        with torch.no_grad():  # the target network never gets a gradient
            return self.target(view1), self.target(view2)

    def ema_momentum(self, step: int, total_steps: int) -> float:
        return ema_momentum(step, total_steps, self.config.ema)

    @torch.no_grad()
    def after_optimizer_step(self, output: StepOutput, step: int, total_steps: int) -> None:
        if self.target is not None:
            online = nn.Sequential(self.backbone, self.projector)
            update_target = self.custom_ema_update or ema_update
            update_target(list(self.target.parameters()), list(online.parameters()), self.ema_momentum(step, total_steps))
            for t, o in zip(self.target.buffers(), online.buffers()):
                t.copy_(o)  # BatchNorm statistics follow the online network
        super().after_optimizer_step(output, step, total_steps)
