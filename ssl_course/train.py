"""The one training loop every method, notebook and script uses.

``train(TrainConfig(...))`` builds the dataset, backbone and method, then runs SGD
with momentum, lr = base_lr x batch / 256, linear warm-up and cosine decay.
Each step: two augmented views -> ``method.training_step`` -> backward -> step ->
``method.after_optimizer_step`` (EMA target, DirectPred). Along the way it

* shows a tqdm bar with loss, lr and the collapse monitor (std of normalised z),
* appends per-step metrics to ``<out>/metrics.jsonl`` and evaluates kNN periodically,
* warns once, with a hint, when the projector output looks collapsed,
* writes ``<out>/last.pt`` atomically every ``checkpoint_every`` steps and at the end
  (model, EMA target, optimiser, RNG states, data position, config), so that
  ``resume=True`` continues exactly where the checkpoint left off,
* stops on a NaN/inf loss with a clear message, keeping the last good checkpoint.

The data paths are in ``ssl_course.data.training``, the config in ``ssl_course.config``.

Example (a few seconds on a CPU):
    >>> result = train(TrainConfig(method="simclr", epochs=1, max_steps=3, batch_size=32,
    ...                            out=None, progress=False, final_eval=False))
    >>> result.steps
    3
"""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ssl_course import distributed
from ssl_course.checkpoint import (CheckpointError, load_checkpoint, prepare_run_folder, read_metrics, rng_state,
                                  save_checkpoint, set_rng_state)
from ssl_course.config import RUNTIME_FIELDS, TrainConfig, TrainResult
from ssl_course.data.training import training_data
from ssl_course.devices import pick_device, prefers_channels_last
from ssl_course.interrupts import StopSignals, TrainingDiverged, TrainingInterrupted
from ssl_course.methods import SiameseMethod
from ssl_course.methods.base import StepOutput
from ssl_course.metrics import (commutator_norm, correlation, effective_rank, eigen_alignment, eigen_pairs, looks_collapsed,
                                std_of_normalized)
from ssl_course.optim import build_optimizer, peak_lr
from ssl_course.precision import autocast, grad_scaler, resolve_precision
from ssl_course.build import build_from_config
from ssl_course.scoring import evaluate, random_init_scores

SPECTRUM_LOGGED = 4  # with a linear head, F's top eigenvalues and W_p's along their eigenvectors, every log step


def optimizer_step(method: SiameseMethod, step_fn, optimizer: torch.optim.Optimizer, view1: torch.Tensor, view2: torch.Tensor,
                   step: int, total_steps: int, autocast=None, channels_last: bool = False, check=None,
                   scaler: torch.amp.GradScaler | None = None) -> StepOutput:
    """One optimisation step, the same for the trainer and the benchmarks: the views in channels_last
    memory (if asked), forward under ``autocast``, ``check(loss)`` (e.g. stop on a non-finite loss),
    backward, the optimiser step, then the method's own update (EMA target, DirectPred's W_p).

    With fp16's ``scaler`` the loss is scaled before backward and the step is skipped when a gradient
    overflowed (``ssl_course.precision``); the method's own update runs either way."""
    if channels_last:
        view1 = view1.contiguous(memory_format=torch.channels_last)
        view2 = view2.contiguous(memory_format=torch.channels_last)
    with autocast if autocast is not None else contextlib.nullcontext():
        output = step_fn(view1, view2)
    if check is not None:
        check(output.loss)
    optimizer.zero_grad(set_to_none=True)
    if scaler is None:
        output.loss.backward()
        optimizer.step()
    else:
        scaler.scale(output.loss).backward()
        scaler.step(optimizer)
        scaler.update()
    method.after_optimizer_step(output, step, total_steps)
    return output


def lr_at(step: int, total_steps: int, warmup_steps: int, peak: float) -> float:
    """Linear warm-up to ``peak``, then cosine decay to 0."""
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
    return peak * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))


def _say(message: str) -> None:
    tqdm.write(message, file=sys.stderr)


def _restored(config: TrainConfig, resume: bool) -> tuple[TrainConfig, dict | None]:
    """The checkpoint's config (with this call's runtime fields) and the checkpoint, when resuming."""
    if not resume:
        return config, None
    if config.out is None:
        raise ValueError("resume needs an output folder (--out)")
    checkpoint = load_checkpoint(Path(config.out) / "last.pt")
    saved = TrainConfig(**checkpoint["config"])
    for name in RUNTIME_FIELDS:
        setattr(saved, name, getattr(config, name))
    return saved, checkpoint


_cpu_noted = False


def cpu_noted(noted: bool = True) -> None:
    """Whether the once-per-process note "training on the CPU" counts as given (``course.setup`` says it)."""
    global _cpu_noted
    _cpu_noted = noted


class Run:
    """One run's state: data, method, optimiser, log and checkpoint; ``train`` drives it step by step."""

    def __init__(self, config: TrainConfig, checkpoint: dict | None, hooks: dict | None = None):
        config.validate()
        self.config = config
        self.context, rank_device = distributed.setup(config.batch_size, config.device, config.dist_backend)
        context = self.context
        self.device = device = rank_device or pick_device(config.device)
        if config.compile and context.enabled:
            raise ValueError("--compile is not supported under torchrun: drop --compile (DDP runs the eager step)")
        if config.gpu_aug and device.type != "cuda":
            raise ValueError(f"--gpu-aug needs a CUDA GPU, but training runs on {device.type}; drop the flag")
        self.out = prepare_run_folder(config.out, checkpoint is not None, config.overwrite) if context.is_main else None
        distributed.barrier(context)
        torch.manual_seed(config.seed)  # the same initial weights on every rank
        self.data = training_data(config, device, context)
        hooks = dict(hooks or {})
        self.rank_fn = hooks.pop("effective_rank", None) or effective_rank
        self.method = method = build_from_config(config, self.data.size, **hooks).to(device)
        baseline = config.final_eval and config.baseline and context.is_main
        self.untrained = copy.deepcopy(method.backbone) if baseline else None
        if context.enabled:
            torch.manual_seed(config.seed + 1000 * context.rank)  # but each rank its own augmentations
        self._note_cpu()
        self.channels_last = prefers_channels_last(device)
        if self.channels_last:
            method.to(memory_format=torch.channels_last)
        if context.enabled and config.sync_bn:
            self.method = method = torch.nn.SyncBatchNorm.convert_sync_batchnorm(method)
        self.optimizer = build_optimizer(method, config, device)
        self.precision = resolve_precision(config.precision, device)
        self.autocast, self.scaler = autocast(self.precision, device), grad_scaler(self.precision, device)
        self.step_fn = torch.compile(method.training_step) if config.compile else method.training_step
        if context.enabled:  # gradients averaged across ranks inside backward
            ddp = distributed.wrap(method, context, device)
            self.step_fn = lambda view1, view2: StepOutput(*ddp(view1, view2))  # noqa: E731
        self.total_steps = config.epochs * self.data.steps_per_epoch
        self.warmup_steps = int(config.warmup_epochs * self.data.steps_per_epoch)
        self.peak_lr = peak_lr(config)
        self.step, self.seconds_before = 0, 0.0
        if checkpoint is not None:
            self._restore(checkpoint)
        self.metrics_path = self.out / "metrics.jsonl" if self.out is not None else None
        self.history = read_metrics(self.metrics_path, self.step) if self.metrics_path is not None else []
        if self.metrics_path is not None:
            with open(self.metrics_path, "w") as handle:  # rewrite: drop lines past the checkpoint
                handle.writelines(json.dumps(row) + "\n" for row in self.history)
        self.stop_at = self.total_steps if config.max_steps is None else min(self.total_steps, config.max_steps)
        self.collapse_step, self.collapsed = None, False
        self.last = {"loss": float("nan"), "std_of_normalized": float("nan"), "effective_rank": float("nan")}

    def _note_cpu(self) -> None:
        global _cpu_noted
        if self.device.type == "cpu" and not _cpu_noted and self.context.is_main:  # once per process
            _cpu_noted = True
            _say("note: training on the CPU - fine for the course's small runs; on Colab choose "
                 "Runtime > Change runtime type > GPU for larger ones")

    def _restore(self, checkpoint: dict) -> None:
        try:
            self.method.load_state_dict(checkpoint["model"])
            self.optimizer.load_state_dict(checkpoint["optimizer"])
            if self.scaler is not None and checkpoint.get("scaler") is not None:
                self.scaler.load_state_dict(checkpoint["scaler"])
        except (RuntimeError, KeyError, ValueError) as err:
            raise CheckpointError(f"checkpoint does not match this model ({str(err).splitlines()[0][:120]})") from None
        set_rng_state(checkpoint["rng_per_rank"][self.context.rank] if self.context.enabled else checkpoint["rng"])
        self.step, self.seconds_before = checkpoint["step"], checkpoint["seconds"]

    def save(self, seconds: float) -> None:
        """``last.pt``, atomically: model, optimiser, every rank's RNG state, step, config."""
        states = distributed.gather_objects(rng_state(), self.context)  # every rank's, for an exact resume
        if self.out is None:  # another rank's process, or out=None: nothing goes to disk
            return
        save_checkpoint({
            "model": self.method.state_dict(), "optimizer": self.optimizer.state_dict(), "rng": states[0],
            "scaler": self.scaler.state_dict() if self.scaler is not None else None,
            **({"rng_per_rank": states} if self.context.enabled else {}),
            "step": self.step, "seconds": seconds, "config": dataclasses.asdict(self.config),
        }, self.out / "last.pt")

    def stop_if_diverged(self, loss: torch.Tensor) -> None:
        """Before the optimiser step, so the weights (and the last checkpoint) stay finite."""
        if distributed.any_rank(not torch.isfinite(loss).item(), self.context, self.device):
            out = self.out
            kept = (f"the last good checkpoint is {out / 'last.pt'}" if out is not None and (out / "last.pt").exists()
                    else "no checkpoint was written yet")
            raise TrainingDiverged(f"loss became {loss.item()} at step {self.step}: lower the learning rate; {kept}")

    def train_step(self, view1: torch.Tensor, view2: torch.Tensor, epoch: int) -> dict:
        """One step at the scheduled lr; its metrics row."""
        lr = lr_at(self.step, self.total_steps, self.warmup_steps, self.peak_lr)
        for group in self.optimizer.param_groups:
            group["lr"] = (self.peak_lr if group.get("fixed_lr") else lr) * group["lr_scale"]
        output = optimizer_step(self.method, self.step_fn, self.optimizer, view1, view2, self.step, self.total_steps,
                                autocast=self.autocast, channels_last=self.channels_last, check=self.stop_if_diverged,
                                scaler=self.scaler)
        self.step += 1
        row = {"step": self.step, "epoch": epoch, "loss": output.loss.item(), "lr": lr}
        if self.step % self.config.log_every == 0 or self.step == self.stop_at:
            row.update(self.monitor(output))
        self.last.update({k: row[k] for k in self.last if k in row})
        return row

    def monitor(self, output: StepOutput) -> dict:
        """The collapse monitor (std of normalised z, effective rank), warned about once; with a
        linear head, its eigen-alignment with F (Tian et al., Fig. 2)."""
        z, dim = output.z1.float(), self.config.proj_dim
        row = {"std_of_normalized": std_of_normalized(z), "effective_rank": float(self.rank_fn(z))}
        head = self.method.predictor_matrix()
        if head is not None:
            F = correlation(torch.cat([output.z1, output.z2]))
            s, p, _ = eigen_pairs(F, head)  # F's top eigenvalues and W_p's along them
            row.update(commutator=commutator_norm(F, head), alignment=eigen_alignment(F, head)[:8].mean().item(),
                       eigenvalues_F=[round(v, 6) for v in s[:SPECTRUM_LOGGED].tolist()],
                       eigenvalues_W_p=[round(v, 6) for v in p[:SPECTRUM_LOGGED].tolist()])
        self.collapsed = looks_collapsed(row["std_of_normalized"], row["effective_rank"], dim)
        if self.collapsed and self.collapse_step is None and self.step > self.warmup_steps and self.context.is_main:
            self.collapse_step = self.step
            _say(f"warning: the projector output looks collapsed at step {self.step} (std of normalised z = "
                 f"{row['std_of_normalized']:.4f}, healthy ~ {1 / math.sqrt(dim):.3f}; effective rank "
                 f"{row['effective_rank']:.1f}). Check the stop-gradient, the predictor and the learning rate.")
        return row

    def finish(self, seconds: float) -> TrainResult:
        """The final checkpoint, then kNN, probe and feature AUC of the trained and the untrained backbone."""
        self.save(seconds)
        scores, baseline, curve_baseline = {}, {}, None
        if self.config.final_eval and self.context.is_main:
            scores = evaluate(self.method.backbone, self.config, self.data, spectrum=True)
            if self.untrained is not None:
                baseline = random_init_scores(self.config, self.untrained, self.data)
                if self.config.eval_every:  # the kNN curve's own random-init line, measured as the curve is
                    curve_baseline = evaluate(self.untrained, self.config, self.data, self.config.eval_subset, probe=False)["knn"]
        distributed.barrier(self.context)
        return TrainResult(
            method=self.method, config=self.config, history=self.history, steps=self.step, seconds=round(seconds, 3),
            out=self.out, collapsed=self.collapsed, collapse_step=self.collapse_step, **self.last,
            knn=scores.get("knn"), linear_probe=scores.get("linear_probe"), feature_auc=scores.get("feature_auc"),
            spectrum=scores.get("spectrum"), random_init_knn=baseline.get("knn"),
            random_init_probe=baseline.get("linear_probe"), random_init_feature_auc=baseline.get("feature_auc"),
            random_init_curve_knn=curve_baseline)


def same_start_as_train(config: TrainConfig):
    """What ``train(config)`` starts from, for a training loop written by hand (notebook 03): the method with
    the same initial weights (in train mode and the trainer's memory layout), an iterator over the same batches
    of views, step by step, and the trainer's lr schedule, ``step -> base lr`` (each optimiser group scales it).

    It builds the very ``Run`` that ``train`` builds, so seed, data and weights cannot drift apart."""
    run = Run(config, None)
    run.method.train()

    def batches():
        step = 0
        while step < run.stop_at:
            epoch, batch = divmod(step, run.data.steps_per_epoch)
            for view1, view2 in run.data.views(epoch, batch):
                if run.channels_last:
                    view1, view2 = (v.contiguous(memory_format=torch.channels_last) for v in (view1, view2))
                yield view1, view2
                step += 1
                if step >= run.stop_at:
                    return

    return run.method, batches(), lambda step: lr_at(step, run.total_steps, run.warmup_steps, run.peak_lr)


def train(config: TrainConfig, resume: bool = False, loss=None, ema_update=None, predictor_weight=None,
          effective_rank=None) -> TrainResult:
    """Run (or resume) one training run; see the module docstring.

    Hooks, for the notebooks' exercises, which run a learner's code inside real training:

    * ``loss(p1, p2, z1, z2)``: the symmetric loss, in place of the method's; it receives the online
      projections with their gradient (or the EMA target's), so the stop-gradient is up to it;
    * ``ema_update(target_params, online_params, m)``: updates the EMA target in place (BYOL);
    * ``predictor_weight(F, eps)``: DirectPred's W_p from the running correlation F (float64);
    * ``effective_rank(z)``: the collapse monitor's effective rank of a batch of projections.
    """
    hooks = {"loss": loss, "ema_update": ema_update, "predictor_weight": predictor_weight, "effective_rank": effective_rank}
    run = Run(*_restored(config, resume), hooks=hooks)
    config, context, data = run.config, run.context, run.data
    bar = tqdm(total=run.stop_at, initial=run.step, disable=not (config.progress and context.is_main), desc=config.method,
               dynamic_ncols=True, file=sys.stderr)
    started = time.perf_counter()
    run.method.train()
    with bar, open(run.metrics_path or os.devnull, "a") as log, StopSignals() as signals:
        while run.step < run.stop_at:
            epoch, batch = divmod(run.step, data.steps_per_epoch)
            for view1, view2 in data.views(epoch, batch):
                row = run.train_step(view1, view2, epoch)
                seconds = run.seconds_before + time.perf_counter() - started
                row["seconds"] = round(seconds, 3)
                if config.eval_every and run.step % config.eval_every == 0 and context.is_main:
                    row["knn"] = evaluate(run.method.backbone, config, data, config.eval_subset, probe=False)["knn"]
                log.write(json.dumps(row) + "\n")
                run.history.append(row)
                bar.update(1)
                bar.set_postfix(loss=f"{row['loss']:.3f}", lr=f"{row['lr']:.3g}", std=f"{run.last['std_of_normalized']:.3f}")
                if config.checkpoint_every and run.step % config.checkpoint_every == 0:
                    log.flush()
                    run.save(seconds)
                if config.time_budget is not None and distributed.any_rank(seconds >= config.time_budget, context, run.device):
                    run.stop_at = run.step
                if distributed.any_rank(signals.received is not None, context, run.device):
                    log.flush()
                    run.save(seconds)  # at this step, between two steps: --resume continues exactly
                    raise TrainingInterrupted(signals.received or signal.SIGTERM, run.step,
                                              run.out / "last.pt" if run.out is not None else None)
                if run.step >= run.stop_at:
                    break  # before the next batch is augmented: its RNG draws belong to the resumed run
    return run.finish(run.seconds_before + time.perf_counter() - started)
