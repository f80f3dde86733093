"""Figures of the linear-network theory (``theory.linear``): the (p, s) phase portrait, eigenvalues over
training, and notebook 04's explorer (the widget's figure and its main cases side by side)."""
from __future__ import annotations

import numpy as np

from ssl_course.figures import legend_outside
from ssl_course.theory.linear import Trajectory, explore, fixed_points, mode_velocity, simulate_modes

# (p, s) starts off the parabola, as fractions of the plotted box: one far below it that falls into the
# collapse basin although p starts well above p*-, one far above it that escapes although p < p*-
OFF_PARABOLA_STARTS = ((0.2, 1e-5 / 1.2), (0.03, 0.25), (0.9, 0.05))


OFF_PARABOLA_COLOURS = ("tab:orange", "tab:purple", "tab:brown")  # one per start, the same in both panels


def plot_phase_portrait(tau: float = 1.0, sigma2: float = 0.5, eta: float = 0.05, alpha_p: float = 1.0,
                        p_max: float = 1.0, ax=None, trajectories: int = 8, off_parabola: bool = True,
                        legend: bool = True):
    """The (p, s) flow of one eigenmode: streamlines, the balanced parabola s = p^2/alpha_p,
    fixed points p*-+ (on the parabola for every alpha_p) and the collapse basin p < p*- (shaded);
    trajectories from the parabola (blue) and, with ``off_parabola``, from ``OFF_PARABOLA_STARTS`` (one
    colour each; red, with a cross at its end, the one that collapses). The s axis starts a little
    below 0 so that a trajectory along s = 0 stays in sight; the legend sits below the axes."""
    import matplotlib.pyplot as plt

    over_time = None
    if ax is None and off_parabola:  # beside it, p over time for the off-parabola starts
        _, (ax, over_time) = plt.subplots(1, 2, figsize=(11, 5.8), gridspec_kw={"width_ratios": [1.15, 1]})
    elif ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5.8))
    s_max = p_max**2 / alpha_p * 1.2
    p, s = np.meshgrid(np.linspace(1e-3, p_max, 40), np.linspace(1e-3, s_max, 40))
    dp, ds = mode_velocity(p, s, tau, sigma2, eta, alpha_p)
    ax.streamplot(p, s, dp, ds, color=np.hypot(dp, ds), cmap="Greys", density=0.9, linewidth=0.7, arrowsize=0.8)
    points = fixed_points(tau, sigma2, eta)  # on s = p^2/alpha_p the flow of p is the same for every alpha_p
    if points is not None:
        low, high = points
        ax.axvspan(0, low, color="tab:red", alpha=0.15, label=rf"collapse basin $p < p^*_- = {low:.3f}$")
    else:
        ax.set_title(r"$\eta > \tau^2 / 4(1+\sigma^2)$: every mode collapses", fontsize=9)
    starts = np.linspace(0.02, p_max * 0.95, trajectories)
    _, ps, ss = simulate_modes(starts, starts**2 / alpha_p, t_end=60, dt=0.02, tau=tau, sigma2=sigma2, eta=eta,
                               alpha_p=alpha_p)
    on = ax.plot(ps, ss, color="tab:blue", lw=1.2, alpha=0.8)
    on[0].set_label("starts on the parabola")
    grid = np.linspace(0, p_max, 200)
    ax.plot(grid, grid**2 / alpha_p, "k--", lw=1, label=rf"$s = p^2/\alpha_p$ (c = 0), $\alpha_p = {alpha_p:g}$")
    if points is not None:
        ax.plot([low], [low**2 / alpha_p], "o", mfc="white", mec="tab:red", ms=8, label=r"$p^*_-$ (unstable)")
        ax.plot([high], [high**2 / alpha_p], "o", color="tab:green", ms=8, label=rf"$p^*_+ = {high:.3f}$ (stable)")
    if off_parabola:  # starts off the parabola: the strip p < p*- is the basin only on it
        p0, s0 = (np.array(OFF_PARABOLA_STARTS) * [p_max, s_max]).T
        times, ps, ss = simulate_modes(p0, s0, t_end=150, dt=0.02, tau=tau, sigma2=sigma2, eta=eta, alpha_p=alpha_p)
        ends = ss[-1] > 1e-3
        for k in range(len(p0)):
            colour = _off_parabola_colour(k, ends[k])
            ax.plot(ps[:, k], ss[:, k], color=colour, lw=1.4 if ends[k] else 2.2,
                    label=f"off the parabola: p = {p0[k]:.2f}, s = {s0[k]:.1e}" + ("" if ends[k] else ", collapses"))
            ax.plot(p0[k], s0[k], "o", color=colour, ms=4)
        if (~ends).any():
            ax.plot(ps[-1, ~ends], ss[-1, ~ends], "x", color="tab:red", ms=9, mew=2, label="collapsed (s -> 0)")
        if over_time is not None:
            _plot_p_over_time(over_time, times, ps, p0, ends, points)
    ax.set(xlim=(0, p_max), ylim=(-0.04 * s_max, s_max), xlabel="predictor eigenvalue p", ylabel="feature eigenvalue s")
    if legend:
        legend_outside(ax, "below", ncol=2)
    ax.figure.tight_layout()
    return ax


def _off_parabola_colour(k: int, survives: bool) -> str:
    """The k-th off-parabola start's colour, the same in both panels; red where the mode collapses."""
    return OFF_PARABOLA_COLOURS[k % len(OFF_PARABOLA_COLOURS)] if survives else "tab:red"


def _plot_p_over_time(ax, t, ps, p0, ends, points) -> None:
    """p(t) of the off-parabola starts against p*-, each in its colour of the phase portrait: a start above
    p*- with almost no s still decays."""
    for k in range(ps.shape[1]):
        colour = _off_parabola_colour(k, ends[k])
        ax.plot(t, ps[:, k], color=colour, lw=1.6 if ends[k] else 2.2,
                label=f"start p = {p0[k]:.2f}" + ("" if ends[k] else ": collapses"))
    if points is not None:
        ax.axhline(points[0], color="tab:red", ls=":", lw=1.5, label=rf"$p^*_- = {points[0]:.3f}$")
        ax.axhline(points[1], color="tab:green", ls=":", lw=1.5, label=rf"$p^*_+ = {points[1]:.3f}$")
    ax.set(xlabel="time t", ylabel="predictor eigenvalue p", title="the off-parabola starts over time", ylim=(0, None))
    legend_outside(ax, "below", ncol=2)


def plot_eigenvalues(trajectory: Trajectory, axes=None):
    """Eigenvalues of F and of W_p (along F's eigenvectors) over time, and the commutator norm."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(11, 3))
    s, p = trajectory.eigenvalues()
    axes[0].plot(trajectory.times, s)
    axes[0].set(xlabel="t", ylabel="eigenvalues s_j of F", title="features")
    axes[1].plot(trajectory.times, p)
    axes[1].set(xlabel="t", ylabel="p_j = u_j^T W_p u_j", title="predictor")
    axes[2].semilogy(trajectory.times, trajectory.commutators())
    axes[2].set(xlabel="t", ylabel="||[F, W_p]|| / (||F|| ||W_p||)", title="eigen-alignment")
    axes[0].figure.tight_layout()
    return axes


EXPLORER_CASES = {  # the slider settings worth a look, for a static figure (GitHub, PDF)
    "the default: eta = 0.05": dict(eta=0.05),
    "weight decay above tau^2/4(1+sigma^2): all collapse": dict(eta=0.2),
    "stronger augmentation, sigma^2 = 1.5: a wider basin": dict(sigma2=1.5),
    "a slower predictor, alpha_p = 0.5": dict(alpha_p=0.5),
}


def _kind(label: str) -> str:
    """A phase portrait's legend label without the values that differ from panel to panel."""
    kinds = {"collapse basin": r"collapse basin $p < p^*_-$", "$s = p^2": r"$s = p^2/\alpha_p$ (c = 0)",
             "$p^*_+": r"$p^*_+$ (stable)", "off the parabola": "starts off the parabola (red: collapses)"}
    return next((kind for prefix, kind in kinds.items() if label.startswith(prefix)), label)


def plot_explorer_cases(cases: dict | None = None):
    """The explorer's main cases as phase portraits in a grid of two columns, for readers without a live
    kernel; one legend for all, below them."""
    import matplotlib.pyplot as plt

    cases = cases or EXPLORER_CASES
    rows = (len(cases) + 1) // 2
    fig, axes = plt.subplots(rows, 2, figsize=(10, 4.2 * rows + 0.8), squeeze=False)
    for ax, (title, settings) in zip(axes.flat, cases.items()):
        plot_phase_portrait(**settings, ax=ax, trajectories=6, legend=False)
        ax.set_title(title, fontsize=10)
    for ax in axes.flat[len(cases):]:
        ax.set_visible(False)
    handles = {}  # one entry per kind of line: the panels' own labels carry each panel's values
    for ax in axes.flat[:len(cases)]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            kind = _kind(label)
            # the off-parabola entry shows a surviving start's colour: its label says red is the collapse
            if kind not in handles or (kind.startswith("starts off") and handles[kind].get_color() == "tab:red"):
                handles[kind] = handle
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=3, fontsize=9, frameon=False)
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
