"""Scoring a backbone: kNN, linear probe and feature spectrum on a config's dataset; a checkpoint loaded and scored.

``evaluate(backbone, config)`` is the one place that turns a config's dataset into kNN / linear-probe
scores (the trainer, the CLI's ``eval`` and the benchmarks use it); ``random_init_scores`` is the same
for the untrained network, cached because many runs share one.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from ssl_course.build import build_from_config
from ssl_course.checkpoint import CheckpointError, load_checkpoint
from ssl_course.config import TrainConfig
from ssl_course.data import BUILT_IN, dataset_spec, dataset_tensors
from ssl_course.data.training import TrainData, first_of, training_data
from ssl_course.devices import pick_device
from ssl_course.evaluation import evaluate_backbone
from ssl_course.methods import SiameseMethod


def evaluate(backbone: torch.nn.Module, config: TrainConfig, data: TrainData | None = None, subset: int | None = None,
             probe: bool = True, spectrum: bool = False) -> dict:
    """kNN (and linear probe, feature spectrum) of ``backbone`` on ``config``'s dataset: the labelled
    training images as the reference set, the test split as queries (``subset``: the first few)."""
    if data is None and config.dataset in BUILT_IN:  # the labelled split is all that scoring needs: the same
        # images InMemoryData labels, without generating a training set's unlabelled images (shapes-100k: 90 000)
        sets, device = first_of(*dataset_tensors(config.dataset), subset), pick_device(config.device)
    else:
        data = data or training_data(config, pick_device(config.device))
        sets, device = data.eval_sets(subset), data.device
    return evaluate_backbone(backbone, *sets, k=config.knn_k, probe=probe, device=device, spectrum=spectrum)


_baseline_cache: dict[tuple, dict] = {}


def random_init_scores(config: TrainConfig, backbone: torch.nn.Module, data: TrainData) -> dict:
    """kNN, probe and feature AUC of ``backbone`` as initialised by ``config.seed``; cached, since many runs share one."""
    key = (config.dataset, config.data_dir, config.backbone, config.width, config.seed, config.knn_k)
    if key not in _baseline_cache:
        _baseline_cache[key] = evaluate(backbone, config, data, spectrum=True)
    return _baseline_cache[key]


def load_trained(checkpoint_path: str | Path, device: str = "cpu") -> tuple[SiameseMethod, TrainConfig, int]:
    """Rebuild a trained method (in eval mode), its config and its step count from a ``last.pt``.

    A backbone-only file (``{"backbone": ..., "config": ..., "step": ...}``) restores the backbone;
    the projector and predictor then stay at their initial weights.
    """
    checkpoint = load_checkpoint(checkpoint_path)
    try:
        config = TrainConfig(**checkpoint["config"])
        method = build_from_config(config, dataset_spec(config.dataset).image_size)
        if "backbone" in checkpoint:  # a backbone-only file (scripts/reference_runs.py): all that evaluation needs
            method.backbone.load_state_dict(checkpoint["backbone"])
        else:
            method.load_state_dict(checkpoint["model"])
    except (TypeError, KeyError, RuntimeError, ValueError) as err:
        raise CheckpointError(f"{checkpoint_path} does not hold a model of this version ({str(err).splitlines()[0][:120]})") from None
    return method.to(pick_device(device)).eval(), config, checkpoint["step"]


def evaluate_checkpoint(checkpoint_path: str | Path, data_dir: str | None = None, device: str = "auto") -> dict:
    """kNN and linear-probe accuracy of a checkpoint's backbone on its dataset's train/test splits."""
    method, config, steps = load_trained(checkpoint_path, device)
    if data_dir is not None:
        config.data_dir = data_dir
    scores = evaluate(method.backbone, dataclasses.replace(config, device=device))
    return {**scores, "method": config.method, "dataset": config.dataset, "steps": steps}
