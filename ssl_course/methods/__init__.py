"""Self-supervised methods, one file each, on one shared base (``methods.base``)."""
from ssl_course.methods.base import MethodConfig, SiameseMethod, StepOutput
from ssl_course.methods.byol import BYOL
from ssl_course.methods.simclr import SimCLR
from ssl_course.methods.simsiam import SimSiam

METHODS = {cls.name: cls for cls in (SimCLR, BYOL, SimSiam)}


def build_method(name: str, backbone, config: MethodConfig | None = None, **hooks) -> SiameseMethod:
    """``name`` in METHODS (simclr, byol, simsiam); ``hooks`` (``loss``, ``predictor_weight``, BYOL's
    ``ema_update``, each ``None`` or a learner's function) are given to the method when it is built."""
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; valid: {', '.join(METHODS)}")
    return METHODS[name](backbone, config, **hooks)


__all__ = ["BYOL", "METHODS", "MethodConfig", "SiameseMethod", "SimCLR", "SimSiam", "StepOutput", "build_method"]
