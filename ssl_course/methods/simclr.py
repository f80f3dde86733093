"""SimCLR (Chen et al. 2020): contrastive learning with the InfoNCE / NT-Xent loss.

Negatives (the other 2N - 2 views in the batch) push representations apart, so
SimCLR needs neither a predictor nor a stop-gradient. Loss: ``losses.info_nce``.

Example:
    >>> import torch
    >>> from ssl_course.models import build_backbone
    >>> method = SimCLR(build_backbone("convnet", 32, width=8))
    >>> out = method.training_step(torch.randn(4, 3, 32, 32), torch.randn(4, 3, 32, 32))
    >>> out.loss.ndim, method.config.stop_gradient, method.config.predictor
    (0, False, 'none')
"""
from __future__ import annotations

from ssl_course.losses import info_nce
from ssl_course.methods.base import MethodConfig, SiameseMethod


class SimCLR(SiameseMethod):
    name = "simclr"
    defaults = MethodConfig(stop_gradient=False, predictor="none", ema=0.0)

    def loss_fn(self, p, z):
        return info_nce(p, z, self.config.temperature)

    def symmetric_loss(self, p1, p2, t1, t2):
        if self.config.stop_gradient:  # an ablation: each view's gradient comes from its own term
            return super().symmetric_loss(p1, p2, t1, t2)
        return self.loss_fn(p1, t2)  # InfoNCE over all 2N anchors is symmetric already: once is enough
