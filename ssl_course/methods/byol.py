"""BYOL (Grill et al. 2020): predict an EMA target network's projection.

The online branch has a predictor; the target branch is an exponential moving
average of the online backbone + projector (momentum 0.996 -> 1, cosine) and gets
no gradient. Loss: ``losses.byol_loss`` (2 - 2 cos), symmetric over view orders.
"""
from __future__ import annotations

from ssl_course.losses import byol_loss
from ssl_course.methods.base import MethodConfig, SiameseMethod


class BYOL(SiameseMethod):
    name = "byol"
    defaults = MethodConfig(stop_gradient=True, predictor="mlp", ema=0.996)

    def loss_fn(self, p, z):
        return byol_loss(p, z)
