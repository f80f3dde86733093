"""The one small base every method shares: a Siamese network with switches.

    view1, view2 --backbone--projector--> z1, z2 --predictor--> p1, p2
    target t_i: the other branch's projection, from the EMA target network if
    there is one, otherwise the online z_i; ``detach``-ed when stop_gradient is on.
    loss = 1/2 [ L(p1, t2) + L(p2, t1) ]            (symmetric over view orders)

SimCLR, BYOL and SimSiam differ only in the loss L, their projector and the default
switches (``SimCLR``: no predictor, no stop-gradient; ``BYOL``: MLP predictor, EMA
target; ``SimSiam``: MLP predictor, stop-gradient, no EMA).

The EMA target (BYOL, Grill et al. 2020) follows ξ <- m ξ + (1 - m) θ after each
optimiser step, with m rising from ``ema`` to 1 on a cosine schedule:
m_k = 1 - (1 - m_0) (cos(π k / K) + 1) / 2.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from ssl_course.models import Backbone, projection_mlp
from ssl_course.predictors import PREDICTORS, build_predictor


def ema_momentum(step: int, total_steps: int, base: float) -> float:
    """BYOL's momentum at ``step``: m = 1 - (1 - base) (cos(pi step / total) + 1) / 2, from base up to 1."""
    return 1 - (1 - base) * (math.cos(math.pi * step / max(total_steps, 1)) + 1) / 2


@torch.no_grad()
def ema_update(target: list[torch.Tensor], online: list[torch.Tensor], m: float) -> None:
    """In place, for each pair: t <- m t + (1 - m) o (the online tensors are left as they are)."""
    torch._foreach_mul_(target, m)
    torch._foreach_add_(target, online, alpha=1 - m)


@dataclass
class MethodConfig:
    """Switches of a method; ``None`` means "the method's default"."""

    stop_gradient: bool | None = None
    predictor: str | None = None
    predictor_lr_multiplier: float = 1.0
    predictor_weight_decay: float | None = None  # None: same as the encoder's
    ema: float | None = None  # base EMA momentum; 0 switches the target network off
    proj_hidden_dim: int = 512
    proj_dim: int = 128
    pred_hidden_dim: int | None = None
    temperature: float = 0.5  # SimCLR only
    predictor_options: dict = field(default_factory=dict)  # DirectPred/DirectCopy: rho, eps, freq


@dataclass
class StepOutput:
    loss: torch.Tensor
    z1: torch.Tensor  # online projections (detached), for the collapse monitor and DirectPred
    z2: torch.Tensor


class SiameseMethod(nn.Module):
    """Base class; subclasses set ``name``, ``defaults`` and ``loss_fn`` and may override ``build_projector``."""

    name = "base"
    defaults = MethodConfig(stop_gradient=True, predictor="mlp", ema=0.0)
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    # a learner's whole loss(p1, p2, z1, z2), set by ``train(config, loss=...)``: it gets the online
    # projections with their gradient (or the EMA target's), so the stop-gradient is its job
    custom_loss: Callable | None = None
    # a learner's EMA update ``fn(target_params, online_params, m)`` in place of ``ema_update``
    custom_ema_update: Callable | None = None

    def __init__(self, backbone: Backbone, config: MethodConfig | None = None):
        super().__init__()
        config = copy.deepcopy(config) if config is not None else MethodConfig()
        for key in ("stop_gradient", "predictor", "ema"):
            if getattr(config, key) is None:
                setattr(config, key, getattr(self.defaults, key))
        if config.predictor not in PREDICTORS:
            raise ValueError(f"unknown predictor {config.predictor!r}; valid: {', '.join(PREDICTORS)}")
        if not 0.0 <= config.ema < 1.0:
            raise ValueError(f"ema momentum must be in [0, 1), got {config.ema}")
        if config.ema > 0 and not config.stop_gradient:
            raise ValueError("without stop-gradient the online network is its own target: switch the EMA off (ema=0)")
        self.config = config
        self.backbone = backbone
        self.projector = self.build_projector(backbone.feature_dim, config)
        self.predictor = build_predictor(config.predictor, config.proj_dim, config.pred_hidden_dim, **config.predictor_options)
        self.target: nn.Module | None = None
        if config.ema > 0:
            self.target = copy.deepcopy(nn.Sequential(self.backbone, self.projector))
            self.target.requires_grad_(False)

    def build_projector(self, in_dim: int, config: MethodConfig) -> nn.Module:
        return projection_mlp(in_dim, config.proj_hidden_dim, config.proj_dim, num_layers=2)

    def online(self, images: torch.Tensor) -> torch.Tensor:
        return self.projector(self.backbone(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Backbone features: what kNN and the linear probe evaluate."""
        return self.backbone(images)

    def training_step(self, view1: torch.Tensor, view2: torch.Tensor) -> StepOutput:
        z1, z2 = self.online(view1), self.online(view2)
        p1, p2 = self.predictor(z1), self.predictor(z2)
        if self.target is not None:
            with torch.no_grad():
                t1, t2 = self.target(view1), self.target(view2)
        elif self.config.stop_gradient:
            t1, t2 = z1.detach(), z2.detach()
        else:
            t1, t2 = z1, z2
        if self.custom_loss is not None:
            loss = self.custom_loss(p1, p2, *((t1, t2) if self.target is not None else (z1, z2)))
        else:
            loss = self.symmetric_loss(p1, p2, t1, t2)
        return StepOutput(loss, z1.detach(), z2.detach())

    def symmetric_loss(self, p1, p2, t1, t2) -> torch.Tensor:
        """1/2 [L(p1, t2) + L(p2, t1)]: each view predicts the other's target."""
        return 0.5 * (self.loss_fn(p1, t2) + self.loss_fn(p2, t1))

    def predictor_matrix(self) -> torch.Tensor | None:
        """The d x d matrix of a linear head (linear, identity_offdiag, directpred/copy), else None."""
        weight = getattr(self.predictor, "weight", None)
        if torch.is_tensor(weight) and weight.ndim == 2 and weight.shape[0] == weight.shape[1]:
            return weight.detach()
        return None

    def parameter_groups(self, weight_decay: float) -> list[dict]:
        """Encoder and predictor as separate optimiser groups (``lr_scale`` multiplies the base lr)."""
        encoder = [p for p in (*self.backbone.parameters(), *self.projector.parameters()) if p.requires_grad]
        groups = [{"params": encoder, "weight_decay": weight_decay, "lr_scale": 1.0}]
        predictor = [p for p in self.predictor.parameters() if p.requires_grad]
        if predictor:
            wd = weight_decay if self.config.predictor_weight_decay is None else self.config.predictor_weight_decay
            groups.append({"params": predictor, "weight_decay": wd, "lr_scale": self.config.predictor_lr_multiplier})
        return groups

    def ema_momentum(self, step: int, total_steps: int) -> float:
        return ema_momentum(step, total_steps, self.config.ema)

    @torch.no_grad()
    def after_optimizer_step(self, output: StepOutput, step: int, total_steps: int) -> None:
        """Work done after each optimiser step: EMA target update, direct predictor update."""
        if self.target is not None:
            online = nn.Sequential(self.backbone, self.projector)
            update_target = self.custom_ema_update or ema_update
            update_target(list(self.target.parameters()), list(online.parameters()), self.ema_momentum(step, total_steps))
            for t, o in zip(self.target.buffers(), online.buffers()):
                t.copy_(o)  # BatchNorm statistics follow the online network
        update = getattr(self.predictor, "update", None)
        if callable(update):
            update(torch.cat([output.z1, output.z2]).float())

