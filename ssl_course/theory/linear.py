"""Linear-network dynamics of non-contrastive learning (Tian, Chen & Ganguli, ICML 2021).

Model: online encoder W (n2 x n1), linear predictor W_p (n2 x n2), target W_a; data
covariance X = E[x x^T], augmentation covariance X' (sigma^2 I by default). The loss
1/2 E||W_p W x1 - sg(W_a x2)||^2 with weight decay eta gives the gradient flow

    dW_p/dt = alpha_p (-W_p W (X + X') + W_a X) W^T - eta W_p
    dW/dt   = W_p^T (-W_p W (X + X') + W_a X) - eta W
    dW_a/dt = beta (W - W_a)                     (EMA target; without EMA W_a = tau W)

Without the stop-gradient (sg) the target branch W_a = W also receives gradient,
adding (W_p W X - W (X + X')) to dW/dt; then every direction decays and the
representation collapses.

Eigen-alignment: with F = W X W^T, a learned W_p comes to share F's eigenvectors
(``commutator_norm(F, W_p)`` decays). In an aligned eigenmode with F eigenvalue s,
predictor eigenvalue p, X = I, X' = sigma^2 I and W_a = tau W:

    dp/dt = alpha_p s [tau - (1 + sigma^2) p] - eta p
    ds/dt = 2 p s [tau - (1 + sigma^2) p] - 2 eta s

and c = (s - p^2 / alpha_p) e^{2 eta t} is conserved (``invariant``). On the
parabola s = p^2 (alpha_p = 1) the flow is dp/dt = p^2 [tau - (1+sigma^2) p] - eta p with
fixed points 0 (stable), p*- (unstable: the edge of the collapse basin) and p*+ (stable)

    p*+- = [tau +- sqrt(tau^2 - 4 eta (1 + sigma^2))] / (2 (1 + sigma^2)),

and none but 0 when eta > tau^2 / (4 (1 + sigma^2)): too much weight decay collapses
every mode. DirectPred sets W_p from F directly (``predictor="directpred"``).

Example:
    >>> [round(p, 4) for p in fixed_points(tau=1.0, sigma2=0.5, eta=0.05)]
    [0.0544, 0.6122]
    >>> fixed_points(tau=1.0, sigma2=0.5, eta=0.2) is None
    True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ssl_course.metrics import commutator_norm as _commutator_norm

PREDICTOR_MODES = ("learned", "fixed", "directpred")


def commutator_norm(F: np.ndarray, W_p: np.ndarray) -> float:
    """||F W_p - W_p F||_F / (||F||_F ||W_p||_F): 0 when F and W_p share eigenvectors."""
    import torch

    return _commutator_norm(torch.as_tensor(np.asarray(F)), torch.as_tensor(np.asarray(W_p)))


def fixed_points(tau: float = 1.0, sigma2: float = 0.5, eta: float = 0.05) -> tuple[float, float] | None:
    """(p*-, p*+) of dp/dt = p^2 [tau - (1+sigma^2) p] - eta p, or None when every mode collapses."""
    disc = tau**2 - 4 * eta * (1 + sigma2)
    if disc < 0:
        return None
    root = float(np.sqrt(disc))
    return (tau - root) / (2 * (1 + sigma2)), (tau + root) / (2 * (1 + sigma2))


def mode_velocity(p, s, tau: float = 1.0, sigma2: float = 0.5, eta: float = 0.05, alpha_p: float = 1.0):
    """(dp/dt, ds/dt) of aligned eigenmodes (arrays broadcast)."""
    gap = tau - (1 + sigma2) * np.asarray(p, dtype=float)
    return alpha_p * s * gap - eta * p, 2 * p * s * gap - 2 * eta * s


def _rk4(f, y, dt):
    k1 = f(y)
    k2 = f([a + dt / 2 * b for a, b in zip(y, k1)])
    k3 = f([a + dt / 2 * b for a, b in zip(y, k2)])
    k4 = f([a + dt * b for a, b in zip(y, k3)])
    return [a + dt / 6 * (b + 2 * c + 2 * d + e) for a, b, c, d, e in zip(y, k1, k2, k3, k4)]


def simulate_modes(p0, s0, t_end: float = 50.0, dt: float = 0.01, tau: float = 1.0, sigma2: float = 0.5,
                   eta: float = 0.05, alpha_p: float = 1.0, record_every: int = 10, velocity_fn=None):
    """Integrate many independent modes (RK4). Returns times (T,), p (T, M), s (T, M).

    ``velocity_fn``: a learner's ``mode_velocity`` (same arguments) in place of the package's.
    """
    y = [np.atleast_1d(np.asarray(p0, dtype=float)).copy(), np.atleast_1d(np.asarray(s0, dtype=float)).copy()]
    if y[0].shape != y[1].shape:
        raise ValueError(f"p0 and s0 must have the same shape, got {y[0].shape} and {y[1].shape}")
    if (y[1] < 0).any():
        raise ValueError("s0 (eigenvalues of a correlation matrix) must be >= 0")
    steps = int(round(t_end / dt))
    times, ps, ss = [0.0], [y[0].copy()], [y[1].copy()]
    rule = velocity_fn or mode_velocity
    velocity = lambda v: [np.asarray(x, dtype=float) for x in rule(v[0], v[1], tau, sigma2, eta, alpha_p)]  # noqa: E731
    for k in range(1, steps + 1):
        y = _rk4(velocity, y, dt)
        if k % record_every == 0 or k == steps:
            times.append(k * dt), ps.append(y[0].copy()), ss.append(y[1].copy())
    return np.array(times), np.array(ps), np.array(ss)


def invariant(p, s, t, alpha_p: float = 1.0, eta: float = 0.05):
    """c = (s - p^2 / alpha_p) e^{2 eta t}, constant along every mode trajectory."""
    return (np.asarray(s) - np.asarray(p) ** 2 / alpha_p) * np.exp(2 * eta * np.asarray(t))


@dataclass
class Trajectory:
    """A simulated run: arrays indexed by recorded time."""

    times: np.ndarray  # (T,)
    W: np.ndarray  # (T, n2, n1)
    W_p: np.ndarray  # (T, n2, n2)
    W_a: np.ndarray  # (T, n2, n1)
    F: np.ndarray  # (T, n2, n2), F = W X W^T

    def commutators(self) -> np.ndarray:
        return np.array([commutator_norm(F, P) for F, P in zip(self.F, self.W_p)])

    def eigenvalues(self) -> tuple[np.ndarray, np.ndarray]:
        """Eigenvalues of F (descending) and the predictor's Rayleigh quotients along them, per time."""
        s_all, p_all = [], []
        for F, P in zip(self.F, self.W_p):
            s, u = np.linalg.eigh(F)
            s, u = s[::-1], u[:, ::-1]
            s_all.append(s), p_all.append(np.einsum("ij,ik,kj->j", u, P, u))
        return np.array(s_all), np.array(p_all)


def balanced_predictor(F: np.ndarray, alpha_p: float = 1.0) -> np.ndarray:
    """The predictor on the balanced manifold: same eigenvectors as F, p_j = sqrt(alpha_p s_j)."""
    s, u = np.linalg.eigh((F + F.T) / 2)
    return (u * np.sqrt(alpha_p * np.clip(s, 0, None))) @ u.T


def simulate(W0: np.ndarray, W_p0: np.ndarray, X: np.ndarray | None = None, X_aug: np.ndarray | None = None, *,
             sigma2: float = 0.5, eta: float = 0.05, alpha_p: float = 1.0, beta: float | None = None, tau: float = 1.0,
             stop_gradient: bool = True, predictor: str = "learned", t_end: float = 50.0, dt: float = 0.01,
             record_every: int = 10) -> Trajectory:
    """Integrate the full matrix system with RK4 (see the module docstring).

    ``beta``: EMA rate of the target (None: no EMA, W_a = tau W). ``predictor``: "learned"
    (gradient flow), "fixed" (W_p stays W_p0) or "directpred" (W_p = F^{1/2}, i.e.
    ``balanced_predictor``). ``stop_gradient=False`` lets the target branch W_a = W get gradient.
    """
    W0, W_p0 = np.asarray(W0, dtype=float), np.asarray(W_p0, dtype=float)
    n2, n1 = W0.shape
    if W_p0.shape != (n2, n2):
        raise ValueError(f"W_p0 must be {n2}x{n2} for W0 of shape {W0.shape}, got {W_p0.shape}")
    if predictor not in PREDICTOR_MODES:
        raise ValueError(f"unknown predictor {predictor!r}; valid: {', '.join(PREDICTOR_MODES)}")
    if beta is not None and not stop_gradient:
        raise ValueError("without stop-gradient the target is the online W itself: use beta=None")
    if eta < 0 or alpha_p <= 0 or dt <= 0 or (beta is not None and beta <= 0):
        raise ValueError("need eta >= 0, alpha_p > 0, dt > 0 and beta > 0 (or None)")
    X = np.eye(n1) if X is None else np.asarray(X, dtype=float)
    X_aug = sigma2 * np.eye(n1) if X_aug is None else np.asarray(X_aug, dtype=float)
    X_views = X + X_aug  # E[x1 x1^T]; E[x1 x2^T] = X

    def velocity(y):
        W, W_p, W_a = y
        if predictor == "directpred":
            W_p = balanced_predictor(W @ X @ W.T, alpha_p)
        target = W_a if beta is not None else tau * W
        residual = -W_p @ W @ X_views + target @ X  # minus dL/d(W_p W), as an n2 x n1 matrix
        dW = W_p.T @ residual - eta * W
        if not stop_gradient:
            dW = dW + tau * (W_p @ W @ X - tau * W @ X_views)
        dW_p = alpha_p * residual @ W.T - eta * W_p if predictor == "learned" else np.zeros_like(W_p)
        dW_a = beta * (W - W_a) if beta is not None else np.zeros_like(W_a)
        return [dW, dW_p, dW_a]

    y = [W0.copy(), W_p0.copy(), W0.copy() if beta is not None else tau * W0]
    record = {"times": [], "W": [], "W_p": [], "W_a": [], "F": []}

    def keep(t, y):
        W, W_p, W_a = y
        F = W @ X @ W.T
        if predictor == "directpred":
            W_p = balanced_predictor(F, alpha_p)
        if beta is None:
            W_a = tau * W
        for key, value in zip(record, (t, W, W_p, W_a, F)):
            record[key].append(np.array(value, copy=True))

    keep(0.0, y)
    steps = int(round(t_end / dt))
    for k in range(1, steps + 1):
        y = _rk4(velocity, y, dt)
        if not all(np.isfinite(a).all() for a in y):
            raise FloatingPointError(f"the simulation diverged at t = {k * dt:.3g}: lower dt or the learning rates")
        if k % record_every == 0 or k == steps:
            keep(k * dt, y)
    return Trajectory(**{key: np.array(value) for key, value in record.items()})


# (p, s) starts off the parabola, as fractions of the plotted box: one far below it that falls into the
# collapse basin although p starts well above p*-, one far above it that escapes although p < p*-
OFF_PARABOLA_STARTS = ((0.2, 1e-5 / 1.2), (0.03, 0.25), (0.9, 0.05))


def plot_phase_portrait(tau: float = 1.0, sigma2: float = 0.5, eta: float = 0.05, alpha_p: float = 1.0,
                        p_max: float = 1.0, ax=None, trajectories: int = 8, off_parabola: bool = True):
    """The (p, s) flow of one eigenmode: streamlines, the balanced parabola s = p^2/alpha_p,
    fixed points p*-+ and the collapse basin p < p*- (shaded); trajectories from the parabola (blue)
    and, with ``off_parabola``, from ``OFF_PARABOLA_STARTS`` (orange; a red cross where one collapses)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4), dpi=80)
    s_max = p_max**2 / alpha_p * 1.2
    p, s = np.meshgrid(np.linspace(1e-3, p_max, 40), np.linspace(1e-3, s_max, 40))
    dp, ds = mode_velocity(p, s, tau, sigma2, eta, alpha_p)
    ax.streamplot(p, s, dp, ds, color=np.hypot(dp, ds), cmap="Greys", density=0.9, linewidth=0.7, arrowsize=0.8)
    grid = np.linspace(0, p_max, 200)
    ax.plot(grid, grid**2 / alpha_p, "k--", lw=1, label=r"$s = p^2/\alpha_p$ (c = 0)")
    points = fixed_points(tau, sigma2, eta) if alpha_p == 1 else None
    if points is not None:
        low, high = points
        ax.axvspan(0, low, color="tab:red", alpha=0.15, label=rf"collapse basin $p < p^*_- = {low:.3f}$")
        ax.plot([low], [low**2], "o", mfc="white", mec="tab:red", ms=8, label=r"$p^*_-$ (unstable)")
        ax.plot([high], [high**2], "o", color="tab:green", ms=8, label=rf"$p^*_+ = {high:.3f}$ (stable)")
    elif alpha_p == 1:
        ax.set_title(r"$\eta > \tau^2 / 4(1+\sigma^2)$: every mode collapses", fontsize=9)
    starts = np.linspace(0.02, p_max * 0.95, trajectories)
    _, ps, ss = simulate_modes(starts, starts**2 / alpha_p, t_end=60, dt=0.02, tau=tau, sigma2=sigma2, eta=eta,
                               alpha_p=alpha_p)
    ax.plot(ps, ss, color="tab:blue", lw=1.2, alpha=0.8)
    if off_parabola:  # starts off the parabola: the strip p < p*- is the basin only on it
        p0, s0 = (np.array(OFF_PARABOLA_STARTS) * [p_max, s_max]).T
        _, ps, ss = simulate_modes(p0, s0, t_end=150, dt=0.02, tau=tau, sigma2=sigma2, eta=eta, alpha_p=alpha_p)
        lines = ax.plot(ps, ss, color="tab:orange", lw=1.4)
        lines[0].set_label("starts off the parabola")
        ax.plot(p0, s0, "o", color="tab:orange", ms=4)
        ends = ss[-1] > 1e-3
        ax.plot(ps[-1, ~ends], ss[-1, ~ends], "x", color="tab:red", ms=9, mew=2, label="collapsed (s -> 0)")
    ax.set(xlim=(0, p_max), ylim=(0, s_max), xlabel="predictor eigenvalue p", ylabel="feature eigenvalue s")
    ax.legend(fontsize=7, loc="upper left")
    return ax


def plot_eigenvalues(trajectory: Trajectory, axes=None):
    """Eigenvalues of F and of W_p (along F's eigenvectors) over time, and the commutator norm."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(11, 3), dpi=80)
    s, p = trajectory.eigenvalues()
    axes[0].plot(trajectory.times, s)
    axes[0].set(xlabel="t", ylabel="eigenvalues s_j of F", title="features")
    axes[1].plot(trajectory.times, p)
    axes[1].set(xlabel="t", ylabel="p_j = u_j^T W_p u_j", title="predictor")
    axes[2].semilogy(trajectory.times, trajectory.commutators())
    axes[2].set(xlabel="t", ylabel="||[F, W_p]|| / (||F|| ||W_p||)", title="eigen-alignment")
    axes[0].figure.tight_layout()
    return axes


def explore(eta: float = 0.05, sigma2: float = 0.5, alpha_p: float = 1.0, beta: float | None = 1.0, seed: int = 0,
            n1: int = 10, n2: int = 6, t_end: float = 40.0) -> dict:
    """What the notebook's sliders show: one random start of the full system and its outcome.

    Returns the trajectory, the fixed points (for alpha_p = 1), the final feature and predictor
    eigenvalues, how many modes survive (s > 1e-3) and the final commutator. About 0.3 s.
    """
    rng = np.random.default_rng(seed)
    W0, W_p0 = rng.normal(size=(n2, n1)) * 0.4, rng.normal(size=(n2, n2)) * 0.2
    trajectory = simulate(W0, W_p0, sigma2=sigma2, eta=eta, alpha_p=alpha_p, beta=beta, t_end=t_end, dt=0.02,
                          record_every=20)
    s, p = trajectory.eigenvalues()
    return {"trajectory": trajectory, "fixed_points": fixed_points(1.0, sigma2, eta) if alpha_p == 1 else None,
            "s": s[-1], "p": p[-1], "surviving_modes": int((s[-1] > 1e-3).sum()),
            "commutator": float(trajectory.commutators()[-1])}


EXPLORER_CASES = {  # the slider settings worth a look, for a static figure (GitHub, PDF)
    "the default: eta = 0.05": dict(eta=0.05),
    "weight decay above tau^2/4(1+sigma^2): all collapse": dict(eta=0.2),
    "stronger augmentation, sigma^2 = 1.5: a wider basin": dict(sigma2=1.5),
    "a slower predictor, alpha_p = 0.5": dict(alpha_p=0.5),
}


def plot_explorer_cases(cases: dict | None = None):
    """The explorer's main cases side by side as phase portraits, for readers without a live kernel."""
    import matplotlib.pyplot as plt

    cases = cases or EXPLORER_CASES
    fig, axes = plt.subplots(1, len(cases), figsize=(4.2 * len(cases), 3.8), dpi=80, squeeze=False)
    for ax, (title, settings) in zip(axes[0], cases.items()):
        plot_phase_portrait(**settings, ax=ax, trajectories=6)
        ax.set_title(title, fontsize=8)
        ax.legend(fontsize=6, loc="upper left")
    fig.tight_layout()
    return fig


def plot_explorer(eta: float = 0.05, sigma2: float = 0.5, alpha_p: float = 1.0, beta: float = 1.0, seed: int = 0):
    """The widget's figure: the (p, s) phase portrait next to the eigenvalues of one simulated run.

    ``beta <= 0`` means no EMA (the target is the online W itself).
    """
    import matplotlib.pyplot as plt

    result = explore(eta, sigma2, alpha_p, beta if beta > 0 else None, seed)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    plot_phase_portrait(1.0, sigma2, eta, alpha_p, ax=axes[0], trajectories=6)
    s, p = result["trajectory"].eigenvalues()
    axes[1].plot(result["trajectory"].times, s)
    axes[1].set(xlabel="t", title=f"eigenvalues of F: {result['surviving_modes']} modes survive")
    axes[2].plot(result["trajectory"].times, p)
    axes[2].set(xlabel="t", title="predictor eigenvalues p_j")
    fig.tight_layout()
    return fig, result
