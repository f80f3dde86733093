# %% [markdown]
# Open in Colab: [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/student/08_scaling_up.ipynb) the exercises · [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/08_scaling_up.ipynb) with solutions
#
# # 08 · Scaling up: the same trainer on a GPU
#
# **Learning goals**: run the course's trainer on CIFAR-10 on a GPU; know what mixed precision and channels_last do; know the papers' ImageNet numbers.
#
# **Time**: under half a minute (8 s measured) on a 2-core CPU (small settings: the GPU commands are shown, not run). With `FULL = True` on a GPU it trains SimSiam on CIFAR-10 for about an hour (the epochs of the paper's 800 that fit, printed below), resumable after a disconnect.

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
# ## On Colab, in one free session
# The package's FULL preset is the paper's recipe (`ssl_course/presets.py`: ResNet-18, batch 512, the
# paper's base lr 0.03 per 256 images (paper), doubled at batch 512, wd 5e-4, 800 epochs). By the
# preset's own estimate for a free Colab T4, in fp16 (the precision the trainer picks there), the 800
# epochs would take many hours (printed below): far beyond a free session. The cell below sizes the run to about an hour instead
# (the epochs that fit, with the lr schedule planned for exactly those), keeps the run folder on your
# Google Drive when it runs on Colab, so that a reset VM loses nothing and `--resume` continues, and
# prints the same run as shell commands (in a Colab cell, `!` runs a shell command). CIFAR-10 is
# downloaded only because you ask for it (`--download`).

# %%
import os
import sys

from ssl_course.presets import estimated_minutes, fit_budget, preset

RUNS = "runs"
if FULL and "google.colab" in sys.modules:  # the run folder on Drive: it survives a disconnect
    from google.colab import drive

    drive.mount("/content/drive")
    RUNS = "/content/drive/MyDrive/ssl_course_runs"
hour = fit_budget(preset("simsiam", full=True))
out = f"{RUNS}/simsiam-cifar10"
print(f"all 800 epochs: about {estimated_minutes(preset('simsiam', full=True)) / 60:.0f} h of a T4 (the preset's estimate)")
print(f"{hour.epochs} of the recipe's 800 epochs fit about {estimated_minutes(hour):.0f} min of a T4 (the preset's estimate)")
print(f"!ssl-course train --method simsiam --full --download --epochs {hour.epochs} --out {out}")
print(f"!ssl-course train --method simsiam --full --download --epochs {hour.epochs} --out {out} --resume   # after a reset")
print(f"!ssl-course eval --checkpoint {out}/last.pt --json")
print(f"to expect after that hour: a kNN below the 0.81 lightly's CIFAR-10 benchmark gives SimSiam after 200 epochs "
      f"({hour.epochs} epochs here); not yet measured on a GPU by this course")

# %% [markdown]
# With `FULL = True` the next cell trains that hour itself (and, rerun after a disconnect, resumes from
# the checkpoint on Drive). On the CPU it runs the very same code path, tiny. On CUDA the trainer uses
# channels_last and mixed precision (`--precision auto`, `ssl_course/precision.py`): bf16 autocast where
# the GPU has it natively (Ampere and newer: A100, L4, H100), fp16 autocast with a gradient scaler on
# older GPUs (the T4 of a free Colab session, V100), fp32 on the CPU. Checkpoints are atomic and carry
# the gradient scaler's state, so a resumed fp16 run continues exactly.

# %% tags=["nbval-check-output"]
from ssl_course.course import run_config
from ssl_course.train import train

if FULL:
    config = run_config("simsiam", full=True, out=out, epochs=hour.epochs)
    result = train(config, resume=os.path.exists(f"{out}/last.pt"))  # after a disconnect: continue exactly
else:  # the same code path, tiny: a ResNet-18 on shapes for a handful of steps
    config = run_config("simsiam", steps=4, backbone="resnet18", batch_size=32, final_eval=False)
    result = train(config)
print(f"backbone {config.backbone}, {result.steps} steps, loss within SimSiam's [-1, 1]: {-1 <= result.loss <= 1}")

# %% [markdown]
# ## What bf16 and channels_last buy on this machine, measured
# One training step (forward, backward, SGD step on a batch of random 32 px views) timed four ways
# on the machine that runs this notebook, 20 steps each after 3 untimed warm-up steps: in fp32, under
# bf16 autocast, with channels_last memory, and both. The timing is `benchmarks/step_variants.py`,
# loaded here so the notebook can plot it. On the CPU it times the course's small ConvNet at batch 32
# (a ResNet-18 step takes seconds there); with `FULL = True`, the FULL recipe's ResNet-18 at its batch
# of 512.

# %%
from ssl_course.course import load_benchmark, plot_step_times

step_variants = load_benchmark("step_variants")
timing = preset("simsiam", full=True) if FULL else run_config("simsiam", batch_size=32)
steps = min(20, timing.max_steps or 20)  # a trial of the FULL path (SSL_COURSE_TRIAL) times fewer
times = step_variants.time_step_variants(timing, steps=steps, warmup=min(3, steps), device=device)
plot_step_times(times, title=f"measured on this machine ({device.type}): {timing.backbone} step, batch {timing.batch_size}")
print(step_variants.describe(times, device.type))

# %% [markdown]
# The bars and the sentence above them are this machine's measurement, not a GPU's. On a CPU without
# bf16 matrix units the casts under autocast can cost time instead of saving it, and where bf16 is faster it
# still changes the numbers a run gives: the trainer keeps the CPU in fp32, so the course's CPU results
# stay reproducible. On an NVIDIA GPU of the Ampere generation or newer, bf16 autocast
# runs the convolutions on tensor cores and channels_last is the layout they want, so the trainer turns
# both on there. A T4 has no bf16 units but fp16 tensor cores, so there the trainer runs fp16 autocast
# with a gradient scaler (fp16's narrow range would otherwise round small gradients to zero). Run this
# cell on your GPU to see its factors.
#
# ## Measured on a GPU
# `benchmarks/gpu_check.py` is the course's one-command check for a GPU (about 8 minutes, no
# download): the trainer against the model's own speed in fp32, bf16 and fp16, with and without
# channels_last; a short FULL SimSiam run; and the Colab-hour estimate against what was measured.
# Its committed result, when a GPU has run it, is shown here; the same table is in `docs/scaling.md`.

# %%
gpu_check = load_benchmark("gpu_check")
gpu_result = gpu_check.load_result()
print(gpu_check.markdown(gpu_result) if gpu_result else
      "No GPU has run the check yet, so every GPU number in this notebook is an estimate. "
      "On a GPU: python benchmarks/gpu_check.py")

# %% [markdown]
#
# ## What to expect
# | run | setting | linear top-1 |
# | --- | --- | --- |
# | SimSiam, CIFAR-10, ResNet-18 | 800 epochs, batch 512 | 91.8 % (paper) |
# | DirectPred, ImageNet, ResNet-50 | 60 / 300 epochs | 64.4 / 72.4 % (paper) |
# | BYOL-style 2-layer predictor, ImageNet, ResNet-50 | 60 / 300 epochs | 64.7 / 72.5 % (paper) |
# | linear predictor (learned), ImageNet, ResNet-50 | 60 / 300 epochs | 59.4 / 69.9 % (paper) |
#
# ## Summary
# * The notebooks' trainer is the full trainer: switch `FULL = True` on a GPU; on Colab the run is sized to
#   about an hour and kept on Drive, so it fits a free session and resumes after a reset.
# * On a GPU, channels_last is on by default, and the precision follows the GPU: bf16 where native, fp16
#   with a gradient scaler on a T4 or V100; resume is exact (the scaler's state is in the checkpoint).
# * The bars above are this machine's; `benchmarks/step_variants.py` measures yours, and
#   `benchmarks/gpu_check.py` is the one command that measures a GPU.
#
# **References**: Chen & He 2021; Tian, Chen & Ganguli 2021.
