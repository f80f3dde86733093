# %% [markdown]
# Open in Colab: [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/student/04_linear_theory.ipynb) the exercises · [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/04_linear_theory.ipynb) with solutions
#
# # 04 · Why it does not collapse: the linear-network theory
#
# **Learning goals**: integrate Tian, Chen & Ganguli's linear model; derive its fixed points; see eigen-alignment of predictor and feature correlation, the collapse basin, and what weight decay, the predictor's learning rate and EMA do.
#
# **Time**: under a minute (46 s measured) on a 2-core CPU (nothing here needs a GPU).

# %% tags=["remove-cell"]
# On Colab: fetch the course (package and reference runs) and install it; nothing happens elsewhere
import os
import subprocess
import sys

REPOSITORY = "https://github.com/ssl-course/ssl_course"
if "google.colab" in sys.modules and not os.path.isdir("/content/ssl_course"):
    for command in (["git", "clone", "-q", "--depth", "1", REPOSITORY, "/content/ssl_course"],
                    [sys.executable, "-m", "pip", "install", "-q", "-e", "/content/ssl_course"]):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:  # say why in one line, not with a traceback
            raise SystemExit(f"course install failed at {command[:4]}: {(done.stderr.strip() or '?').splitlines()[-1]}")
if "google.colab" in sys.modules:
    sys.path.insert(0, "/content/ssl_course")  # importable at once, without restarting the runtime

# %% tags=["remove-cell"]
from ssl_course.course import setup

device = setup(seed=0)

# %% [markdown]
# ## The model
# Everything is linear, so the dynamics can be solved:
# * the **online network** is one matrix W, the **predictor** a matrix W_p, the **target** W_a
#   (an EMA of W, with rate β);
# * **X** = E[x̄ x̄ᵀ] is the correlation of the clean inputs x̄, and **X′** = E[(x − x̄)(x − x̄)ᵀ] the
#   covariance the augmentation adds to a view x; here X = I and X′ = σ² I, so σ² measures how
#   strong the augmentation is;
# * **η** is the weight decay and **α_p** the predictor's learning rate relative to W's.
#
# **The loss**: two views x₁, x₂ of one input; the online branch's prediction of view 1 must match
# the target's output for view 2, behind the stop-gradient sg:
#
# J(W, W_p) = ½ E‖W_p W x₁ − sg(W_a x₂)‖² + (η/2)(‖W‖² + ‖W_p‖²).
#
# Its gradient flow, with G = −W_p W (X+X′) + W_a X (the expectation over views gives the X's), the
# predictor learning α_p times as fast as W, and the target following W by EMA:
#
# Ẇ_p = α_p G Wᵀ − η W_p,  Ẇ = W_pᵀ G − η W,  Ẇ_a = β(W − W_a).
#
# **Conservation law**: ẆWᵀ = W_pᵀGWᵀ − ηWWᵀ and W_pᵀẆ_p = α_p W_pᵀGWᵀ − ηW_pᵀW_p share the term
# W_pᵀGWᵀ. Divide the second by α_p, subtract, add the transposes:
# d/dt(WWᵀ − α_p⁻¹W_pᵀW_p) = −2η(WWᵀ − α_p⁻¹W_pᵀW_p), so WWᵀ − α_p⁻¹ W_pᵀW_p = e^{−2ηt} C, C fixed
# by the start. The feature strengths and the predictor's gains cannot move independently: a
# balanced start (C = 0) stays balanced.
#
# Once W_p and F = W X Wᵀ share eigenvectors (eigen-alignment), each eigenmode evolves alone, with
# s its eigenvalue of F (how strongly the features use that direction), p its eigenvalue of W_p, and
# **τ** the target's gain along it (W_a = τ W; τ = 1 when the target equals the online network):
# ṗ = α_p s[τ − (1+σ²)p] − ηp,  ṡ = 2ps[τ − (1+σ²)p] − 2ηs. Along such an eigenvector u (X = I, so
# F = WWᵀ), uᵀWWᵀu = s and uᵀW_pᵀW_pu = p², and the conservation law becomes s − p²/α_p = e^{−2ηt}c:
# a balanced mode stays on the parabola **s = p²/α_p**, s = p² at α_p = 1, the curve used below.
# **Exercise 1** (a warm-up): write this velocity.

# %% nbgrader={"grade": false, "grade_id": "mode_velocity", "locked": false, "schema_version": 3, "solution": true}
def mode_velocity(p, s, tau=1.0, sigma2=0.5, eta=0.05, alpha_p=1.0):
    ### BEGIN SOLUTION
    gap = tau - (1 + sigma2) * p
    return alpha_p * s * gap - eta * p, 2 * p * s * gap - 2 * eta * s
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_mode_velocity", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_mode_velocity

check_mode_velocity(mode_velocity)

# %% [markdown]
# Your velocity now drives the learning dynamics: four modes that start on the balanced parabola
# s = p² are integrated with it (`simulate_modes(..., velocity_fn=mode_velocity)`). At every
# evaluation the checker compares it with the package's velocity, then says where the modes end.

# %% nbgrader={"grade": true, "grade_id": "check_mode_velocity_trains", "locked": true, "points": 1, "schema_version": 3, "solution": false}
from ssl_course.exercises import check_mode_velocity_trains

check_mode_velocity_trains(mode_velocity)

# %% [markdown]
# On the balanced parabola s = p² (α_p = 1) the flow of one mode is ṗ = p²[τ − (1+σ²)p] − ηp.
# **Exercise 2**: derive its non-zero fixed points (set ṗ = 0 and divide by p: what is left is a
# quadratic in p) and return them as `(p_minus, p_plus)`, the smaller first, or `None` for the
# weight decays at which the quadratic has no real root. Work it out on paper first; the checker
# compares your roots with the flow's on several (τ, σ², η).

# %% nbgrader={"grade": false, "grade_id": "fixed_points", "locked": false, "schema_version": 3, "solution": true}
import math


def fixed_points(tau=1.0, sigma2=0.5, eta=0.05):
    ### BEGIN SOLUTION
    disc = tau**2 - 4 * eta * (1 + sigma2)
    if disc < 0:
        return None
    root = math.sqrt(disc)
    return (tau - root) / (2 * (1 + sigma2)), (tau + root) / (2 * (1 + sigma2))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_fixed_points", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_fixed_points

check_fixed_points(fixed_points)

# %% tags=["nbval-check-output"]
low, high = fixed_points(1.0, 0.5, 0.05)
print(f"p*- = {low:.4f} (unstable), p*+ = {high:.4f} (stable)")

# %% [markdown]
# Weight decay decides how many modes can survive. As η grows the two fixed points move towards each
# other and meet at η = τ² / 4(1 + σ²): above it, no fixed point is left and *every* mode decays to 0.

# %%
import matplotlib.pyplot as plt
import numpy as np

from ssl_course.figures import legend_outside

etas = np.linspace(0.0, 0.2, 401)
branches = np.array([fixed_points(1.0, 0.5, eta) or (np.nan, np.nan) for eta in etas])
fig, ax = plt.subplots(figsize=(6.5, 4.2))
ax.plot(etas, branches[:, 1], label="p*+ (stable: the mode survives here)")
ax.plot(etas, branches[:, 0], "--", label="p*- (unstable: below it, collapse)")
ax.fill_between(etas, 0, np.nan_to_num(branches[:, 0], nan=0.7), color="0.9", label="modes that collapse")
ax.axvline(1.0 / (4 * 1.5), color="k", ls=":", lw=1, label="eta = tau^2 / 4(1 + sigma^2)")
ax.set(xlabel="weight decay eta", ylabel="fixed point p*", ylim=(0, 0.7),
       title="fixed points against weight decay (tau = 1, sigma^2 = 0.5)")
legend_outside(ax, "below", ncol=2)
fig.tight_layout()

# %% [markdown]
# ## The phase portrait
# **Predict, then run**: two modes start on the parabola s = p², one at p = 0.03 and one at p = 0.3,
# with τ = 1 and σ² = 0.5 as above. Change one thing: weight decay η = 0.15 instead of the 0.05 of the
# fixed points just printed. Which survive: `"both"`, `"only p = 0.3"` or `"neither"`? (Your
# `fixed_points` can tell you before you run it.)

# %% nbgrader={"grade": false, "grade_id": "predict_survivors", "locked": false, "schema_version": 3, "solution": true}
# your prediction, one of "both", "only p = 0.3" or "neither": prediction = "..."
### BEGIN SOLUTION
prediction = "only p = 0.3"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "judge_predict_survivors", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
import numpy as np

from ssl_course.exercises import judge_prediction
from ssl_course.theory.linear import simulate_modes

p0 = np.array([0.03, 0.3])
_, p, _ = simulate_modes(p0, p0**2, t_end=200, tau=1.0, sigma2=0.5, eta=0.15)
alive = p[-1] > 0.01
outcome = {(True, True): "both", (False, True): "only p = 0.3", (False, False): "neither"}.get(tuple(alive), "other")
low15, high15 = fixed_points(1.0, 0.5, 0.15)
judge_prediction("surviving modes at eta = 0.15", prediction, outcome, ("both", "only p = 0.3", "neither"),
                 f"eta = 0.15 is still below tau^2 / 4(1 + sigma^2) = {1 / (4 * 1.5):.4f}, but it moves p*- up to "
                 f"{low15:.4f}: p = 0.3 starts above it and settles at p*+ = {high15:.4f} (p = {p[-1, 1]:.4f} at t = 200), "
                 f"p = 0.03 decays to {p[-1, 0]:.1e}.")

# %% [markdown]
# The whole picture: on the parabola (blue, under the dashed curve), modes that start with p < p*₋
# decay to 0 (the collapse basin, shaded); the others go to p*₊. Off the parabola (one colour per
# start, the same in both panels) the strip is not the basin: a mode with almost no feature strength
# s falls in although its p starts far above p*₋ (red: it runs along the s = 0 axis, so the right
# panel follows its p over time down through p*₋ to 0), and a mode with a large s escapes although
# its p starts inside the strip.

# %%
from ssl_course.theory.linear import simulate
from ssl_course.theory.linear_plots import plot_eigenvalues, plot_phase_portrait

plot_phase_portrait(tau=1.0, sigma2=0.5, eta=0.05);

# %% tags=["nbval-check-output"]
from ssl_course.course import claim
from ssl_course.theory import linear

low, _ = linear.fixed_points(1.0, 0.5, 0.05)
_, p_off, s_off = simulate_modes(np.array([0.2, 0.03]), np.array([1e-5, 0.3]), t_end=150, tau=1.0, sigma2=0.5, eta=0.05)
claim("off the parabola: p = 0.2, above p*-, with s = 1e-5 collapses, while p = 0.03, inside the strip, with s = 0.3 survives",
      bool(0.03 < low < 0.2 and s_off[-1, 0] < 1e-3 and s_off[-1, 1] > 1e-3),
      f"p*- = {low:.4f}; s at t = 150: {s_off[-1, 0]:.1e} and {s_off[-1, 1]:.3f}")

# %% [markdown]
# ## Eigen-alignment in the full system
# From a random start, the learned predictor's eigenvectors turn towards F's: the commutator
# [F, W_p] = F W_p − W_p F, normalised as ‖[F, W_p]‖ / (‖F‖ ‖W_p‖), is 0 when the two share their
# eigenvectors, and it falls. The surviving modes settle at p*₊.

# %%
import numpy as np

rng = np.random.default_rng(0)
W0, W_p0 = rng.normal(size=(6, 10)) * 0.4, rng.normal(size=(6, 6)) * 0.2
learned = simulate(W0, W_p0, eta=0.05, beta=1.0, t_end=60)
plot_eigenvalues(learned);

# %% tags=["nbval-check-output"]
commutators = learned.commutators()
claim("the normalised commutator falls to under a tenth of its start by t = 60", bool(commutators[-1] < 0.1 * commutators[0]),
      f"{commutators[0]:.2f} at t = 0, {commutators[-1]:.4f} at t = 60")

# %% [markdown]
# ## s and p along the way and at the end
# Notebook 06 watches a real run: the predictor's gains p grow with the feature strengths s, as a
# tendency (a rank correlation well below 1). This
# model says what to expect. Along the way: from a balanced start p = √(α_p s) in every mode, so the
# stronger mode has the larger p at every moment; from the random start of the cell above the order
# sets in early too (the check at t = 20). At the end it depends on the data. Here X = I, every input
# direction equally strong, so every surviving mode settles at the same p*₊ and the same s. Give the
# input directions unequal variances (X = diag(2.0 … 0.5), the same random start) and each mode gets
# its own fixed point: a direction with more signal per unit of augmentation noise settles at a larger
# p, and the order of s is kept at the end. (With unequal X, p is no longer √s: F = WXWᵀ weighs each
# input direction by its variance, while the conservation law is about WWᵀ.)

# %% tags=["nbval-check-output"]
from scipy.stats import spearmanr

input_runs = {"X = I": simulate(W0, W_p0, eta=0.05, beta=1.0, t_end=200),
              "X = diag(2.0 ... 0.5)": simulate(W0, W_p0, X=np.diag(np.linspace(2.0, 0.5, 10)), eta=0.05, beta=1.0, t_end=200)}
middle = len(input_runs["X = I"].times) // 10
spectra = {name: run.eigenvalues() for name, run in input_runs.items()}  # (s, p) per recorded time
for name, (s_run, p_run) in spectra.items():
    for k, label in ((middle, f"{name}:"), (-1, " " * (len(name) + 1))):
        print(f"{label} at t = {input_runs[name].times[k]:.0f}: s {np.array2string(s_run[k], precision=3)}, "
              f"p {np.array2string(p_run[k], precision=3)}")
(s_eq, p_eq), (s_un, p_un) = spectra.values()
order_middle, order_end = spearmanr(s_eq[middle], p_eq[middle]).statistic, spearmanr(s_un[-1], p_un[-1]).statistic
claim("along the way (t = 20) p is ordered like s with X = I (rank correlation 1)", bool(order_middle > 0.999),
      f"{order_middle:.3f}")
claim("at the end with X = I every mode has the same p (spread < 0.001); with unequal X p is still ordered like s "
      "and spread by > 0.05", bool(np.ptp(p_eq[-1]) < 1e-3 and order_end > 0.999 and np.ptp(p_un[-1]) > 0.05),
      f"spread {np.ptp(p_eq[-1]):.1e} with X = I, {np.ptp(p_un[-1]):.3f} with unequal X, rank correlation {order_end:.3f}")

# %% [markdown]
# ## Why the stop-gradient
# Remove the stop-gradient and the target branch, W_a = τW, is differentiated too. The loss
# ½E‖W_p W x₁ − τW x₂‖² then has a second way down: move τW x₂ towards the prediction, and W = 0,
# where both sides are 0, matches perfectly. The gradient in the target's W adds a term to Ẇ:
# τ(W_p W X − τW(X+X′)) (the expectation over views again).
#
# **Exercise 3** (a derivation): find that term's share of ṡ = 2uᵀẆWᵀu along an aligned eigenvector u
# (X = I and X′ = σ²I; in an aligned mode uᵀW_p = p uᵀ, and uᵀWWᵀu = s), add it to the ṡ of Exercise 1
# and write the result as ṡ = r s. Return r from `no_stop_gradient_rate(p, tau, sigma2, eta)`. Then, on
# paper, complete the square in p: can r be positive for any gain p the predictor might learn, when
# the views differ (σ² > 0)?

# %% nbgrader={"grade": false, "grade_id": "no_stop_gradient_rate", "locked": false, "schema_version": 3, "solution": true}
def no_stop_gradient_rate(p, tau, sigma2, eta):
    ### BEGIN SOLUTION
    return 2 * p * (tau - (1 + sigma2) * p) + 2 * tau * (p - tau * (1 + sigma2)) - 2 * eta
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_no_stop_gradient_rate", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_no_stop_gradient_rate

check_no_stop_gradient_rate(no_stop_gradient_rate)

# %% [markdown]
# Completed, the square writes r as −2 times a sum of terms that are each ≥ 0, one of them σ² times a
# positive number (the checker prints it once you pass): r < 0 for every p once σ² > 0, and no gain of
# the predictor saves a direction, the strong ones included. The predictor still
# learns (ṗ is unchanged), but s shrinks under it in every mode. The full matrix system from the random
# start above, with and without the stop-gradient, both without an EMA (W_a = W), so that only the
# stop-gradient changes:

# %% tags=["nbval-check-output"]
no_sg = simulate(W0, W_p0, eta=0.05, stop_gradient=False, t_end=60)
with_sg = simulate(W0, W_p0, eta=0.05, beta=None, t_end=60)
with_norm, without_norm = np.linalg.norm(with_sg.W[-1]), np.linalg.norm(no_sg.W[-1])
claim("without the stop-gradient W goes to 0 (every mode collapses), with it W keeps its size",
      bool(without_norm < 1e-3 and with_norm > 0.1), f"||W|| at t = 60: {with_norm:.3f} with, {without_norm:.1e} without")

# %% [markdown]
# Beside the real runs of 03 (the course's reference runs, 3 seeds): without the stop-gradient SimSiam's
# projections keep one or two directions of 128 (effective rank), and its backbone fails the course's bar
# for learning (a mean kNN gain over random init of at least 0.10 and above twice its seed spread): on
# average it gains nothing, with a wide spread over seeds. A real network's BatchNorm keeps the output's
# scale from reaching 0, so the collapse is to a few directions rather than to W = 0; the pull that
# drives it is the one derived here.

# %% tags=["nbval-check-output"]
from ssl_course.studies import reference

real = reference.load(["simsiam", "simsiam-no-stop-gradient", "simsiam-no-predictor"])
real_means = real.groupby("run", observed=True)[["effective_rank", "knn", "random_init_knn"]].mean()
print(real_means.round(3).to_string())
no_sg_real = real[real["run"] == "simsiam-no-stop-gradient"]
claim("03's run without the stop-gradient: effective rank < 2 of 128 on every seed, SimSiam's > 20",
      bool((no_sg_real["effective_rank"] < 2).all() and (real[real["run"] == "simsiam"]["effective_rank"] > 20).all()),
      f"{no_sg_real['effective_rank'].max():.2f} at most vs {real_means.loc['simsiam', 'effective_rank']:.1f}, mean of 3 seeds")
gain = no_sg_real["knn"] - no_sg_real["random_init_knn"]
learns, measured = reference.beats_random_init(real, "simsiam-no-stop-gradient", "knn", by=0.10)
claim("and its backbone fails the bar: mean kNN gain >= 0.10 over random init and > 2 seed std",
      not learns, measured + "; per seed " + ", ".join(f"{g:+.3f}" for g in gain))

# %% [markdown]
# ## Without a predictor: W_p fixed at I
# SimSiam without its predictor (03, "With and without the stop-gradient, with and without the predictor")
# keeps only two or three
# directions of its projections. The model can say why. Remove the predictor by holding it at the
# identity, W_p = I: every mode has p = 1 for good, ṗ no longer applies, and only ṡ is left, a linear
# equation ṡ = r s with one rate r for every mode.
#
# Setting p = 1 in ṡ = 2ps[τ − (1+σ²)p] − 2ηs gives that rate, r = 2[τ − (1+σ²)] − 2η: it is your
# `mode_velocity`'s ṡ at p = s = 1. Before you run the next cell, say on paper what its sign is at
# τ = 1, σ² = 0.5, η = 0.05, and what that sign means for the strong and the weak modes alike.
#
# Below, six modes start on the parabola with the same strengths s, once with W_p held at I (r drives
# s, p stays 1) and once with the predictor learning (ṗ and ṡ as in Exercise 1).

# %% tags=["nbval-check-output"]
starts = np.linspace(0.05, 0.95, 6) ** 2
rate = mode_velocity(1.0, 1.0, tau=1.0, sigma2=0.5, eta=0.05)[1]  # ds/dt at p = s = 1: r
_, _, s_fixed = simulate_modes(np.ones(6), starts, t_end=60, tau=1.0, sigma2=0.5, eta=0.05,
                               velocity_fn=lambda p, s, *_: (0 * p, rate * s))
_, _, s_learned = simulate_modes(np.sqrt(starts), starts, t_end=60, tau=1.0, sigma2=0.5, eta=0.05)
print(f"r = {rate:.2f}: s at t = 60 with W_p = I {np.array2string(s_fixed[-1], precision=1)}")
print(f"with the learned predictor {np.array2string(s_learned[-1], precision=3)}")
claim("with W_p fixed at I every mode decays (s < 1e-20 by t = 60); with the learned predictor the modes "
      "above p*- survive (s > 0.1)", bool((s_fixed[-1] < 1e-20).all() and (s_learned[-1, 1:] > 0.1).all()),
      f"r = {rate:.2f}; largest s with W_p = I {s_fixed[-1].max():.1e}, learned: {int((s_learned[-1] > 0.1).sum())} of 6 above 0.1")

# %% tags=["nbval-check-output"]
fixed_real = real[real["run"] == "simsiam-no-predictor"]
claim("beside it, 03's run without a predictor: effective rank < 5 of 128 on every seed",
      bool((fixed_real["effective_rank"] < 5).all()),
      f"{fixed_real['effective_rank'].min():.2f} to {fixed_real['effective_rank'].max():.2f}; SimSiam {real_means.loc['simsiam', 'effective_rank']:.1f}")

# %% [markdown]
# With W_p = I the bracket τ − (1+σ²) is negative whenever the augmentation adds any variance
# (σ² > τ − 1): the online branch sees views noisier than the target's signal, so the quickest way to
# match is to shrink, and every direction shrinks at the same rate r, strong or weak. A learned
# predictor escapes this by lowering its gain p below τ/(1+σ²), where the bracket turns positive, and
# it does so direction by direction. In the real network of 03 a nonlinear backbone and BatchNorm
# keep a few directions alive rather than none, but the pull is the one derived here.
#
# ## The EMA: β from BYOL's momentum m
# 02's target follows the online weights by θ_t ← m θ_t + (1 − m) θ_o once per step; here the target
# moves by Ẇ_a = β(W − W_a). One SGD step with learning rate γ and SGD momentum μ advances the flow
# by about γ/(1 − μ) units of time (momentum sums the past steps' gradients), and in that time the
# target closes a fraction β γ/(1 − μ) of its gap, which the EMA sets to 1 − m. So
# β = (1 − m)(1 − μ)/γ.

# %% tags=["nbval-check-output"]
from ssl_course.methods import METHODS
from ssl_course.presets import preset

recipes = {"the CPU preset": preset("byol"), "FULL": preset("byol", full=True)}
rates = {}
for name, config in recipes.items():
    m = config.ema if config.ema is not None else METHODS["byol"].defaults.ema  # None: BYOL's own base momentum
    rates[name] = (1 - m) * (1 - config.momentum) / config.lr
    print(f"{name}: m = {m}, mu = {config.momentum}, lr = {config.lr}: beta = {rates[name]:.4f}")
runs = {**{name: simulate(W0, W_p0, eta=0.05, beta=beta, t_end=200) for name, beta in rates.items()},
        "no EMA": simulate(W0, W_p0, eta=0.05, beta=None, t_end=200)}
strengths = {name: np.linalg.eigvalsh(run.W[-1] @ run.W[-1].T) for name, run in runs.items()}
for name, s in strengths.items():
    print(f"{name}: s at t = 200 {np.array2string(s, precision=3)}")
claim("at the CPU preset's beta the six modes end where they end without the EMA (s within 0.01)",
      bool(np.abs(strengths["the CPU preset"] - strengths["no EMA"]).max() < 0.01),
      f"largest difference {np.abs(strengths['the CPU preset'] - strengths['no EMA']).max():.1e}")
claim("at FULL's smaller beta they are still spread at t = 200 (max - min of s > 0.1), all six with s > 0.1",
      bool(np.ptp(strengths["FULL"]) > 0.1 and (strengths["FULL"] > 0.1).all()),
      f"s from {strengths['FULL'].min():.3f} to {strengths['FULL'].max():.3f}; "
      f"without the EMA from {strengths['no EMA'].min():.3f} to {strengths['no EMA'].max():.3f}")
threshold = 1.0**2 / (4 * 1.5)
claim("the presets' weight decays sit more than 100 times below tau^2 / 4(1 + sigma^2) at tau 1, sigma^2 0.5",
      all(config.weight_decay * 100 < threshold for config in recipes.values()),
      ", ".join(f"{name} {config.weight_decay:g}" for name, config in recipes.items()) + f" against {threshold:.4f}")

# %% [markdown]
# Beside the model, 02's two live runs again (the same configurations and seed, so the same numbers as
# 02's table: BYOL with its EMA and without it, 300 steps each, about half a minute together on 2 CPU cores):

# %% tags=["nbval-check-output"]
from ssl_course.course import run_config
from ssl_course.train import train

ema_runs = {"BYOL (EMA)": train(run_config("byol", steps=300)), "no EMA": train(run_config("byol", steps=300, ema=0.0))}
for name, result in ema_runs.items():
    print(f"{name}: kNN {result.knn:.3f} (random init {result.random_init_knn:.3f}), effective rank {result.effective_rank:.1f}")
with_ema, without_ema = ema_runs["BYOL (EMA)"], ema_runs["no EMA"]
claim("02's runs: without the EMA BYOL's kNN ends within 0.03 of BYOL's, and both keep > 10 directions",
      abs(with_ema.knn - without_ema.knn) <= 0.03 and min(with_ema.effective_rank, without_ema.effective_rank) > 10,
      f"kNN {with_ema.knn:.3f} vs {without_ema.knn:.3f}; effective rank {with_ema.effective_rank:.1f} vs {without_ema.effective_rank:.1f}, one seed")

# %% [markdown]
# The EMA changes how fast the target follows, not which modes survive: at the CPU preset's β the
# modes end as with no EMA at all (W_a = W), as 02's run without the EMA learned about as well as
# BYOL (the two runs just above). FULL's β is smaller, its target slower: after the same time its modes are still on their way
# (the spread above), which is one reason a slow target goes with a long run. Weight decay enters
# per unit of this time as it does per SGD step, and the presets' η is far too small to kill a
# direction here: in the real runs it is not what decides which directions survive.

# %% [markdown]
# ## Explore
# Move the sliders: weight decay η above τ²/(4(1+σ²)) kills every mode; a slower predictor
# (α_p < 1) moves the balanced curve to s = p²/α_p and with it where the surviving modes settle
# (the drawn case above); β is the EMA rate of the section above. (`plot_explorer` is a tested package
# function; the sliders need a live kernel such as JupyterLab or Colab.)

# %% [markdown]
# The explorer's main cases, drawn once (for GitHub or a PDF, where sliders do not run):

# %%
from ssl_course.theory.linear_plots import plot_explorer_cases

plot_explorer_cases();

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt

from ssl_course.theory.linear_plots import plot_explorer


def redraw(eta=0.05, sigma2=0.5, alpha_p=1.0, beta=1.0):
    fig, result = plot_explorer(eta, sigma2, alpha_p, beta)
    plt.show()
    print(f"{result['surviving_modes']} of 6 modes survive; final commutator {result['commutator']:.3f}")


widgets.interact(redraw, eta=(0.0, 0.3, 0.01), sigma2=(0.0, 2.0, 0.1), alpha_p=(0.2, 5.0, 0.2), beta=(0.0, 5.0, 0.25));

# %% tags=["nbval-check-output"]
too_much = 0.2  # above tau^2 / 4(1 + sigma^2) = 1/6
_, p_decay, _ = simulate_modes(np.linspace(0.05, 0.95, 6), np.linspace(0.05, 0.95, 6)**2, t_end=200, tau=1.0, sigma2=0.5,
                               eta=too_much)
claim("summary: with weight decay 0.2, above 1/6, every mode on the parabola decays to p < 0.01 by t = 200",
      bool(linear.fixed_points(1.0, 0.5, too_much) is None and (p_decay[-1] < 0.01).all()), f"largest p at t = 200: {p_decay[-1].max():.1e}")
claim("summary: without the stop-gradient ||W|| < 1e-3 at t = 60", bool(without_norm < 1e-3), f"{without_norm:.1e}")

# %% [markdown]
# ## Summary
# * The predictor aligns its eigenvectors with the feature correlation F.
# * Per mode: a conservation law, two fixed points p*±, a collapse basin below p*₋.
# * Along the way p is ordered like s (the conservation law); at the end every mode shares one p*₊ only
#   when every input direction is equally strong (X = I); with unequal input variances the order of s is
#   kept. 06's real run shows this only as a tendency (a rank correlation well below 1).
# * No stop-gradient, or too much weight decay, and every mode collapses (W → 0: the complete
#   collapse of this linear model). Without the stop-gradient the rate of every mode is negative
#   whatever the predictor's gain (your Exercise 3), as 03's run without it keeps one or two directions of 128.
# * A predictor held at W_p = I gives every mode the same rate r (your `mode_velocity` at p = 1), negative
#   once the augmentation adds variance: every mode decays, which is 03's no-predictor collapse.
# * The EMA (β = (1 − m)(1 − μ)/γ from 02's m) sets how fast the target follows, not which modes survive.
#
# **References**: Tian, Chen & Ganguli 2021, *Understanding self-supervised learning dynamics
# without contrastive pairs* (ICML).
