# %% [markdown]
# Open in Colab: [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/student/07_dimensional_collapse.ipynb) the exercises · [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/07_dimensional_collapse.ipynb) with solutions
#
# # 07 · Partial dimensional collapse
#
# **Learning goals**: compute Li, Efros & Pathak's collapse measure and compare it where it is comparable (one feature dimension); test whether more data at the same steps means more collapse, and look for a mechanism (a model that fits its own images); check whether the measure forecasts linear-probe accuracy without labels; compare continual, multi-epoch and hybrid training.
#
# **Time**: under a minute (33 s measured) on a 2-core CPU with `FULL = False`.

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
# ## Measuring collapse
# Take backbone features, centre them, compute their singular values σ_i; the cumulative curve
# c_k = Σ_{i≤k} σ_i / Σ σ_i and its mean (the AUC) grow as fewer directions carry the variance.
# **Exercise 1** (a warm-up: the formula is above): the AUC.

# %% nbgrader={"grade": false, "grade_id": "explained_variance_auc", "locked": false, "schema_version": 3, "solution": true}
import torch


def explained_variance_auc(features):
    ### BEGIN SOLUTION
    x = features - features.mean(dim=0)
    s = torch.linalg.svdvals(x)
    return (torch.cumsum(s, 0) / s.sum()).mean().item()
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_explained_variance_auc", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_explained_variance_auc

check_explained_variance_auc(explained_variance_auc)

# %% [markdown]
# ## Comparing collapse: one feature dimension at a time
# What AUC does a given collapse give? Take d-dimensional features spread evenly over only k of their
# directions: k equal singular values, the other d − k zero (dimensional collapse to k directions).
# **Exercise 2**: derive their AUC as a function of k and d (write out c_i for i ≤ k and for i > k,
# then take the mean over all d points). The checker measures it on such features.

# %% nbgrader={"grade": false, "grade_id": "evenly_spread_auc", "locked": false, "schema_version": 3, "solution": true}
def evenly_spread_auc(k, d):
    ### BEGIN SOLUTION
    return ((k + 1) / 2 + (d - k)) / d
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_evenly_spread_auc", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_evenly_spread_auc

check_evenly_spread_auc(evenly_spread_auc)

# %% [markdown]
# At k = d the features are isotropic, and the AUC has a floor that depends on the feature
# dimension d (printed below for three widths). A narrower network has the higher floor, so comparing raw AUCs
# across widths mixes the dimension into the collapse. This notebook compares
# AUCs only between runs of one width (one d), and, where widths must meet, on the normalised scale
# (AUC − floor) / (1 − floor): 0 for isotropic features, 1 for rank one.

# %% tags=["nbval-check-output"]
from ssl_course.course import claim
from ssl_course.studies.collapse import isotropic_auc, normalised_auc

for width in (1, 4, 16):
    dim = 8 * width  # the ConvNet's pooled features
    print(f"width {width:>2}: {dim:>3}-d features, isotropic AUC {isotropic_auc(dim):.4f}; "
          f"an AUC of 0.78 is {normalised_auc(0.78, dim):.3f} on the normalised scale")
claim("the narrower the network, the higher the floor", bool(isotropic_auc(8) > isotropic_auc(32) > isotropic_auc(128)),
      f"{isotropic_auc(8):.4f}, {isotropic_auc(32):.4f}, {isotropic_auc(128):.4f} for 8, 32, 128 dimensions")

# %% [markdown]
# ## Does more data mean more collapse?
# Li, Efros & Pathak train SimSiam for the **same number of steps** on 1 % to 100 % of ImageNet (their
# released loader fills every epoch of a subset with as many batches as the whole set has). On 1 %
# each image is then seen about 10 000 times, on 100 % about 100 times (paper). The same here, with
# the CPU recipe's SimSiam (without the lr warm-up the preset has since gained): 3 000 steps of 128
# images for every data size, on the first 128, 512,
# 2 000, 10 000 or 100 000 images of `shapes-100k` (whose first 10 000 are `shapes`' own training
# set, so every run is scored on the same labelled images). That is from 3 000 passes per image
# down to under 4, at two widths: 4 (32-d features) and 16 (128-d).
#
# First a short live run: width 16 for 300 steps on 128 and on 10 000 images (one seed, under a
# minute on a 2-core CPU). Besides the AUC and the scores it prints the SimSiam loss on the run's
# own training images and on held-out test images (eval mode, the same seeded views).

# %%
from ssl_course.studies.collapse import live_sweep

live = live_sweep(sizes=(128, 10_000), width=16, steps=300, full=FULL)
for r in live:
    print(f"{r['train_images']:>7,} images ({r['passes_per_image']:>6.1f} passes each): AUC {r['auc']:.4f} "
          f"(random init {r['random_init_auc']:.4f}), kNN {r['knn']:.3f} (random init {r['random_init_knn']:.3f}), "
          f"probe {r['linear_probe']:.3f}; loss own {r['own_loss']:+.3f}, held-out {r['held_out_loss']:+.3f}")

# %% tags=["nbval-check-output"]
claim("both live runs learn: kNN >= 0.10 above random init", all(r["knn"] >= r["random_init_knn"] + 0.10 for r in live),
      ", ".join(f"{r['train_images']:,} images {r['knn'] - r['random_init_knn']:+.3f}" for r in live))

# %% [markdown]
# Both runs learn (the check above). One seed of 300 steps cannot carry a finding about collapse: no spread, and a tenth of the study's steps. The
# lesson rests on the **reference runs**: 2 widths × 5 data sizes × 3 seeds, 3 000 steps each
# (`scripts/reference_runs.py`, about 3 CPU minutes a run), loaded here, never retrained.
#
# **Predict, then run**: at width 16, from 128 to 100 000 images, does the AUC `"rise"` (more
# collapse), stay `"about flat"` (a change within twice its seed std) or `"fall"`? The change is
# paired by seed: a seed fixes the initialisation, whatever the data size.

# %% nbgrader={"grade": false, "grade_id": "predict_collapse", "locked": false, "schema_version": 3, "solution": true}
# your prediction, one of "rise", "about flat" or "fall": prediction = "..."
### BEGIN SOLUTION
prediction = "rise"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "judge_predict_collapse", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import judge_prediction
from ssl_course.studies import reference
from ssl_course.studies.collapse import collapse_rise, study_names, study_rows, study_summary
from ssl_course.studies.runs import DATA_SIZES, DATA_WIDTHS

study = reference.load(study_names(DATA_WIDTHS, DATA_SIZES))
rows = study_rows(study)
rise = {width: collapse_rise(rows, width) for width in DATA_WIDTHS}
change, std = rise[16]
judge_prediction("AUC of width 16 from 128 to 100 000 images", prediction,
                 "rise" if change > 2 * std else "fall" if change < -2 * std else "about flat",
                 ("rise", "about flat", "fall"),
                 f"AUC {change:+.4f} ± {std:.4f} over {study['seed'].nunique()} seeds, paired by seed.")

# %%
summary = study_summary(rows)
columns = ["width", "train_images", "passes_per_image", "auc", "auc_std", "random_init_auc", "knn", "knn_std",
           "linear_probe", "linear_probe_std", "own_loss", "held_out_loss"]
print(summary[columns].round(4).to_string(index=False))

# %%
from ssl_course.studies.collapse_plots import plot_data_study

plot_data_study(rows);

# %% [markdown]
# Walk along the study yourself (with a live kernel, JupyterLab or Colab; the table and the figure
# above are the same numbers for a reader without one): pick a width and a data size and read how
# many passes each image got, how collapsed the features are, what kNN and the probe make of them, and
# how far the run's own images are from images it never saw.

# %%
import ipywidgets as widgets


def show_run(width=16, train_images=128):
    row = summary[(summary["width"] == width) & (summary["train_images"] == train_images)].iloc[0]
    print(f"width {width}, {train_images:,} images, {row['passes_per_image']:,.1f} passes each: AUC {row['auc']:.4f} "
          f"± {row['auc_std']:.4f} (random init {row['random_init_auc']:.4f}); kNN {row['knn']:.3f}, probe "
          f"{row['linear_probe']:.3f}; loss on its own images {row['own_loss']:+.3f}, on unseen ones "
          f"{row['held_out_loss']:+.3f} (mean of 3 seeds)")


widgets.interact(show_run, width=widgets.ToggleButtons(options=list(DATA_WIDTHS), value=16),
                 train_images=widgets.SelectionSlider(options=list(DATA_SIZES), value=min(DATA_SIZES)));

# %% tags=["nbval-check-output"]
from ssl_course.course import claim
from ssl_course.studies.collapse import rank_correlation

knn_change = {width: collapse_rise(rows, width, "knn") for width in DATA_WIDTHS}
probe_change = {width: collapse_rise(rows, width, "linear_probe") for width in DATA_WIDTHS}
for width in DATA_WIDTHS:
    (a, a_std), (k, k_std), (p, p_std) = rise[width], knn_change[width], probe_change[width]
    print(f"width {width:>2}, 128 -> 100 000 images, paired by seed: AUC {a:+.4f} ± {a_std:.4f}, "
          f"kNN {k:+.3f} ± {k_std:.3f}, probe {p:+.3f} ± {p_std:.3f}")
claim("at width 16 the AUC rises from 128 to 100 000 images by more than twice its seed std",
      rise[16][0] > 2 * rise[16][1], f"{rise[16][0]:+.4f} ± {rise[16][1]:.4f}")
claim("at width 16 kNN or probe falls from 128 to 100 000 images",
      knn_change[16][0] < 0 or probe_change[16][0] < 0, f"kNN {knn_change[16][0]:+.3f}, probe {probe_change[16][0]:+.3f}")
at16 = [r for r in rows if r["width"] == 16]
rho16 = rank_correlation(at16)
claim(f"within width 16 the AUC ranks the probe without labels: Spearman <= -0.6 over its {len(at16)} runs",
      rho16 <= -0.6, f"Spearman {rho16:+.2f}")
gains = study["knn"] - study["random_init_knn"]
claim(f"every one of the {len(study)} runs beats its random init by >= 0.10 kNN", bool((gains >= 0.10).all()),
      f"smallest gain {gains.min():+.3f}, in {study.loc[gains.idxmin(), 'run']}-s{study.loc[gains.idxmin(), 'seed']}")
knn_at = study.assign(width=study["width"].astype(int)).pivot_table(index=["width", "seed"], columns="train_subset", values="knn")
small_to_large = knn_at[max(DATA_SIZES)] - knn_at[min(DATA_SIZES)]
claim("at width 4 kNN does not fall from 128 to 100 000 images, on average over seeds, while at width 16 it does",
      bool(knn_change[4][0] >= 0 and knn_change[16][0] < 0),
      "width 4: " + ", ".join(f"seed {seed} {v:+.3f}" for seed, v in small_to_large.loc[4].items())
      + f"; width 16 {knn_change[16][0]:+.3f}")

# %% [markdown]
# What the study shows (the numbers are the ones printed above):
# * **At width 16, more data at the same steps means more collapse, as in the paper.** The AUC rises
#   from 128 to 100 000 images by more than three times its paired seed spread, and almost all of the
#   rise happens between 128 and 2 000 images; beyond that it is flat. The 128-image model ends
#   nearest its own random init's AUC (the dotted line): the least collapsed of the series, the
#   counterpart of the paper's 1 % model. kNN ends lower at 100 000 images than at 128, though not at
#   every step in between; the linear probe moves less than its seed spread.
# * **At width 4 the same data sizes are the other regime.** The AUC also rises from 128 images, but
#   kNN does not fall with the data: it is lowest at 128 images and, on average, highest at 100 000
#   (one seed of three is flat). What differs between the widths is the cost of the collapse, not
#   the collapse: at both widths the AUC rises by about the same amount, but only width 16 loses kNN
#   with more data. The next section looks for a mechanism behind the collapse; it does not explain
#   the difference between the widths.

# %% [markdown]
# ## A candidate mechanism: a model that fits its own images
# Why would *less* data give *less* collapse? Many passes over few images let the network fit them:
# the paper's poster shows the training loss at 1 % of ImageNet near −1.0 (the negative cosine's
# minimum) while the held-out loss stays near −0.5 (paper); from 10 % on both sit together. Each
# reference run recorded its loss on up to 1 024 of its own training images (all of them for the 128- and
# 512-image runs) and on 1 024 test images:

# %%
from ssl_course.studies.collapse_plots import plot_fitting

plot_fitting(rows);

# %% tags=["nbval-check-output"]
fit = summary.assign(gap=summary["held_out_loss"] - summary["own_loss"]).set_index(["width", "train_images"])["gap"]
for width in DATA_WIDTHS:
    print(f"width {width:>2}, held-out minus own loss: " + ", ".join(f"{n:,} images {fit[(width, n)]:+.3f}" for n in DATA_SIZES))
claim("at both widths the 128-image runs fit their own images: held-out loss above own by > 0.05",
      bool(all(fit[(w, 128)] > 0.05 for w in DATA_WIDTHS)), ", ".join(f"width {w} {fit[(w, 128)]:+.3f}" for w in DATA_WIDTHS))
claim("with 10 000 images or more the gap is under 0.02 at both widths",
      bool(all(abs(fit[(w, n)]) < 0.02 for w in DATA_WIDTHS for n in DATA_SIZES if n >= 10_000)),
      ", ".join(f"width {w} {n:,}: {fit[(w, n)]:+.3f}" for w in DATA_WIDTHS for n in DATA_SIZES if n >= 10_000))

# %% [markdown]
# The fitting shows at both widths: on 128 images, 3 000 passes each, the loss on the run's own
# images is well below its loss on images it never saw (the first claim above), the network has
# fitted them; from 2 000 images on (under 200 passes) the two curves lie on each other. The
# paper's reading of its poster's two losses: a model that fits a handful of images keeps their
# features apart, in many directions, and its features are less collapsed; a model that can only
# learn what all images share ends more collapsed (paper). The fitting is found here at CPU scale;
# that it causes the lower AUC is the paper's reading, which these runs agree with but do not test.

# %% [markdown]
# ## Does the AUC forecast the probe? Within one architecture
# The paper's forecast compares models of one architecture. Here that is one width; across widths
# only the normalised AUC is comparable, and the forecast is not asked of it.

# %%
import matplotlib.pyplot as plt

from ssl_course.studies.collapse_plots import plot_forecast

fig, axes = plt.subplots(1, 2, figsize=(11.5, 4), dpi=110)
for ax, width in zip(axes, (16, 4)):
    plot_forecast(rows, width, ax=ax)
axes[0].legend().remove()  # the same colours for the same data sizes: one legend, right of both
fig.tight_layout()

# %% tags=["nbval-check-output"]
for score in ("linear_probe", "knn"):
    within = {width: rank_correlation([r for r in rows if r["width"] == width], y=score) for width in DATA_WIDTHS}
    print(f"Spearman of AUC against {score.replace('_', ' ')} within one width "
          f"({len(rows) // len(DATA_WIDTHS)} runs each): " + ", ".join(f"width {w} {rho:+.2f}" for w, rho in within.items()))
rho = {width: rank_correlation([r for r in rows if r["width"] == width]) for width in DATA_WIDTHS}
claim("within one width the AUC ranks the probe: Spearman <= -0.6 at width 4 or 16", min(rho.values()) <= -0.6,
      ", ".join(f"width {w} {v:+.2f}" for w, v in rho.items()))
normalised = summary.groupby("width")["normalised_auc"].mean()
print("mean normalised AUC: " + ", ".join(f"width {w} {v:.3f}" for w, v in normalised.items()))
claim("on the normalised scale the narrower network is the more collapsed", bool(normalised[4] > normalised[16]),
      f"width 4 {normalised[4]:.3f}, width 16 {normalised[16]:.3f}")

# %% [markdown]
# Where the collapse costs accuracy, at width 16, the AUC ranks the probe without labels: the more collapsed
# runs probe worse, just past the course's bar of −0.6, and kNN tells the same story more weakly.
# At width 4, where more data does not cost accuracy, the AUC forecasts nothing (a rank correlation
# near zero). The AUC's differences inside one width are small (hundredths), so the forecast rests on
# the seed spread being smaller still. On the normalised scale the narrow network is the more
# collapsed, as the paper's smaller models are.

# %% [markdown]
# ## Continual, multi-epoch or hybrid?
# On all 100 000 images, where width 16 is about as collapsed as it gets (level with 10 000 images
# within the seed spread), the same 3 000 steps in three orders, as the paper's protocol has them:
# * **multi-epoch**: i.i.d. over all 100 000 images (the `data-w16-n100000` runs above);
# * **continual**: ten chunks of 10 000 images in turn, each for the steps of 4 of its own epochs,
#   never revisited;
# * **hybrid**: the same stream for its first 4 chunks (40 % of the steps), then i.i.d. over all
#   images for the rest.
#
# Li et al. find the stream acts as a regulariser, and the hybrid gains most (+18 points of probe for
# a ResNet-18 on ImageNet, paper). Reference runs on `shapes-100k`, 3 seeds each (with `FULL = True` too):

# %%
from ssl_course.studies.collapse import REGIMES
from ssl_course.studies.collapse_plots import plot_regimes

regimes = reference.load(list(REGIMES))
print(reference.format_table(regimes, extra=("feature_auc",)))
plot_regimes(regimes);

# %% tags=["nbval-check-output"]
probe = regimes.pivot(index="seed", columns="run", values="linear_probe")  # seeds pair the regimes: same init
regime_auc = regimes.pivot(index="seed", columns="run", values="feature_auc")
for run in ("stream-w16-continual", "stream-w16-hybrid"):
    claim(f"{run} beats random init: kNN gain >= 0.10 and > 2 seed std", *reference.beats_random_init(regimes, run, "knn", by=0.10))
    gain = probe[run] - probe["data-w16-n100000"]
    auc_change = regime_auc[run] - regime_auc["data-w16-n100000"]
    verdict = "above" if gain.mean() > 2 * gain.std() else "below" if gain.mean() < -2 * gain.std() else "level with"
    knn_gain = regimes.pivot(index="seed", columns="run", values="knn")
    knn_gain = knn_gain[run] - knn_gain["data-w16-n100000"]
    print(f"{REGIMES[run]}: probe {verdict} multi-epoch, {gain.mean():+.3f} ± {gain.std():.3f}; kNN "
          f"{knn_gain.mean():+.3f} ± {knn_gain.std():.3f}; AUC {auc_change.mean():+.4f} ± {auc_change.std():.4f} "
          f"(paired over {len(gain)} seeds)")

# %% [markdown]
# At this scale the order of the data hardly matters. The stream and the hybrid end with the same
# AUC, the same probe and the same kNN as i.i.d. training, within their seed spread. With fewer than 4 passes per image, every image is nearly new whatever the order, so
# there is little for a stream to regularise: the paper's regime (about 100 passes per image, paper)
# is beyond a CPU session.
#
# ## Summary
# * The explained-variance AUC measures partial collapse of the backbone features without labels;
#   its floor depends on the feature dimension, so AUCs are compared within one width (or
#   normalised).
# * At the same 3 000 steps, width 16's backbone features are more collapsed with more data (a higher
#   AUC; a partial collapse, far from one direction), as Li, Efros & Pathak find. On 128 images the
#   network fits its own images (its loss on them far below its held-out loss) and keeps its features
#   spread out; from 2 000 images on it cannot. In this design fewer passes per image and more
#   distinct images go together, so the runs cannot tell which of the two is the cause. At width 4
#   the AUC rises as much with the data, but more data does not cost it kNN.
# * Within width 16 the AUC ranks the probe without labels (Spearman below −0.6); at width 4 it does not.
# * Continual, multi-epoch and hybrid training give the same collapse and probe at this scale.
#
# **References**: Li, Efros & Pathak 2022, *Understanding Collapse in Non-Contrastive Siamese
# Representation Learning* (ECCV).
