# %% [markdown]
# Open in Colab: [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/student/01_contrastive_learning.ipynb) the exercises · [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/01_contrastive_learning.ipynb) with solutions
#
# # 01 · Contrastive learning: InfoNCE and SimCLR
#
# **Learning goals**: name the parts every method shares (views, backbone, projector); write the InfoNCE loss (SimCLR's NT-Xent, defined below) from scratch; see what the temperature does; train SimCLR and compare its features with raw pixels and a random network; see why a loss without negatives is not enough on its own: the course's question.
#
# **Time**: under half a minute (18 s measured) on a 2-core CPU with `FULL = False`.

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
# ## The words
# Every method in this course has the same parts. A **view** is a randomly augmented copy of an
# image (notebook 00). The **backbone** (the encoder; here a small ConvNet) turns a view into its
# **features** h, the representation we want and evaluate. A **projector**, a small MLP on top,
# turns h into the **projection** z, and the loss compares projections only. BYOL and SimSiam
# (notebooks 02 and 03) add a **predictor**, one more small network from z to a prediction p.
#
# ## Similarities between embeddings
# SimCLR embeds two views of each of N images, 2N projections, and compares every pair by cosine
# similarity. **Exercise 1** (a warm-up): return the (N, N) matrix of cosine similarities of the rows of `z`.

# %% nbgrader={"grade": false, "grade_id": "similarity_matrix", "locked": false, "schema_version": 3, "solution": true}
import torch
import torch.nn.functional as F


def similarity_matrix(z):
    ### BEGIN SOLUTION
    z = F.normalize(z, dim=1)
    return z @ z.T
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_similarity_matrix", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_similarity_matrix

check_similarity_matrix(similarity_matrix)

# %% [markdown]
# ## InfoNCE
# With z = normalise([z1; z2]) and sim(i, j) = zᵢ·zⱼ / T, each of the 2N anchors must pick out its
# other view among the 2N − 1 others:
#
# L = −(1/2N) Σᵢ log [ exp(sim(i, pos(i))) / Σₖ exp(sim(i, k)) ],  the sum over every k ≠ i,
#
# where pos(i) is the other view of anchor i's image. SimCLR's paper calls this loss NT-Xent, the
# normalised, temperature-scaled cross-entropy: a softmax cross-entropy over cosines divided by T.
#
# **Exercise 2**: implement it (hint: `F.cross_entropy` on the similarity logits, with the diagonal
# set to −inf so that a sample is not its own negative).

# %% nbgrader={"grade": false, "grade_id": "info_nce", "locked": false, "schema_version": 3, "solution": true}
def info_nce(z1, z2, temperature=0.5):
    ### BEGIN SOLUTION
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.T / temperature
    logits.fill_diagonal_(float("-inf"))
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)
    return F.cross_entropy(logits, positives)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_info_nce", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_info_nce

check_info_nce(info_nce)

# %% [markdown]
# Now your loss trains a real network: 20 steps of the course's SimCLR run with your `info_nce` in
# place of the package's (`train(config, loss=...)`, the trainer's hook for a learner's loss). At
# every step the checker also computes the package's loss on the same projections and stops at the
# first step where the two disagree.

# %% nbgrader={"grade": true, "grade_id": "check_info_nce_trains", "locked": true, "points": 1, "schema_version": 3, "solution": false}
from ssl_course.exercises import check_info_nce_trains

check_info_nce_trains(info_nce)

# %% [markdown]
# ## What the temperature does
# The temperature T divides every cosine before the softmax. Below, the loss of 64 random
# embeddings whose positives are the same embeddings plus noise (so each one is related to its
# positive and to none of the 126 negatives), across temperatures, against unrelated views.
#
# **Predict, then run**: as T grows from 0.05 to 2, does the loss of these related views `"rise"`
# towards chance, `"fall"`, or stay `"flat"`?

# %% nbgrader={"grade": false, "grade_id": "predict_temperature", "locked": false, "schema_version": 3, "solution": true}
# your prediction, one of "rise", "fall" or "flat": prediction = "..."
### BEGIN SOLUTION
prediction = "rise"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "judge_predict_temperature", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
import matplotlib.pyplot as plt

from ssl_course.exercises import judge_prediction
from ssl_course.losses import info_nce as reference_info_nce

torch.manual_seed(0)
z1 = torch.randn(64, 16)
z2 = z1 + 0.8 * torch.randn(64, 16)  # noisy positives
temperatures = [0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
losses = [reference_info_nce(z1, z2, t).item() for t in temperatures]
random_losses = [reference_info_nce(z1, torch.randn(64, 16), t).item() for t in temperatures]
trend = "rise" if losses[-1] > losses[0] + 0.5 else "fall" if losses[-1] < losses[0] - 0.5 else "flat"
judge_prediction("InfoNCE as T grows", prediction, trend, ("rise", "fall", "flat"),
                 f"The loss goes from {losses[0]:.2f} at T = {temperatures[0]} to {losses[-1]:.2f} at T = {temperatures[-1]}. "
                 "A small T sharpens the softmax, so the positive's slightly larger cosine wins almost all its weight; "
                 "a large T flattens it: the positive no longer stands out from the 126 negatives.")

# %%
from ssl_course.figures import legend_outside

fig, ax = plt.subplots()
ax.semilogx(temperatures, losses, "o-", label="related views")
ax.semilogx(temperatures, random_losses, "s--", label="unrelated views")
ax.axhline(torch.log(torch.tensor(127.0)), color="k", ls=":", label="log(2N - 1): chance")
ax.set(xlabel="temperature T", ylabel="InfoNCE")
legend_outside(ax, "right")
fig.tight_layout()

# %% [markdown]
# Move the temperature yourself (with a live kernel, JupyterLab or Colab; the figure above is the
# static view): how much of the softmax's weight goes to each anchor's positive, for the related views.

# %%
import ipywidgets as widgets


from ssl_course.losses import positive_weight


def positive_share(T=0.5):
    n = len(z1)
    share = positive_weight(z1, z2, T)  # the softmax weight InfoNCE gives each anchor's positive
    print(f"T = {T:.2f}: the positive gets {share:.1%} of each anchor's weight (uniform: {1 / (2 * n - 1):.1%}); "
          f"InfoNCE {reference_info_nce(z1, z2, T).item():.2f}")


widgets.interact(positive_share, T=widgets.FloatLogSlider(value=0.5, base=10, min=-1.3, max=0.3, step=0.05));

# %% [markdown]
# At high T every pair looks alike and both curves approach chance; at low T the related views
# stand out sharply. SimCLR uses T ≈ 0.1–0.5.
#
# ## A SimCLR run
# The package's trainer (`ssl_course.train`) runs SimCLR with the loss above. `run_config("simclr",
# steps=200)` starts from the method's **preset**, the package's one recipe per method
# (`ssl_course/presets.py`). On a CPU that is a small ConvNet of **width** 16 (16 channels in its
# first layer; its pooled features have 8 × width = 128 dimensions), trained on batches of 128
# `shapes` images, each seen as two **20-px views**: random crops (a fifth of the 32-px image up to all
# of it), resized to 20 × 20 pixels, which makes a step cheaper (evaluation uses the full 32-px images). One **step** is one
# batch and one update; `steps=200` stops after 200 of them, with the lr schedule planned for exactly
# those. `FULL = True` runs the paper's CIFAR-10 recipe instead.
#
# How do we know the features are any good, without using labels during training? Two standard
# read-outs use the labels only afterwards, on frozen features:
# * **kNN accuracy**: for each test image, find its k = 200 most similar training images
#   (cosine similarity of features); each votes for its label with weight exp(similarity / 0.1);
#   the most-voted label is the prediction.
# * **Linear probe**: train only a linear classifier (softmax regression) on the frozen
#   features; its test accuracy says how much of the class is linearly readable.
#
# Both are compared with the *same network at random initialisation* (what the architecture gives
# for free; the trainer scores it after a run) and with raw pixels (`pixel_knn`). Below, kNN; notebook
# 02 adds the linear probe of the 3-seed reference runs.

# %%
from ssl_course.course import plot_accuracies, run_config
from ssl_course.evaluation import pixel_knn
from ssl_course.train import train

config = run_config("simclr", full=FULL, steps=200)
result = train(config)  # it also scores the same network at random init, for comparison
accuracies = {"SimCLR": result.knn, "random init": result.random_init_knn, "raw pixels": pixel_knn(config.dataset, root=config.data_dir)}
print({name: round(value, 2) for name, value in accuracies.items()})
plot_accuracies(accuracies);

# %% [markdown]
# The model that was trained, printed once: the backbone (the ConvNet, whose pooled output is the
# feature that kNN and the probe read) and the projector on top (whose output z goes into the loss).

# %%
print(result.method.backbone)
print(result.method.projector)
count = lambda module: sum(p.numel() for p in module.parameters())
print(f"parameters: backbone {count(result.method.backbone):,}, projector {count(result.method.projector):,}")

# %% tags=["nbval-check-output"]
from ssl_course.course import claim

claim("SimCLR beats the same network at random init by >= 0.08 kNN", result.knn >= accuracies["random init"] + 0.08,
      f"{result.knn:.2f} vs {accuracies['random init']:.2f}, one seed")
claim("and it beats raw pixels", result.knn > accuracies["raw pixels"],
      f"{result.knn:.2f} vs {accuracies['raw pixels']:.2f}");

# %% [markdown]
# What did the run do? The InfoNCE loss starts near log(2N − 1), its value when no view is told apart
# from the 2N − 2 others, and falls as the network learns to find each image's other view:

# %%
import math

from ssl_course.course import plot_monitors

losses = [row["loss"] for row in result.history if "loss" in row]
print(f"log(2N - 1) = log({2 * config.batch_size - 1}) = {math.log(2 * config.batch_size - 1):.2f}; "
      f"first logged loss {losses[0]:.2f}, last {losses[-1]:.2f}")
plot_monitors({"SimCLR": result}, keys=("loss",));

# %% [markdown]
# And what do the features see? For a few test images, their 8 nearest training images by cosine
# similarity of the features, at random initialisation and after training; a green frame shares the
# query's shape class, a red one does not. This is the kNN read-out, drawn.

# %%
from ssl_course.course import plot_retrieval
from ssl_course.data import dataset_tensors
from ssl_course.build import untrained_backbone

(train_images, train_labels), (test_images, test_labels) = dataset_tensors(config.dataset, root=config.data_dir)
_, precision = plot_retrieval({"random init": untrained_backbone(config), "SimCLR": result.method.backbone},
                              (train_images, train_labels), (test_images[:4], test_labels[:4]), k=8)

# %% [markdown]
# The same run seen through its loss: InfoNCE asks each view to find *its own* other view among all
# the others. Below, 12 test images, two augmented views each, and the cosine similarity of their
# features: row i is view 1 of image i, column j view 2 of image j. The diagonal holds the positive
# pairs, everything else the negatives.

# %%
from ssl_course.course import plot_view_similarity

_, similarity = plot_view_similarity({"random init": untrained_backbone(config), "SimCLR": result.method.backbone},
                                     test_images[:12], dataset=config.dataset)
for name, (diagonal, rest, own_best) in similarity.items():
    print(f"{name}: own other view {diagonal:.2f} against {rest:.2f} for the rest; the most similar in {own_best} of 12 rows")

# %% [markdown]
# The features are centred over the batch first (ReLU features are all positive, so uncentred
# every pair would look alike). Read the two lines above the figure: training raises the diagonal
# against the rest, and the own other view becomes the most similar in more rows, though not in
# every row; 200 steps are a short run.
#
# Without any label, 200 steps of SimCLR give features whose nearest neighbours share the class
# about twice as often as those of the same network untrained or of raw pixels (the three numbers
# printed above; one seed). Notebook 02 compares longer runs of three methods over three seeds.
#
# ## The question of this course
# InfoNCE needs its negatives: every other image in the batch. The methods of the next notebooks
# drop them and only ask the two views of an image to agree: their loss is minus the cosine between
# one view's prediction and the other view's projection. Such a loss has a trivial minimiser, an
# encoder that maps every image to the same vector: both views then agree perfectly, and nothing
# about the images is left in the features. That is **collapse**; a representation that keeps only
# a few directions is partly collapsed (notebooks 03 and 07). Here is that **constant encoder** beside the SimCLR
# network just trained, on the same batch of views, under both losses:

# %%
from ssl_course.augment import BatchTwoViewAugment
from ssl_course.data import dataset_spec
from ssl_course.losses import info_nce as package_info_nce
from ssl_course.losses import negative_cosine

spec = dataset_spec(config.dataset)
torch.manual_seed(0)
view1, view2 = BatchTwoViewAugment(spec.image_size, spec.mean, spec.std)(test_images[:256])
network = result.method.eval()
with torch.no_grad():
    z1, z2 = network.projector(network.backbone(view1)), network.projector(network.backbone(view2))
constant = torch.ones_like(z1)  # every image, every view: the same projection
agreement = {name: negative_cosine(a, b).item() for name, (a, b) in {"SimCLR, trained": (z1, z2), "constant": (constant, constant)}.items()}
contrastive = {name: package_info_nce(a, b, config.temperature).item()
               for name, (a, b) in {"SimCLR, trained": (z1, z2), "constant": (constant, constant)}.items()}
for name in agreement:
    print(f"{name:>15}: agreement loss -cos {agreement[name]:+.3f} (its minimum is -1), InfoNCE {contrastive[name]:.2f}")

# %% tags=["nbval-check-output"]
claim("the constant encoder reaches the agreement loss's minimum, below the trained network",
      agreement["constant"] <= -1 + 1e-6 < agreement["SimCLR, trained"], f"{agreement['constant']:+.3f} vs {agreement['SimCLR, trained']:+.3f}")
claim("while InfoNCE ranks it below the trained network", contrastive["constant"] > contrastive["SimCLR, trained"],
      f"{contrastive['constant']:.2f} vs {contrastive['SimCLR, trained']:.2f}")

# %% [markdown]
# Without negatives, the loss prefers the collapsed encoder to any useful one. **Why, then, do BYOL
# and SimSiam, which train on exactly such a loss, not end there?** That is the question of this
# course. Notebooks 02 and 03 show that they do not, and which of their parts matter (a predictor, a
# stop-gradient, a slowly moving target); 04 to 06 explain why with models small enough to solve;
# 07 shows that they do collapse partly, in some directions.
#
# ## Summary
# * InfoNCE is a 2N-way classification: find your other view among all the others.
# * The temperature sets how hard the negatives count.
# * SimCLR needs those negatives; without them a constant encoder minimises the agreement loss,
#   and the next notebooks ask why BYOL and SimSiam do not find it.
#
# **References**: Chen, Kornblith, Norouzi & Hinton 2020, *A Simple Framework for Contrastive
# Learning of Visual Representations*; van den Oord et al. 2018 (InfoNCE).
