"""Tian, Chen & Ganguli's linear model: closed forms, conservation law, fixed points, collapse, alignment."""
import numpy as np
import pytest

import torch

from ssl_course.metrics import commutator_norm
from ssl_course.theory.linear import (
    balanced_predictor, fixed_points, invariant, mode_velocity, no_stop_gradient_rate, simulate, simulate_modes,
)


def aligned_start(p, w, n1=7, seed=0):
    """W = U diag(w) V^T, W_p = U diag(p) U^T with random orthogonal U, V."""
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.normal(size=(len(w), len(w))))[0]
    V = np.linalg.qr(rng.normal(size=(n1, n1)))[0][:, : len(w)]
    return U @ np.diag(w) @ V.T, U @ np.diag(p) @ U.T, U


def random_start(seed=0, n1=10, n2=6):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n2, n1)) * 0.5, rng.normal(size=(n2, n2)) * 0.3


def test_fixed_points_match_the_formula_and_the_paper_example():
    low, high = fixed_points(tau=1.0, sigma2=0.5, eta=0.05)
    assert low == pytest.approx(0.0544, abs=1e-4) and high == pytest.approx(0.6122, abs=1e-4)
    for p in (low, high):  # they zero the flow on the parabola s = p^2
        assert mode_velocity(p, p**2, 1.0, 0.5, 0.05)[0] == pytest.approx(0, abs=1e-12)
    assert fixed_points(tau=1.0, sigma2=0.5, eta=1 / 6 + 1e-6) is None  # threshold tau^2 / (4 (1 + sigma^2))
    assert fixed_points(tau=1.0, sigma2=0.5, eta=1 / 6 - 1e-6) is not None


def test_fixed_point_stability_and_collapse_basin():
    low, high = fixed_points(tau=1.0, sigma2=0.5, eta=0.05)
    p0 = np.array([low * 0.9, low * 1.1, 0.3, 0.9])
    _, p, s = simulate_modes(p0, p0**2, t_end=400, dt=0.05, tau=1.0, sigma2=0.5, eta=0.05)
    assert p[-1, 0] < 1e-3 and s[-1, 0] < 1e-3  # just below p*-: collapses
    np.testing.assert_allclose(p[-1, 1:], high, atol=1e-3)  # above p*-: to the stable p*+
    np.testing.assert_allclose(s[-1, 1:], high**2, atol=1e-3)


def test_invariant_is_conserved_along_trajectories():
    rng = np.random.default_rng(1)
    p0, s0 = rng.uniform(0.05, 1.0, 20), rng.uniform(0.0, 1.5, 20)
    t, p, s = simulate_modes(p0, s0, t_end=30, dt=0.01, eta=0.05, alpha_p=2.0)
    c = invariant(p, s, t[:, None], alpha_p=2.0, eta=0.05)
    np.testing.assert_allclose(c, np.broadcast_to(c[0], c.shape), atol=1e-7)
    assert np.ptp(p[:, 0]) > 0.05  # the modes did move


def test_full_simulation_started_aligned_matches_the_mode_equations():
    p0, w0 = np.array([0.8, 0.4, 0.2, 0.05]), np.array([1.0, 0.7, 0.9, 0.3])
    W, W_p, U = aligned_start(p0, w0)
    kw = dict(tau=1.0, sigma2=0.5, eta=0.03, alpha_p=1.5)
    full = simulate(W, W_p, t_end=20, dt=0.01, **kw)
    t, p, s = simulate_modes(p0, w0**2, t_end=20, dt=0.01, **kw)
    np.testing.assert_allclose(full.times, t)
    s_full = np.einsum("ij,tik,kj->tj", U, full.F, U)  # U stays F's eigenbasis
    p_full = np.einsum("ij,tik,kj->tj", U, full.W_p, U)
    np.testing.assert_allclose(s_full, s, atol=1e-3)
    np.testing.assert_allclose(p_full, p, atol=1e-3)
    assert np.abs(p[-1] - p0).max() > 0.1


def test_learned_predictor_aligns_with_F():
    W, W_p = random_start()
    c = simulate(W, W_p, t_end=60, eta=0.01).commutators()
    assert c[0] > 0.3 and c[-1] < 0.4 * c[0]
    assert np.all(np.diff(c[len(c) // 4 :]) < 1e-6)  # keeps decreasing


def test_without_stop_gradient_everything_collapses_with_it_modes_survive():
    W, W_p = random_start()
    with_sg = simulate(W, W_p, t_end=60, eta=0.01)
    without = simulate(W, W_p, t_end=60, eta=0.01, stop_gradient=False)
    assert np.linalg.norm(without.W[-1]) < 1e-6 * np.linalg.norm(W)
    assert np.linalg.eigvalsh(with_sg.F[-1])[-3:].min() > 0.1


@pytest.mark.parametrize("p, tau, sigma2, eta", [(0.6, 1.0, 0.5, 0.05), (1.2, 2.0, 0.2, 0.0), (0.2, 1.0, 1.0, 0.1)])
def test_no_stop_gradient_rate_is_the_full_systems_growth_of_an_aligned_mode(p, tau, sigma2, eta):
    """ds/dt / s of the matrix flow without the stop-gradient, from an aligned start, one short RK4 step."""
    W, W_p, U = aligned_start([p, 0.5], [0.8, 0.3])
    u = U[:, 0]
    s0 = u @ W @ W.T @ u
    dt = 1e-5
    run = simulate(W, W_p, sigma2=sigma2, eta=eta, tau=tau, stop_gradient=False, t_end=dt, dt=dt, record_every=1)
    s1 = u @ run.W[-1] @ run.W[-1].T @ u
    assert (s1 - s0) / dt / s0 == pytest.approx(no_stop_gradient_rate(p, tau, sigma2, eta), rel=1e-4)
    assert no_stop_gradient_rate(p, tau, sigma2, eta) < 0


def test_weight_decay_above_threshold_collapses_every_mode():
    W, W_p = random_start()
    assert np.linalg.norm(simulate(W, W_p, t_end=60, eta=0.25).W[-1]) < 1e-3  # threshold 1/6 at sigma^2 = 0.5
    assert np.linalg.norm(simulate(W, W_p, t_end=60, eta=0.1).W[-1]) > 0.5


def test_ema_fixed_and_directpred_predictors():
    W, W_p = random_start()
    ema = simulate(W, W_p, t_end=60, eta=0.01, beta=0.5)
    np.testing.assert_allclose(ema.W_a[0], W)
    assert np.linalg.norm(ema.W_a[-1] - ema.W[-1]) < 0.1 * np.linalg.norm(ema.W[-1])  # the target tracks
    fixed = simulate(W, W_p, t_end=5, predictor="fixed")
    np.testing.assert_allclose(fixed.W_p[-1], W_p)
    direct = simulate(W, W_p, t_end=60, eta=0.01, predictor="directpred")
    assert commutator_norm(torch.as_tensor(direct.F[-1]), torch.as_tensor(direct.W_p[-1])) < 1e-8
    high = fixed_points(1.0, 0.5, 0.01)[1]
    np.testing.assert_allclose(np.linalg.eigvalsh(direct.F[-1]), high**2, atol=2e-3)  # every mode at p*+ = sqrt(s)
    F = np.diag([4.0, 1.0, 0.0])
    np.testing.assert_allclose(balanced_predictor(F), np.diag([2.0, 1.0, 0.0]), atol=1e-12)


def test_bad_arguments():
    W, W_p = random_start()
    with pytest.raises(ValueError, match="W_p0"):
        simulate(W, W_p[:3, :3])
    with pytest.raises(ValueError, match="predictor"):
        simulate(W, W_p, predictor="mlp")
    with pytest.raises(ValueError, match="stop-gradient"):
        simulate(W, W_p, beta=1.0, stop_gradient=False)
    with pytest.raises(ValueError, match="s0"):
        simulate_modes([0.1], [-1.0])


def test_explorer_shows_survival_below_and_collapse_above_the_weight_decay_threshold():
    from ssl_course.theory.linear import explore

    low = explore(eta=0.02)
    high = explore(eta=0.3)  # above tau^2 / (4 (1 + sigma^2)) = 1/6
    assert low["fixed_points"] is not None and high["fixed_points"] is None
    assert low["surviving_modes"] >= 1 and high["surviving_modes"] == 0
    survivors = low["p"][low["s"] > 1e-3]  # the surviving modes sit at the stable fixed point p*+
    assert np.allclose(survivors, low["fixed_points"][1], atol=0.05)
    assert low["commutator"] < 0.1


def test_off_parabola_starts_one_collapses_from_above_p_minus_one_escapes_from_below():
    from ssl_course.theory.linear_plots import OFF_PARABOLA_STARTS

    low, _ = fixed_points(1.0, 0.5, 0.05)
    p0, s0 = (np.array(OFF_PARABOLA_STARTS) * [1.0, 1.2]).T  # the default box: p_max 1, s_max 1.2
    _, p, s = simulate_modes(p0, s0, t_end=150, dt=0.02)
    # by hand at the first start: dp/dt = s (1 - 1.5 p) - 0.05 p = 1e-5 * 0.7 - 0.01 < 0 while p > p*-
    assert p0[0] > low and s[-1, 0] < 1e-6 and p[-1, 0] < 1e-3  # collapsed from outside the strip p < p*-
    assert p0[1] < low and s[-1, 1] > 0.3  # escaped from inside it: s far above p^2 drives p up
    assert s[-1, 2] > 0.3


def test_static_explorer_figure_draws_every_case():
    import matplotlib

    matplotlib.use("Agg")
    from ssl_course.theory.linear_plots import EXPLORER_CASES, plot_explorer_cases

    fig = plot_explorer_cases()
    assert len([ax for ax in fig.axes if ax.get_visible()]) == len(EXPLORER_CASES)
    # the default case shades the basin and marks one collapsed off-parabola mode with a red cross
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any("collapse basin" in label for label in labels) and "collapsed (s -> 0)" in labels
    # one legend for all panels: the off-parabola entry is a surviving start's colour, as its label says
    shared = {text.get_text(): handle for handle, text in zip(fig.legends[0].legend_handles, fig.legends[0].get_texts())}
    off = next(handle for label, handle in shared.items() if label.startswith("starts off the parabola"))
    assert off.get_color() != "tab:red"
