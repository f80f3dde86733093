"""Substitution and acceleration: why an identity-initialised prediction head helps (Wen & Li, NeurIPS 2022).

The setting (the paper's, as reconstructed in docs/theory.md; every assumption is a ``WenLiConfig`` field)
    * a view is P patches in R^d: one carries the sample's feature z * alpha_l * v_l (z = +-1; the
      strong v_1 with probability ``p_strong``, else the weak v_2; alpha = (1, 0.8)), the other P - 1
      are fresh Gaussian noise (std noise / sqrt(d) a coordinate); both views share the feature,
      not the noise;
    * m neurons (default 2), h_j(x) = sum_p sigma(<w_j, x_p>) with sigma(t) = t^3 (``"cubic"``);
    * online branch: the head first, F = E h(view1), then BatchNorm without affine, F~; target
      branch: the *same* weights, G~ = BN(h(view2)), behind a stop-gradient (no EMA, no head);
    * loss sum_k (1 - corr(F_k, G_k)), i.e. ||F~ - G~||^2 / 2 per sample, a correlation objective;
    * E = I + A: diagonal frozen at 1, off-diagonal A trainable from 0 (``head="offdiag"``, lr
      ``lr_head`` = 10 x ``lr``: the head is faster than the encoder); ``"identity_fixed"`` and
      ``"none"`` keep E = I;
    * initialisation w_j ~ N(0, I/d), then neuron j's overlaps with v_1, v_2 set to
      ``head_start[j]`` / sqrt(d): neuron 1 starts closer to v_1 (1.6 against 1.0), the paper's
      Phase-I assumption; a seed draws everything else.

Deterministic dynamics (``dynamics="expected"``, the default): gradient descent on the expected
loss, in closed form. With x = <w, xi> Gaussian, E[x_i^3 x_j^3] = 9 s_i^2 s_j^2 c_ij + 6 c_ij^3, so
the per-neuron covariances across views (signal only) and within a view (signal + noise) are
exact polynomials of W, and corr_k = (E C)_kk / sqrt((E S E^T)_kk Var G_k). Seeds then differ
only by their initialisation. ``dynamics="minibatch"`` samples ``batch_size`` views a step instead
(the same loss, with its noise); a test checks that its gradient averages to the closed form.

What happens with the head (``wen_li_phases.detect_phases``):
    (1) learning: neuron 1 (the head start) aligns with v_1;
    (2) substitution: E_21 grows to order one: neuron 1's clean v_1 signal stands in for the v_1
        part of neuron 2's prediction, so neuron 2 is no longer pulled towards v_1 and stalls;
    (3) acceleration: through BatchNorm, the v_2 part of neuron 2's gradient is no longer drowned by
        v_1: it leaves its plateau and learns v_2;
    (4) E returns to I once every neuron has its own feature.

With E fixed at I both neurons end on v_1 (partial collapse: v_2 never learned).

Example (a second):
    >>> history = run(head="offdiag", steps=50, seed=0)
    >>> history.alignment.shape  # (recorded steps, neurons, features)
    (51, 2, 2)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ssl_course.predictors import identity_plus_off_diagonal

HEADS = ("offdiag", "identity_fixed", "none")
POWERS = {"cubic": 3, "linear": 1}  # sigma(t) = t^power (odd: sign-symmetric features stay centred)
DYNAMICS = ("expected", "minibatch")


@dataclass
class WenLiConfig:
    """The setting and its optimiser (defaults: the paper's, reconstructed; see the module docstring)."""

    dim: int = 32
    patches: int = 4  # per view: one feature patch, patches - 1 noise patches
    alpha: tuple[float, float] = (1.0, 0.8)  # strong, weak feature amplitude
    p_strong: float = 0.5  # probability that a sample carries v_1 (else v_2)
    noise: float = 1.0  # a noise patch's norm, about (std noise / sqrt(d) a coordinate)
    neurons: int = 2
    activation: str = "cubic"
    # initial <w_j, v_1>, <w_j, v_2> in units of 1/sqrt(d), one row per neuron; None: all random
    head_start: tuple | None = ((1.6, 1.0), (1.0, 1.0))
    lr: float = 0.01
    lr_head: float = 0.1
    dynamics: str = "expected"
    batch_size: int = 256  # minibatch dynamics only

    def check(self) -> None:
        if self.activation not in POWERS:
            raise ValueError(f"unknown activation {self.activation!r}; valid: {', '.join(POWERS)}")
        if self.dynamics not in DYNAMICS:
            raise ValueError(f"unknown dynamics {self.dynamics!r}; valid: {', '.join(DYNAMICS)}")
        if not 0 < self.alpha[1] <= self.alpha[0]:
            raise ValueError(f"need 0 < alpha_2 <= alpha_1 (v_1 is the strong feature), got {self.alpha}")
        if self.head_start is not None and len(self.head_start) != self.neurons:
            raise ValueError(f"head_start needs one (v_1, v_2) overlap pair per neuron: {len(self.head_start)} "
                             f"pairs for {self.neurons} neurons")
        if self.patches < 2 or self.dim < 2:
            raise ValueError(f"need at least 2 patches and 2 dimensions, got {self.patches} and {self.dim}")


@dataclass
class History:
    """What ``run`` records, every ``record_every`` steps (first index: time)."""

    steps: np.ndarray  # (T,)
    alignment: np.ndarray  # (T, neurons, 2): <w_i, v_l> / ||w_i||
    head: np.ndarray  # (T, neurons, neurons): E
    loss: np.ndarray  # (T,)
    config: WenLiConfig = field(default_factory=WenLiConfig)
    head_kind: str = "offdiag"


def features(config: WenLiConfig) -> torch.Tensor:
    """v_1, v_2: the first two standard basis vectors of R^d (any orthonormal pair would do)."""
    return torch.eye(config.dim, dtype=torch.float64)[:2]


def initial_weights(config: WenLiConfig, seed: int, head_start=None) -> torch.Tensor:
    """(m, d) weights: N(0, I/d), then each neuron's overlaps with v_1, v_2 set to ``head_start`` / sqrt(d)."""
    generator = torch.Generator().manual_seed(int(seed))
    w = torch.randn(config.neurons, config.dim, generator=generator, dtype=torch.float64) / math.sqrt(config.dim)
    head_start = config.head_start if head_start is None else head_start
    if head_start is not None:
        w[:, :2] = torch.tensor(head_start, dtype=torch.float64) / math.sqrt(config.dim)
    return w


def _noise_covariance(w: torch.Tensor, config: WenLiConfig) -> torch.Tensor:
    """Cov of the noise patches' part of h_i, h_j: (P - 1) E[sigma(x_i) sigma(x_j)], x = <w, xi> Gaussian."""
    s2 = config.noise**2 / config.dim
    gram = w @ w.mT
    if POWERS[config.activation] == 1:
        return (config.patches - 1) * s2 * gram
    norms = torch.diagonal(gram, dim1=-2, dim2=-1)
    # E[x_i^3 x_j^3] = 9 Var x_i Var x_j Cov(x_i, x_j) + 6 Cov(x_i, x_j)^3 (Isserlis)
    return (config.patches - 1) * s2**3 * (9 * norms[..., :, None] * norms[..., None, :] * gram + 6 * gram**3)


def _signal_covariance(u: torch.Tensor, u_other: torch.Tensor, config: WenLiConfig) -> torch.Tensor:
    """Cov of the feature patch's part: sum_l P(l) alpha_l^(2k) u_il^k u_jl^k -> (..., i, j)."""
    k = POWERS[config.activation]
    weight = torch.tensor([config.p_strong * config.alpha[0] ** (2 * k), (1 - config.p_strong) * config.alpha[1] ** (2 * k)],
                          dtype=u.dtype)
    return torch.einsum("l,...il,...jl->...ij", weight, u**k, u_other**k)


def expected_loss(w: torch.Tensor, E: torch.Tensor, config: WenLiConfig) -> torch.Tensor:
    """The loss averaged over the data, in closed form: sum_k (1 - corr(F_k, G_k)); (..., m, d), (..., m, m) -> (...).

    The target's side (its weights in G) is detached: the stop-gradient.
    """
    target = w.detach()
    v = features(config)
    u, u_target = w @ v.T, target @ v.T
    cross = _signal_covariance(u_target, u, config)  # [k, m]: Cov(G_k, h_m): only the feature is shared by the views
    within = _signal_covariance(u, u, config) + _noise_covariance(w, config)  # Cov(h_i, h_j) in one view
    var_target = torch.diagonal(_signal_covariance(u_target, u_target, config) + _noise_covariance(target, config),
                                dim1=-2, dim2=-1)
    var_online = torch.diagonal(E @ within @ E.mT, dim1=-2, dim2=-1)
    corr = (E * cross).sum(-1) / torch.sqrt(var_online * var_target)
    return (1 - corr).sum(-1)


def sample_views(config: WenLiConfig, generator: torch.Generator, runs: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Two (runs, B, P, d) views: the same feature patch (first), fresh noise in the others."""
    B, P, d = config.batch_size, config.patches, config.dim
    strong = torch.rand(runs, B, generator=generator) < config.p_strong
    sign = torch.randint(0, 2, (runs, B), generator=generator).double() * 2 - 1
    v = features(config)
    feature = torch.where(strong[..., None], config.alpha[0] * v[0], config.alpha[1] * v[1]) * sign[..., None]
    views = []
    for _ in range(2):
        x = config.noise / math.sqrt(d) * torch.randn(runs, B, P, d, generator=generator, dtype=torch.float64)
        x[:, :, 0] = feature
        views.append(x)
    return views[0], views[1]


def neuron_outputs(w: torch.Tensor, x: torch.Tensor, config: WenLiConfig) -> torch.Tensor:
    """h(x): (..., B, P, d) views, (..., m, d) neurons -> (..., B, m), sigma summed over patches."""
    return (torch.einsum("...bpd,...md->...bpm", x, w) ** POWERS[config.activation]).sum(-2)


def batchnorm(f: torch.Tensor) -> torch.Tensor:
    """Centre and scale each neuron over the batch (dim -2), no affine parameters."""
    return (f - f.mean(-2, keepdim=True)) / (f.std(-2, unbiased=False, keepdim=True) + 1e-12)


def minibatch_loss(w: torch.Tensor, E: torch.Tensor, view1: torch.Tensor, view2: torch.Tensor,
                   config: WenLiConfig) -> torch.Tensor:
    """The same loss on one batch: sum_k (1 - mean_b BN(E h(view1))_bk stopgrad(BN(h(view2)))_bk)."""
    online = batchnorm(neuron_outputs(w, view1, config) @ E.mT)
    target = batchnorm(neuron_outputs(w.detach(), view2, config))
    return (1 - (online * target).mean(-2)).sum(-1)


def run(head: str = "offdiag", steps: int = 4000, seed: int = 0, config: WenLiConfig | None = None,
        record_every: int = 1, head_fn=None) -> History:
    """Train the toy network; record feature alignments, the head and the loss.

    ``head_fn(A)``: a learner's E = I + off-diagonal part of A, in place of ``identity_plus_off_diagonal``.
    """
    return run_seeds(head, steps, [seed], config, record_every, head_fn)[0]


def run_seeds(head="offdiag", steps: int = 4000, seeds=(0,), config: WenLiConfig | None = None,
              record_every: int = 1, head_fn=None, initial: torch.Tensor | None = None) -> list[History]:
    """``run`` for several seeds at once, trained side by side (one batched step for all).

    ``head``: one kind for every seed, or a list with one kind per seed. ``initial``: (runs, m, d)
    starting weights instead of the seeds' ``initial_weights`` (``outcome_map``). With minibatch
    dynamics each distinct seed draws its own batches, shared by its networks.
    """
    config = config or WenLiConfig()
    config.check()
    seeds = [int(seed) for seed in seeds]
    kinds = [head] * len(seeds) if isinstance(head, str) else list(head)
    if len(kinds) != len(seeds):
        raise ValueError(f"one head kind per seed: {len(kinds)} kinds for {len(seeds)} seeds")
    for kind in kinds:
        if kind not in HEADS:
            raise ValueError(f"unknown head {kind!r}; valid: {', '.join(HEADS)}")
    w = (initial.clone().double() if initial is not None
         else torch.stack([initial_weights(config, seed) for seed in seeds])).requires_grad_()
    m = config.neurons
    trainable = torch.tensor([kind == "offdiag" for kind in kinds], dtype=torch.float64)[:, None, None]
    off_diagonal = torch.zeros(len(seeds), m, m, dtype=torch.float64, requires_grad=True)
    distinct = list(dict.fromkeys(seeds))
    generators = [torch.Generator().manual_seed(1_000_003 + seed) for seed in distinct]  # the data's, not the init's
    index = torch.tensor([distinct.index(seed) for seed in seeds])
    v = features(config)
    rows = {"steps": [], "alignment": [], "head": [], "loss": []}

    for step in range(steps + 1):
        E = identity_plus_off_diagonal(off_diagonal) if head_fn is None else torch.stack([head_fn(a) for a in off_diagonal])
        if config.dynamics == "expected":
            loss = expected_loss(w, E, config)
        else:
            view1, view2 = (torch.cat(views)[index] for views in zip(*(sample_views(config, g) for g in generators)))
            loss = minibatch_loss(w, E, view1, view2, config)
        if step % record_every == 0 or step == steps:
            with torch.no_grad():
                rows["steps"].append(step)
                rows["alignment"].append((w @ v.T / w.norm(dim=-1, keepdim=True)).numpy().copy())
                rows["head"].append(E.detach().numpy().copy())
                rows["loss"].append(loss.detach().numpy().copy())
        if step == steps:
            break
        grad_w, grad_a = torch.autograd.grad(loss.sum(), [w, off_diagonal], allow_unused=True)
        with torch.no_grad():  # plain gradient descent; E = I + A stays I where the head is fixed
            w -= config.lr * grad_w
            if grad_a is not None:
                off_diagonal -= config.lr_head * grad_a * trainable
    alignment, heads, losses = (np.stack(rows[k], axis=1) for k in ("alignment", "head", "loss"))
    return [History(np.array(rows["steps"]), alignment[s], heads[s], losses[s], config, kinds[s]) for s in range(len(seeds))]
