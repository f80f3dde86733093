"""SimSiam (Chen & He 2021): BYOL without the EMA target; the stop-gradient alone
keeps the two branches from collapsing to a constant.

    L = 1/2 D(p1, stopgrad(z2)) + 1/2 D(p2, stopgrad(z1)),   D = ``losses.negative_cosine``

stopgrad is ``SiameseMethod.targets`` with ``stop_gradient`` on (SimSiam's default):
z.detach(), a constant of the step. Switch it off (``stop_gradient=False``) and the
network collapses within a few hundred steps (notebook 03).

The projector has 3 layers with BN on its output (no affine), as in the paper.
"""
from __future__ import annotations

from ssl_course.losses import negative_cosine
from ssl_course.methods.base import MethodConfig, SiameseMethod
from ssl_course.models import projection_mlp


class SimSiam(SiameseMethod):
    name = "simsiam"
    defaults = MethodConfig(stop_gradient=True, predictor="mlp", ema=0.0)

    def build_projector(self, in_dim, config):
        return projection_mlp(in_dim, config.proj_hidden_dim, config.proj_dim, num_layers=3, last_batch_norm=True)

    def loss_fn(self, p, z):
        return negative_cosine(p, z)
