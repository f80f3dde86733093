# %% [markdown]
# Open in Colab: [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/student/06_directpred.ipynb) the exercises · [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/06_directpred.ipynb) with solutions
#
# # 06 · DirectPred: from the theory to an algorithm
#
# **Learning goals**: see a learned linear predictor align with the feature correlation in a real run; write DirectPred's running correlation and its weight; compare DirectPred/DirectCopy with learned predictors.
#
# **Time**: under half a minute (19 s measured) on a 2-core CPU with `FULL = False`.

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
FULL = False  # True: the papers' recipe on CIFAR-10, about an hour of a free Colab GPU; False: minutes on a CPU

from ssl_course.course import setup

device = setup(seed=0)

# %% [markdown]
# ## The running correlation
# DirectPred keeps a running estimate F̂ of the projections' correlation E[z zᵀ] (uncentred): an
# exponential moving average that keeps the weight ρ on the estimate so far and gives 1 − ρ to the
# correlation of the new batch z (N × d):
#
# F̂ ← ρ F̂ + (1 − ρ) zᵀz / N
#
# (`ssl_course.predictors.DirectPredictor` keeps it so).

# %% [markdown]
# ## The weight
# In 04's model (X = I, a balanced start) a learned predictor's eigenvalues follow p_j = √(α_p s_j) along F's
# eigenvectors, all the way.
# DirectPred skips the learning and sets it. **Exercise 1**: build W_p from F̂ so that it has F̂'s
# eigenvectors, its eigenvalue along each is √s_j scaled so that the largest is 1, and ε is added to
# every eigenvalue (it keeps the weakest directions trainable). F̂ is symmetric, but rounding can
# leave an eigenvalue slightly below 0: a square root needs it clipped first.

# %% nbgrader={"grade": false, "grade_id": "directpred_weight", "locked": false, "schema_version": 3, "solution": true}
import torch


def directpred_weight(F_hat, eps=0.1):
    ### BEGIN SOLUTION
    s, U = torch.linalg.eigh(F_hat)
    s = s.clamp_min(0)
    return U @ torch.diag((s / s.max()).sqrt() + eps) @ U.T
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_directpred_weight", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_directpred_weight

check_directpred_weight(directpred_weight)

# %% [markdown]
# **Exercise 2**: DirectPred and 04's model. In 04 a balanced mode keeps s = p²/α_p all along its
# trajectory, with α_p the predictor's learning rate relative to W's. DirectPred (ε = 0) sets
# p_j = √(s_j / s_max). Is there one α_p for which every direction j sits on 04's curve? Derive it
# and return it for the eigenvalues `s` of F̂ (a tensor).

# %% nbgrader={"grade": false, "grade_id": "directpred_alpha_p", "locked": false, "schema_version": 3, "solution": true}
def directpred_alpha_p(s):
    ### BEGIN SOLUTION
    return 1 / s.max().item()
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_directpred_alpha_p", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_directpred_alpha_p

check_directpred_alpha_p(directpred_alpha_p)

# %% [markdown]
# So DirectPred puts every direction at once on the balanced curve of a linear model whose
# predictor learns at the relative rate α_p you just found: it sets where 04's learned predictor would be carried
# by the conservation law, without the trajectory. With ε > 0 every p_j gets ε added, which keeps
# the weakest directions trainable.

# %% [markdown]
# ## A learned linear predictor aligns with F
# SimSiam with a linear predictor trained 10× faster; the trainer logs, every 10 steps, the
# normalised commutator ‖[F, W_p]‖ / (‖F‖ ‖W_p‖) (0 when W_p and F share their eigenvectors) and
# the eigen-alignment of W_p with F's top 8 eigenvectors: for each such u, |uᵀW_p u| / ‖W_p u‖, which
# is 1 when u is also an eigenvector of W_p, averaged over the 8. The curves come from the
# course's reference runs (each method's CPU preset, 3 seeds, SimSiam and BYOL); a live 300-step run follows.

# %%
import matplotlib.pyplot as plt

from ssl_course.studies import reference, reference_plots
from ssl_course.course import claim

heads = reference.load(["simsiam-linear", "byol-linear"])
fig, ax = plt.subplots(1, 2, figsize=(11, 3.2))
reference_plots.plot_curves(heads, "commutator", ax=ax[0], title="||[F, W_p]|| (normalised)")
reference_plots.plot_curves(heads, "alignment", ax=ax[1], title="eigen-alignment with F, top 8")
ax[0].legend().remove()  # the same runs in the same colours: one legend, right of both
fig.tight_layout()

# %% [markdown]
# Read the left panel with the effective rank in mind (both are printed per run below the figure).
# In SimSiam, whose projector ends in BatchNorm, the projections at the first logged step use many
# directions, far more than BYOL's, so F is far more even, and *any* matrix nearly commutes with a
# near-multiple of the identity: the commutator starts small because F has little structure yet,
# not because W_p is aligned. In the first ~100 steps F forms (a few directions take over, the rank
# halves) faster than W_p turns, so the commutator rises; then W_p catches up and it falls. BYOL's
# projector has no final BatchNorm, so its F is uneven from the first step: its commutator starts
# near its peak and stays there, dipping only a little in the first few hundred steps: in this
# recipe BYOL's linear head never brings it down. In both, the alignment climbs over the first few
# hundred steps; SimSiam's levels off near 1, BYOL's lower (the numbers under the figure).

# %% tags=["nbval-check-output"]
for run in ("simsiam-linear", "byol-linear"):
    c = reference.curves(heads[heads["run"] == run], "commutator")
    a = reference.curves(heads[heads["run"] == run], "alignment")
    peak, end = c.groupby("seed")["commutator"].max(), c.groupby("seed")["commutator"].last()
    first, last = a.groupby("seed")["alignment"].first(), a.groupby("seed")["alignment"].last()
    fall = (1 - end / peak).round(2).tolist()
    claim(f"{run}: on every seed the alignment ends >= 0.2 above its start", bool((last >= first + 0.2).all()),
          f"alignment {first.mean():.2f} -> {last.mean():.2f}, mean of 3 seeds")
    if run == "simsiam-linear":
        claim(f"{run}: on every seed the commutator ends >= 20% below its peak", bool((end <= 0.8 * peak).all()),
              f"falls by {fall} per seed")
    else:  # BYOL's uneven F: the commutator stays near its start
        claim(f"{run}: on every seed the commutator ends within 10% of its peak", bool((end >= 0.9 * peak).all()),
              f"falls by {fall} per seed")
for run in ("simsiam-linear", "byol-linear"):
    mean = {key: reference.curves(heads[heads["run"] == run], key).groupby("step")[key].mean()
            for key in ("commutator", "effective_rank")}
    c, rank = mean["commutator"], mean["effective_rank"]
    print(f"{run}: commutator {c.iloc[0]:.3f} at step {c.index[0]}, peak {c.max():.3f} at {c.idxmax()}, lowest "
          f"{c.min():.3f} at {c.idxmin()}, {c.iloc[-1]:.3f} at the end; effective rank {rank.iloc[0]:.0f} at step "
          f"{rank.index[0]}, {rank.loc[100]:.0f} at step 100 (mean of 3 seeds)")

# %% [markdown]
# The live run: 300 steps of the same SimSiam, whose predictor we now inspect.

# %%
from ssl_course.course import run_config
from ssl_course.train import train

linear = train(run_config("simsiam", full=FULL, steps=300, predictor="linear", predictor_lr_multiplier=10.0))
rows = [r for r in linear.history if "commutator" in r]

# %% tags=["nbval-check-output"]
claim("the learned predictor's eigenvectors turn towards F's: top-8 alignment rises by >= 0.1",
      rows[-1]["alignment"] >= rows[0]["alignment"] + 0.1,
      f"{rows[0]['alignment']:.2f} at step {rows[0]['step']} -> {rows[-1]['alignment']:.2f} at step {rows[-1]['step']}")

# %% [markdown]
# The theory of notebook 04 follows each eigen-mode j of F on its own: s_j, the strength of
# direction j in the projections, and p_j, the predictor's gain along it. The same picture in this
# real run, logged every 5 steps: F's top four eigenvalues form early, and W_p's gains along those
# directions grow from their random start, the strongest mode first. Whether they end in the order
# of s, over all 128 directions, the scatter after the figure measures.

# %%
from ssl_course.course import plot_eigenvalues_over_training

plot_eigenvalues_over_training(linear.history);

# %% [markdown]
# And the p ∝ √s relation: along F's eigenvectors, the learned predictor's eigenvalues against √s.

# %%
from ssl_course.data import dataset_tensors
from ssl_course.metrics import correlation, eigen_pairs

(train_x, _), _ = dataset_tensors("shapes")
method = linear.method.eval()
with torch.no_grad():
    z = method.projector(method.backbone(train_x[:1024]))  # uint8 in: the backbone normalises
s, p, _ = eigen_pairs(correlation(z), method.predictor_matrix())
x, y = (s / s.max()).clamp_min(0).sqrt(), p / p.abs().max()
from ssl_course.figures import legend_outside

fig, ax = plt.subplots(figsize=(6.5, 4.2))
ax.scatter(x, y, s=10, label="eigen-directions of F")
ax.plot([0, 1], [0, 1], "k:", label="y = x (p exactly proportional to sqrt(s))")
ax.set(xlabel="sqrt(s_j / s_max)", ylabel="p_j / max |p|", title="learned predictor vs sqrt of F's eigenvalues")
legend_outside(ax, "below", ncol=1)
fig.tight_layout()

# %% tags=["nbval-check-output"]
from scipy.stats import spearmanr

from ssl_course.course import claim

rho = spearmanr(s, p).statistic
claim("p grows with s but not in order: rank correlation of p with s between 0.2 and 0.95", bool(0.2 < rho < 0.95),
      f"{rho:.2f}; the largest p lies along F's direction {int(p.argmax()) + 1} of {len(s)}")
middle = (x > 0.3) & (x < 0.8)
above = float((y[middle] > x[middle]).float().mean())
print(f"middle directions (sqrt of s over its max between 0.3 and 0.8): {int(middle.sum())}, "
      f"of which {above:.0%} above y = x")

# %% [markdown]
# The eigenvalues grow with s overall, as the theory says, but not in order (the numbers printed
# above): a rank correlation well below 1. Most directions have a small s, and only a few lie in the
# middle of the range (the line above counts them): too few to say how p grows with √s there. In 04's linear model the relation is a conservation law that
# holds along the whole trajectory from a balanced start; this is one 300-step run of a nonlinear
# network from a random start, where it holds only as a tendency.
#
# ## DirectPred and DirectCopy against learned predictors, 3 seeds
# DirectCopy sets W_p = F̂/‖F̂‖ + εI without an eigen-decomposition. A fair comparison needs runs
# long enough to learn and several seeds, so these come from the course's reference runs on `shapes` (with
# `FULL = True` too)
# (3 seeds each, SimSiam and BYOL; `scripts/reference_runs.py`), loaded here, every head trained in
# its method's CPU preset, as the reference runs are (20-px views; the table's last column gives the steps).
#
# **Predict, then run**: for SimSiam, do the two linear heads set from F (DirectPred and DirectCopy)
# give a better linear probe than the linear head learned by SGD (mean of 3 seeds)? Answer
# `"set from F"` (both above it), `"learned by SGD"` (both below) or `"neither"` (one above, one below).

# %% nbgrader={"grade": false, "grade_id": "predict_best_head", "locked": false, "schema_version": 3, "solution": true}
# your prediction, one of "set from F", "learned by SGD" or "neither": prediction = "..."
### BEGIN SOLUTION
prediction = "set from F"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "judge_predict_best_head", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import judge_prediction

names = ["simsiam", "simsiam-linear", "simsiam-directpred", "simsiam-directcopy",
         "byol", "byol-linear", "byol-directpred", "byol-directcopy"]
table = reference.load(names)
heads = {"simsiam-linear": "learned by SGD", "simsiam-directpred": "DirectPred", "simsiam-directcopy": "DirectCopy"}
probe = table.groupby("run", observed=True)["linear_probe"].mean()
spread = table.groupby("run", observed=True)["linear_probe"].std()
above = [probe[run] > probe["simsiam-linear"] for run in ("simsiam-directpred", "simsiam-directcopy")]
judge_prediction("heads set from F against the one learned by SGD", prediction,
                 "set from F" if all(above) else "learned by SGD" if not any(above) else "neither",
                 ("set from F", "learned by SGD", "neither"),
                 ", ".join(f"{head} {probe[run]:.3f} ± {spread[run]:.3f}" for run, head in heads.items())
                 + " linear probe, mean ± std of 3 seeds. Setting W_p from F skips learning it; DirectPred against "
                 "DirectCopy is within the seeds' spread, so the question asks only about the two against SGD.")

# %%
print(reference.format_table(table))
reference_plots.plot_scores(table, "linear_probe");

# %% [markdown]
# With error bars: the heads set from F are at least as good as the linear one trained by SGD, for
# SimSiam and for BYOL, and every variant is far above the random network, as DirectPred's paper finds
# for linear heads. Its table puts the 2-layer MLP head first (paper); here SimSiam's MLP head probes
# below both heads set from F and above the linear one trained by SGD (the check below).

# %% tags=["nbval-check-output"]
for name in names:
    claim(f"{name} beats random init: kNN gain >= 0.10 and > 2 seed std", *reference.beats_random_init(table, name, "knn", by=0.10))
for method in ("simsiam", "byol"):
    probe = table.groupby("run", observed=True)["linear_probe"].mean()
    for name in ("directpred", "directcopy"):
        claim(f"{method}: {name} is at least as good as the SGD-trained linear predictor, probe mean of 3 seeds",
              probe[f"{method}-{name}"] >= probe[f"{method}-linear"],
              f"{probe[f'{method}-{name}']:.3f} vs {probe[f'{method}-linear']:.3f}")
mlp_probe, set_from_f = probe["simsiam"], probe[["simsiam-directpred", "simsiam-directcopy"]]
claim("SimSiam's MLP head probes below both heads set from F and above the SGD-trained linear head, mean of 3 seeds",
      bool(probe["simsiam-linear"] < mlp_probe < set_from_f.min()),
      f"{mlp_probe:.3f} vs {set_from_f.min():.3f} and {probe['simsiam-linear']:.3f}")
aligned = reference.curves(table[table["run"] == "simsiam-directpred"], "alignment")["alignment"]
claim("DirectPred's W_p is set, not learned: aligned with F at every logged step of every seed (> 0.99)",
      aligned.min() > 0.99, f"lowest {aligned.min():.3f} over {len(aligned)} measurements")

# %% [markdown]
# And over training: the cheap kNN measured 16 times a run (k = 200, 2 000 labelled images against 1 000 test
# images) for SimSiam's three linear heads (3 seeds, mean ± std; dotted: random init measured the same way), and on the
# right the final full-set kNN of the table. SimSiam's MLP head is left out: its curve is notebook 03's. Under the
# figure, the curves' means at four steps.

# %%
simsiam_heads = reference.load(["simsiam-linear", "simsiam-directpred", "simsiam-directcopy"])
reference_plots.plot_curves(simsiam_heads, title="kNN over training (mean ± std over seeds)")
knn_curve = reference.curves(simsiam_heads, "knn").groupby(["step", "run"], observed=True)["knn"].mean().unstack()
shown_steps = [knn_curve.index[0], knn_curve.index[len(knn_curve) // 3], knn_curve.index[len(knn_curve) // 2], knn_curve.index[-1]]
print(knn_curve.loc[shown_steps].round(3).to_string())

# %% tags=["nbval-check-output"]
full_set = simsiam_heads.groupby("run", observed=True)["knn"].mean()
middle_step = knn_curve.index[len(knn_curve) // 2]
for name in ("simsiam-directpred", "simsiam-directcopy"):
    gap = knn_curve[name] - knn_curve["simsiam-linear"]
    full_gap = full_set[name] - full_set["simsiam-linear"]
    early, late = gap[gap.index < shown_steps[1]], gap[gap.index >= shown_steps[1]]
    claim(f"{name} is within 0.03 of the SGD-trained linear head over the first third of training, above it at "
          "every logged step after, its gap larger at the end than at mid-training and largest on the full-set kNN",
          bool(early.abs().max() < 0.03 and (late > 0).all() and gap.iloc[-1] > gap[middle_step] and full_gap > gap.iloc[-1]),
          f"largest early difference {early.abs().max():.3f}; gap {late.min():.3f} at least from step {shown_steps[1]}, "
          f"{gap[middle_step]:.3f} at step {middle_step}, {gap.iloc[-1]:.3f} at the end, {full_gap:.3f} on the full set")

# %% [markdown]
# Over the first third of training the three linear heads learn about equally fast (within 0.03 of
# each other); from then on DirectPred and DirectCopy sit above the SGD-trained linear head (the
# rows and checks above), the gap larger at the end than at mid-training and largest on the
# full-set kNN of the table. The head set from F is right from the first update; what that buys
# shows only once the features have structure for it to follow.

# %% tags=["nbval-check-output"]
for method in ("simsiam", "byol"):
    for name in ("directpred", "directcopy"):
        claim(f"summary: {method}-{name}'s probe >= the SGD-trained linear head's, mean of 3 seeds",
              bool(probe[f"{method}-{name}"] >= probe[f"{method}-linear"]),
              f"{probe[f'{method}-{name}']:.3f} vs {probe[f'{method}-linear']:.3f}")

# %% [markdown]
# ## Summary
# * A learned linear predictor turns towards F's eigenvectors (3 seeds, SimSiam and BYOL; SimSiam's
#   ends aligned, near 1); its
#   eigenvalues grow with s overall but not in order (a rank correlation well below 1 after 300
#   steps): a tendency, not the exact p = √(α_p s) of 04's model.
# * DirectPred skips learning it: eigen-decompose the running F̂ and set the weight.
# * Over 3 seeds, DirectPred and DirectCopy are at least as good as the SGD-trained linear head for
#   both SimSiam and BYOL, and every variant beats the random network (ImageNet R50, 60 epochs:
#   DirectPred 64.4 vs 2-layer predictor 64.7, linear 59.4 (paper)).

# %% [markdown]
# ## The course's answer: why BYOL and SimSiam do not collapse
# Notebook 01 asked why BYOL and SimSiam, trained on a loss that a constant encoder minimises, do
# not end at that constant. The course has now measured each part of the answer; the checks below
# repeat the numbers in one place, each with the notebook that measured it.

# %% tags=["nbval-check-output"]
from ssl_course.theory import linear

ablations = reference.load(["simsiam", "simsiam-no-stop-gradient", "simsiam-no-predictor"])
ranks = ablations.groupby("run", observed=True)["effective_rank"].mean()
claim("03: with the stop-gradient and the predictor SimSiam's projections keep > 24 of 128 directions, without "
      "either < 5", bool(ranks["simsiam"] > 24 and max(ranks["simsiam-no-stop-gradient"], ranks["simsiam-no-predictor"]) < 5),
      f"effective rank {ranks['simsiam']:.1f}, {ranks['simsiam-no-stop-gradient']:.1f} without the stop-gradient, "
      f"{ranks['simsiam-no-predictor']:.1f} without the predictor, 3 seeds")
gains, measured = reference.beats_random_init(ablations, "simsiam-no-stop-gradient", "knn", by=0.10)
claim("03: without the stop-gradient the backbone does not gain 0.10 kNN over random init", not gains, measured)
claim("03: without the predictor the backbone still gains >= 0.10 kNN over random init",
      *reference.beats_random_init(ablations, "simsiam-no-predictor", "knn", by=0.10))
claim("04: weight decay 0.2, above tau^2 / 4(1 + sigma^2), leaves no fixed point but 0; 0.05 leaves two",
      bool(linear.fixed_points(1.0, 0.5, 0.2) is None and linear.fixed_points(1.0, 0.5, 0.05) is not None), "tau 1, sigma^2 0.5")
claim("06: a head set from F and never trained probes at least as well as the SGD-trained linear head",
      bool(probe["simsiam-directpred"] >= probe["simsiam-linear"]),
      f"{probe['simsiam-directpred']:.3f} vs {probe['simsiam-linear']:.3f}, mean of 3 seeds")

# %% [markdown]
# * **The collapsed solution is always there.** A constant encoder reaches the agreement loss's
#   minimum (01, "The question of this course"). No term of the loss pushes away from it (04, "The
#   model": W = 0 is a fixed point of every mode): what keeps the networks away is how they are trained.
# * **The stop-gradient makes the target a fixed goal for each step.** With gradient through both
#   branches the quickest way to agree is to shrink both: in 04's linear model every mode goes to 0
#   ("Why the stop-gradient": the rate of every mode is negative whatever the predictor's gain, your
#   Exercise 3 there), and in the real SimSiam the projections keep one or two directions and the
#   backbone does not gain the course's 0.10 kNN over the random network (03, "Does it learn? The
#   reference runs, 3 seeds"; the checks above).
# * **The predictor gives each direction its own gain.** In 04 a direction on the balanced parabola
#   survives when its predictor eigenvalue p starts above the unstable fixed point p*₋ (off it, the
#   feature strength s decides too: 04, "The phase portrait"), and then p and s grow together, ordered
#   like s along the way (04, "s and p along the way and at the end"; in 06's real run a tendency, with
#   a rank correlation well below 1: "A learned linear predictor aligns with F"); the learned predictor turns towards F's eigenvectors (04, "Eigen-alignment in the full
#   system"; in the real network 06, "A learned linear predictor aligns with F"), and a head set
#   from F directly works as well (06, "DirectPred and DirectCopy against learned predictors"). With no
#   predictor (W_p fixed at I) every mode of 04's model shrinks at one rate r = 2[τ − (1+σ²)] − 2η,
#   negative once the augmentation adds variance (04, "Without a predictor"), and SimSiam's
#   projections collapse to two or three directions (a dimensional collapse; 03, "Does it learn?"),
#   although its backbone still gains more than 0.10 kNN (the check above).
# * **The EMA is not what keeps the projections from collapsing here**: SimSiam has none and learns (03, "Does it
#   learn?"), and BYOL without it ends within 0.03 kNN of BYOL (02, "Ablations"). In 04's model
#   the EMA's rate β = (1 − m)(1 − μ)/γ changes how fast the target follows, not which modes survive
#   (04, "The EMA"). BYOL's slowly moving target is a choice of how fast the goal moves; on a run as short as the CPU recipe's, a
#   fast one learned more in the recipe search (one seed; docs/decisions.md, "BYOL's target on a
#   short run").
# * **Weight decay sets how weak a direction may be and still survive**: it raises p*₋, and above
#   τ²/(4(1+σ²)) no direction survives (04, the fixed points against weight decay).
# * **BatchNorm can hide the collapse from the std monitor**: SimSiam's projector ends in BatchNorm,
#   which gives every output dimension unit variance, so the normalised std stays near 1/√d while the
#   rank falls (03, "With and without the stop-gradient, with and without the predictor", and the
#   rank curves of "Does it learn?"); BYOL's projector ends without one, so 02's monitor sees the
#   collapse (02, "Ablations"). What is left in a working run is partial: some directions, not all
#   (07, "Measuring collapse").
#
# **References**: Tian, Chen & Ganguli 2021 (DirectPred); Wang et al. 2021 (DirectCopy).
