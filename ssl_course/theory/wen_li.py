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

What happens with the head (``detect_phases``):
    (1) learning: neuron 1 (the head start) aligns with v_1;
    (2) substitution: E_21 grows to about 0.7: neuron 1's clean v_1 signal stands in for the v_1
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


def onset(config: WenLiConfig) -> float:
    """An alignment twice a random direction's (1/sqrt(d)): a neuron has started to learn a feature."""
    return 2 / math.sqrt(config.dim)


@dataclass
class Phases:
    """Steps at which each phase starts (None: it did not happen within the run)."""

    strong_neuron: int | None  # the neuron that learned v_1 first
    learned_strong: int | None  # (1) its |<w_i, v_1>| / ||w_i|| crosses ``onset`` (2 / sqrt(d))
    substitution: int | None  # (2) from (1) on, |E_ji| (neuron i's output in neuron j's prediction) > ``head_threshold``
    acceleration: int | None  # (3) another neuron's |<w_j, v_2>| / ||w_j|| crosses ``onset``
    head_returns: int | None  # (4) after (3), |E_ji| falls below half of its peak

    @property
    def in_order(self) -> bool:
        """All four phases happened as separate events, in the order the paper describes."""
        times = [self.learned_strong, self.substitution, self.acceleration, self.head_returns]
        return None not in times and all(a < b for a, b in zip(times, times[1:]))


def detect_phases(history: History, threshold: float | None = None, head_threshold: float = 0.3) -> Phases:
    """Find the four phases in a ``History`` (see the module docstring and ``Phases``).

    ``threshold``: the alignment at which a neuron counts as learning a feature (default ``onset``,
    2 / sqrt(d) = 0.35 for d = 32, far above the plateau of 0.2 on which the second neuron waits);
    ``head_threshold``: 0.3, under half of the 0.7-0.8 the substituting entry reaches in this setting
    and far above the 0.05 that the other entry drifts to.
    """
    threshold = onset(history.config) if threshold is None else threshold
    a, E, steps = np.abs(history.alignment), history.head, history.steps

    def first(mask: np.ndarray, after: int = 0) -> int | None:
        hits = np.nonzero(mask[after:])[0]
        return int(after + hits[0]) if len(hits) else None

    crossings = [first(a[:, i, 0] > threshold) for i in range(a.shape[1])]
    if all(c is None for c in crossings):
        return Phases(None, None, None, None, None)
    strong = min((c, i) for i, c in enumerate(crossings) if c is not None)[1]
    learned = crossings[strong]
    others = [j for j in range(a.shape[1]) if j != strong]
    # the entry through which the strong neuron stands in for another one, (E f)_j += E_ji f_i
    entry = np.abs(E[:, others, strong]).max(axis=1)
    substitution = first(entry > head_threshold, after=learned)  # counted once v_1 is there to substitute
    acceleration = first(a[:, others, 1].max(axis=1) > threshold, after=learned)
    head_returns = None
    if acceleration is not None and substitution is not None:
        peak = entry[: acceleration + 1].max()
        head_returns = first(entry < peak / 2, after=acceleration)
    as_step = lambda i: None if i is None else int(steps[i])  # noqa: E731
    return Phases(strong, as_step(learned), as_step(substitution), as_step(acceleration), as_step(head_returns))


@dataclass
class SeedOutcome:
    """What one seed's run ended with (``seed_table``)."""

    seed: int
    v2_learned: bool  # some neuron ends with |alignment with v_2| > learned
    one_neuron_per_feature: bool  # one neuron on v_1 and off v_2, another on v_2 and off v_1
    phases_in_order: bool  # ``detect_phases(...).in_order``
    v2_step: int | None  # first recorded step at which v_2 is learned


LEARNED, OFF = 0.6, 0.3  # final alignment: on a feature above 0.6, off it below 0.3


def one_per_feature(final: np.ndarray) -> bool:
    """(neurons, 2) final |alignments|: a neuron on v_1 and off v_2, and another on v_2 and off v_1."""
    on_v1 = [i for i in range(len(final)) if final[i, 0] > LEARNED and final[i, 1] < OFF]
    on_v2 = [j for j in range(len(final)) if final[j, 1] > LEARNED and final[j, 0] < OFF]
    return any(i != j for i in on_v1 for j in on_v2)


def outcome(history: History, seed: int) -> SeedOutcome:
    a = np.abs(history.alignment)
    hits = np.nonzero(a[:, :, 1].max(axis=1) > LEARNED)[0]
    return SeedOutcome(seed, bool((a[-1, :, 1] > LEARNED).any()), one_per_feature(a[-1]),
                       detect_phases(history).in_order, int(history.steps[hits[0]]) if len(hits) else None)


def seed_runs(seeds, heads=HEADS, steps: int = 4000, config: WenLiConfig | None = None,
              record_every: int = 10) -> dict[str, list[History]]:
    """Every head on every seed, all side by side in one ``run_seeds``: per head, one ``History`` per seed."""
    seeds, heads = list(seeds), list(heads)
    histories = run_seeds([head for head in heads for _ in seeds], steps, seeds * len(heads), config, record_every)
    return {head: histories[k * len(seeds) : (k + 1) * len(seeds)] for k, head in enumerate(heads)}


def seed_table(seeds, heads=HEADS, steps: int = 4000, config: WenLiConfig | None = None,
               record_every: int = 10, runs: dict[str, list[History]] | None = None) -> dict[str, list[SeedOutcome]]:
    """Per head, one ``SeedOutcome`` per seed: of ``runs`` (``seed_runs``' output) if given, else of new runs.

    ``identity_fixed`` and ``none`` train the very same function (E = I maps h to h and has no
    parameter), so passing one of them is enough.
    """
    seeds = list(seeds)
    runs = runs if runs is not None else seed_runs(seeds, heads, steps, config, record_every)
    return {head: [outcome(history, seed) for seed, history in zip(seeds, histories)] for head, histories in runs.items()}


def format_seed_table(table: dict[str, list[SeedOutcome]]) -> str:
    """Per head: seeds where v_2 is learned, with one neuron per feature, and with the phases in order."""
    lines = [f"{'head':<15} {'v2 learned':<30} {'one neuron/feature':<30} phases in order"]
    for head, rows in table.items():
        def cell(flag):
            hits = [r.seed for r in rows if getattr(r, flag)]
            return f"{len(hits)}/{len(rows)} {hits}"
        lines.append(f"{head:<15} {cell('v2_learned'):<30} {cell('one_neuron_per_feature'):<30} {cell('phases_in_order')}")
    return "\n".join(lines)


@dataclass
class OutcomeMap:
    """``outcome_map``'s result: per head, whether each starting point ends with one neuron per feature."""

    v1: np.ndarray  # (n,) neuron 2's initial <w_2, v_1> in units of 1/sqrt(d)
    v2: np.ndarray  # (n,) the same for v_2
    separated: dict[str, np.ndarray]  # head -> (len(v2), len(v1)) booleans


def outcome_map(v1=np.linspace(0.25, 2.0, 8), v2=np.linspace(0.25, 2.0, 8), heads=("offdiag", "none"),
                steps: int = 4000, seed: int = 0, config: WenLiConfig | None = None) -> OutcomeMap:
    """Where the head decides the outcome: over a grid of neuron 2's initial overlaps with v_1 and v_2
    (neuron 1 keeps its head start, the rest of the initialisation is ``seed``'s), does the run end
    with one neuron per feature, with and without the trainable head? One batched run for all."""
    config = config or WenLiConfig()
    v1, v2 = np.asarray(v1, dtype=float), np.asarray(v2, dtype=float)
    base = config.head_start or WenLiConfig().head_start
    starts = [initial_weights(config, seed, (base[0], (a, b)) + tuple(base[2:])) for b in v2 for a in v1]
    heads = list(heads)
    initial = torch.stack(starts * len(heads))
    histories = run_seeds([h for h in heads for _ in starts], steps, [seed] * len(initial), config,
                          record_every=steps, initial=initial)
    separated = {}
    for k, head in enumerate(heads):
        finals = [np.abs(h.alignment[-1]) for h in histories[k * len(starts) : (k + 1) * len(starts)]]
        separated[head] = np.array([one_per_feature(f) for f in finals]).reshape(len(v2), len(v1))
    return OutcomeMap(v1, v2, separated)


def plot_outcome_map(result: OutcomeMap, default=(1.0, 1.0), axes=None):
    """One panel per head: green where the run ends with one neuron per feature, grey where both end on v_1."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    heads = list(result.separated)
    if axes is None:
        _, axes = plt.subplots(1, len(heads), figsize=(3.4 * len(heads), 3.2), sharey=True, squeeze=False)
        axes = axes[0]
    step1, step2 = np.diff(result.v1).mean(), np.diff(result.v2).mean()
    extent = (result.v1[0] - step1 / 2, result.v1[-1] + step1 / 2, result.v2[0] - step2 / 2, result.v2[-1] + step2 / 2)
    for ax, head in zip(axes, heads):
        ax.imshow(result.separated[head], origin="lower", extent=extent, aspect="auto", vmin=0, vmax=1,
                  cmap=ListedColormap(["0.8", "tab:green"]))
        ax.plot(*default, marker="*", color="k", ms=10, label="default start")
        ax.set(title=f"head: {head}  ({result.separated[head].mean():.0%} separate)",
               xlabel="neuron 2's initial <w, v1> (x 1/sqrt(d))")
    axes[0].set_ylabel("neuron 2's initial <w, v2> (x 1/sqrt(d))")
    axes[0].legend(loc="upper right", fontsize=7)
    axes[0].figure.suptitle("green: one neuron per feature; grey: not (neuron 1 starts at 1.6, 1.0)", fontsize=8)
    axes[0].figure.tight_layout()
    return axes


def plot_seed_view(table: dict[str, list[SeedOutcome]], steps: int | None = None, ax=None):
    """Across seeds: the step at which v_2 is learned, per head (a strip plot; 'never' at the top)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3))
    never = steps or max((r.v2_step or 0 for rows in table.values() for r in rows), default=1) * 1.1 or 1
    for x, (head, rows) in enumerate(table.items()):
        ys = [never if r.v2_step is None else r.v2_step for r in rows]
        jitter = np.linspace(-0.15, 0.15, len(ys))
        ax.scatter(x + jitter, ys, color=f"C{x}", s=25, zorder=3)
    ax.axhline(never, color="0.6", ls=":", lw=1)
    ax.text(len(table) - 0.5, never, "never", va="bottom", ha="right", fontsize=8, color="0.4")
    ax.set_xticks(range(len(table)), list(table))
    ax.set(ylabel="step at which |<w, v2>| > 0.6", title="time to learn the weak feature, per seed")
    return ax


def plot_phases(histories: dict[str, History]):
    """One column per head: each neuron's feature alignment over time (top, phases marked) and the
    head's off-diagonal entries (bottom, their own axis)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(histories), figsize=(3.6 * len(histories), 4.6), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": [2, 1]})
    names = ["1 v1", "2 subst.", "3 accel.", "4 E back"]
    for column, (head, history) in enumerate(histories.items()):
        top, bottom = axes[0, column], axes[1, column]
        a = np.abs(history.alignment)
        m = a.shape[1]
        for i in range(m):
            for feature, style in ((0, "-"), (1, "--")):
                top.plot(history.steps, a[:, i, feature], style, color=f"C{i}", label=f"neuron {i + 1}, v{feature + 1}")
        for i in range(m):
            for j in range(m):
                if i != j:
                    bottom.plot(history.steps, history.head[:, i, j], color=f"C{j}", lw=1,
                                label=f"E_{i + 1}{j + 1} (neuron {j + 1} in {i + 1}'s prediction)")
        phases = detect_phases(history)
        times = [phases.learned_strong, phases.substitution, phases.acceleration, phases.head_returns]
        for k, (name, step) in enumerate(zip(names, times)):
            if step is not None:
                for panel in (top, bottom):
                    panel.axvline(step, color="0.7", ls=":", lw=1)
                top.text(step, 1.04 + 0.1 * k, name, fontsize=7, ha="left", va="bottom", color="0.3")  # staggered
        top.set(title=f"head: {head}", ylim=(0, 1.45))
        top.set_xscale("symlog", linthresh=100)  # the first phases take tens of steps, the last hundreds
        bottom.set(xlabel="step")
    axes[0, 0].set_ylabel("|<w_i, v_l>| / ||w_i||")
    axes[1, 0].set_ylabel("head entry")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    more = axes[1, 0].get_legend_handles_labels()
    fig.legend(handles + more[0], labels + more[1], loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig
