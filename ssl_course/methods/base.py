"""The one small base every method shares: a Siamese network with switches.

    view1, view2 --backbone--projector--> z1, z2 --predictor--> p1, p2
    t1, t2 = targets(view1, view2, z1, z2)         (what each prediction must match)
    loss = 1/2 [ L(p1, t2) + L(p2, t1) ]            (symmetric over view orders)

SimCLR, BYOL and SimSiam differ in the loss L, their projector, the default
switches and ``targets``. Here ``targets`` is the other view's online projection,
through the stop-gradient when it is on (SimSiam's default, Chen & He 2021; off for
SimCLR); ``BYOL`` overrides it with its EMA target network (``methods/byol.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

import torch
from torch import nn

from ssl_course.flags import setting, validate_fields
from ssl_course.models import Backbone, projection_mlp
from ssl_course.predictors import PREDICTORS, DirectPredictor, build_predictor


@dataclass(kw_only=True)
class MethodConfig:
    """A method's switches and sizes; ``None`` means "the method's default" (its ``defaults``).

    ``TrainConfig`` extends this class with the run's settings, so these defaults live here only.
    Each field carries its help text, choices and bounds (``ssl_course.flags.setting``).
    """

    stop_gradient: bool | None = setting(None, "stop-gradient on the targets (--no-stop-grad lets gradients flow into "
                                               "the target branch)", flag="--stop-grad")
    predictor: str | None = setting(None, "the prediction head", choices=PREDICTORS)
    predictor_lr_multiplier: float = setting(1.0, "the predictor's lr relative to the encoder's", above=0)
    predictor_fixed_lr: bool = setting(False, "keep the predictor's lr at its peak instead of decaying it (Chen & He's fix_lr)")
    predictor_weight_decay: float | None = setting(None, "the predictor's weight decay (None: the encoder's)", at_least=0)
    ema: float | None = setting(None, "BYOL's base EMA momentum (0: no target network; the other methods take 0 only)",
                                at_least=0, below=1)
    proj_hidden_dim: int = setting(512, "projector hidden width", at_least=1)
    proj_dim: int = setting(128, "projection (and predictor) dimension", at_least=1)
    pred_hidden_dim: int | None = setting(None, "mlp predictor hidden width (None: the method's default)", at_least=1)
    temperature: float = setting(0.1, "SimCLR's temperature", above=0)
    dp_rho: float = setting(0.3, "DirectPred/DirectCopy: running-average weight of the correlation", at_least=0, below=1)
    dp_eps: float = setting(0.1, "DirectPred/DirectCopy: added to every eigenvalue / the diagonal", at_least=0)
    dp_freq: int = setting(1, "DirectPred/DirectCopy: recompute the weight every N steps", at_least=1)

    def method_config(self) -> MethodConfig:
        """Just the method's fields (of a ``TrainConfig``, say), as a fresh ``MethodConfig``."""
        return MethodConfig(**{f.name: getattr(self, f.name) for f in fields(MethodConfig)})

    def validate(self, method: type[SiameseMethod]) -> None:
        """One-line errors for values ``method`` cannot train with: every field's choices and bounds,
        then the switches that must agree (``None``: the method's default)."""
        validate_fields(self)
        predictor, ema, stop_gradient = (getattr(self, key) if getattr(self, key) is not None else getattr(method.defaults, key)
                                         for key in ("predictor", "ema", "stop_gradient"))
        if ema > 0 and not method.has_target_network:
            raise ValueError(f"{method.name} has no EMA target network (ema must be 0); BYOL is the method with one")
        if ema > 0 and not stop_gradient:
            raise ValueError("without stop-gradient the online network is its own target: switch the EMA off (ema=0)")

    def predictor_options(self) -> dict:
        """Keyword arguments of the head: DirectPred/DirectCopy's rho, eps and freq; none for the others."""
        if self.predictor in DirectPredictor.MODES:
            return dict(rho=self.dp_rho, eps=self.dp_eps, freq=self.dp_freq)
        return {}


@dataclass
class StepOutput:
    loss: torch.Tensor
    z1: torch.Tensor  # online projections (detached), for the collapse monitor and DirectPred
    z2: torch.Tensor


class SiameseMethod(nn.Module):
    """Base class; subclasses set ``name``, ``defaults`` and ``loss_fn``, and may override
    ``build_projector``, ``targets`` and ``after_optimizer_step`` (BYOL, with ``has_target_network``)."""

    name = "base"
    defaults = MethodConfig(stop_gradient=True, predictor="mlp", ema=0.0)
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    has_target_network = False  # BYOL: an EMA copy of backbone + projector gives the targets

    def __init__(self, backbone: Backbone, config: MethodConfig | None = None, loss: Callable | None = None,
                 predictor_weight: Callable | None = None, ema_update: Callable | None = None):
        """``loss(p1, p2, z1, z2)``: a learner's whole loss in place of the method's; it gets the online
        projections with their gradient (or the EMA target's), so the stop-gradient is its job.
        ``predictor_weight(F, eps)``: a learner's W_p for DirectPred/DirectCopy; ``ema_update(target_params,
        online_params, m)``: a learner's update of BYOL's target network (``train``'s hooks)."""
        super().__init__()
        self.custom_loss = loss
        config = config.method_config() if config is not None else MethodConfig()
        for key in ("stop_gradient", "predictor", "ema"):
            if getattr(config, key) is None:
                setattr(config, key, getattr(self.defaults, key))
        config.validate(type(self))
        self.config = config
        if ema_update is not None and not (self.has_target_network and config.ema > 0):
            raise ValueError("ema_update updates BYOL's target network: it needs method='byol' with ema > 0")
        self.custom_ema_update = ema_update
        self.backbone = backbone
        self.projector = self.build_projector(backbone.feature_dim, config)
        self.predictor = build_predictor(config.predictor, config.proj_dim, config.pred_hidden_dim,
                                         **config.predictor_options(), rule=predictor_weight)

    def build_projector(self, in_dim: int, config: MethodConfig) -> nn.Module:
        return projection_mlp(in_dim, config.proj_hidden_dim, config.proj_dim, num_layers=2)

    def online(self, images: torch.Tensor) -> torch.Tensor:
        return self.projector(self.backbone(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Backbone features: what kNN and the linear probe evaluate."""
        return self.backbone(images)

    def targets(self, view1, view2, z1, z2, stop_gradient: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """What the predictions p1, p2 are compared with: the online projections z1, z2.

        With the stop-gradient they are constants of the step (``detach``): no gradient flows
        into the target branch, which is what keeps SimSiam from collapsing.
        """
        if stop_gradient:
            return z1.detach(), z2.detach()
        return z1, z2

    def training_step(self, view1: torch.Tensor, view2: torch.Tensor) -> StepOutput:
        z1, z2 = self.online(view1), self.online(view2)
        p1, p2 = self.predictor(z1), self.predictor(z2)
        if self.custom_loss is not None:  # a learner's loss gets z with its gradient: the stop-gradient is its job
            loss = self.custom_loss(p1, p2, *self.targets(view1, view2, z1, z2, stop_gradient=False))
        else:
            loss = self.symmetric_loss(p1, p2, *self.targets(view1, view2, z1, z2, self.config.stop_gradient))
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
        """Encoder and predictor as separate optimiser groups (``lr_scale`` multiplies the base lr;
        ``fixed_lr``: the group keeps the peak lr instead of following the schedule)."""
        encoder = [p for p in (*self.backbone.parameters(), *self.projector.parameters()) if p.requires_grad]
        groups = [{"params": encoder, "weight_decay": weight_decay, "lr_scale": 1.0}]
        predictor = [p for p in self.predictor.parameters() if p.requires_grad]
        if predictor:
            wd = weight_decay if self.config.predictor_weight_decay is None else self.config.predictor_weight_decay
            groups.append({"params": predictor, "weight_decay": wd, "lr_scale": self.config.predictor_lr_multiplier,
                           "fixed_lr": self.config.predictor_fixed_lr})
        return groups

    @torch.no_grad()
    def after_optimizer_step(self, output: StepOutput, step: int, total_steps: int) -> None:
        """Work done after each optimiser step: the direct predictor's update (BYOL adds its EMA)."""
        update = getattr(self.predictor, "update", None)
        if callable(update):
            update(torch.cat([output.z1, output.z2]).float())
