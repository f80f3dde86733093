"""Linear-network dynamics of non-contrastive learning (Tian, Chen & Ganguli, ICML 2021).

Model: online encoder W (n2 x n1), linear predictor W_p (n2 x n2), target W_a; data
covariance X = E[x x^T], augmentation covariance X' (sigma^2 I by default). The loss
1/2 E||W_p W x1 - sg(W_a x2)||^2 with weight decay eta gives the gradient flow

    dW_p/dt = alpha_p (-W_p W (X + X') + W_a X) W^T - eta W_p
    dW/dt   = W_p^T (-W_p W (X + X') + W_a X) - eta W
    dW_a/dt = beta (W - W_a)                     (EMA target; without EMA W_a = tau W)

Without the stop-gradient (sg) the target branch W_a = W also receives gradient,
adding (W_p W X - W (X + X')) to dW/dt; then every direction decays and the
representation collapses: in an aligned mode (below) ds/dt = r s with
``no_stop_gradient_rate`` r = -2 [(p - tau)^2 + sigma^2 (p^2 + tau^2) + eta], negative for every p.

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
import torch

from ssl_course.metrics import commutator_norm

PREDICTOR_MODES = ("learned", "fixed", "directpred")


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


def no_stop_gradient_rate(p, tau: float = 1.0, sigma2: float = 0.5, eta: float = 0.05):
    """The rate r of ds/dt = r s in an aligned mode when the target branch (W_a = tau W) gets gradient too.

    The online term 2 p [tau - (1 + sigma^2) p] plus the target's own, 2 tau [p - tau (1 + sigma^2)],
    minus 2 eta: r = -2 [(p - tau)^2 + sigma^2 (p^2 + tau^2) + eta], below 0 for every gain p once the
    views differ (sigma^2 > 0) or there is weight decay. Both branches may shrink, and W = 0 matches
    perfectly, so every mode decays.

    >>> round(no_stop_gradient_rate(1.0, tau=1.0, sigma2=0.5, eta=0.05), 4)
    -2.1
    """
    return -2 * ((p - tau) ** 2 + sigma2 * (p**2 + tau**2) + eta)


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
        return np.array([commutator_norm(torch.as_tensor(F), torch.as_tensor(P)) for F, P in zip(self.F, self.W_p)])

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


def explore(eta: float = 0.05, sigma2: float = 0.5, alpha_p: float = 1.0, beta: float | None = 1.0, seed: int = 0,
            n1: int = 10, n2: int = 6, t_end: float = 40.0) -> dict:
    """What the notebook's sliders show: one random start of the full system and its outcome.

    Returns the trajectory, the fixed points (for alpha_p = 1), the final feature and predictor
    eigenvalues, how many modes survive (s > 1e-3) and the final commutator.
    """
    rng = np.random.default_rng(seed)
    W0, W_p0 = rng.normal(size=(n2, n1)) * 0.4, rng.normal(size=(n2, n2)) * 0.2
    trajectory = simulate(W0, W_p0, sigma2=sigma2, eta=eta, alpha_p=alpha_p, beta=beta, t_end=t_end, dt=0.02,
                          record_every=20)
    s, p = trajectory.eigenvalues()
    return {"trajectory": trajectory, "fixed_points": fixed_points(1.0, sigma2, eta) if alpha_p == 1 else None,
            "s": s[-1], "p": p[-1], "surviving_modes": int((s[-1] > 1e-3).sum()),
            "commutator": float(trajectory.commutators()[-1])}
