"""One source of recipes: every entry point starts from ``ssl_course.presets``."""
import dataclasses

import pytest

from ssl_course.cli import build_parser, train_config
from ssl_course.course import run_config
from ssl_course.presets import for_steps, preset
from ssl_course.train import TrainConfig


def cli_config(*flags):
    return train_config(build_parser().parse_args(["train", *flags]))


def test_the_cpu_base_and_simsiam_adds_its_row():
    import dataclasses

    from ssl_course.presets import CPU_BASE, CPU_METHOD

    # the CPU recipe trains the course's ConvNet on shapes with 20-px views of its 32-px images
    assert (CPU_BASE.dataset, CPU_BASE.backbone, CPU_BASE.width, CPU_BASE.batch_size, CPU_BASE.view_size) == \
        ("shapes", "convnet", 16, 128, 20)
    assert TrainConfig().view_size is None  # the field's own default: the images' size
    assert preset("simsiam") == dataclasses.replace(CPU_BASE, **CPU_METHOD["simsiam"])
    # BYOL on the CPU: SimSiam's head and lr, and a fast target for a short run; FULL keeps BYOL's own 0.996
    assert (preset("byol").pred_hidden_dim, preset("byol").predictor_lr_multiplier, preset("byol").ema) == (512, 10.0, 0.9)
    assert preset("byol", full=True).ema is None and preset("byol", full=True).pred_hidden_dim is None


def test_the_cpu_recipes_small_views_apply_to_32_px_images_only():
    assert preset("simsiam").view_size == 20 and preset("byol", dataset="digits").view_size == 20  # 32-px images
    assert preset("simsiam", dataset="stl10").view_size is None  # 96 px: its own size
    assert preset("simsiam", dataset="imagefolder").view_size is None
    assert preset("simsiam", dataset="stl10", view_size=64).view_size == 64  # asked for
    assert preset("simsiam", full=True).view_size is None and cli_config("--method", "byol", "--view-size", "24").view_size == 24


@pytest.mark.parametrize("method", ["simclr", "byol", "simsiam"])
def test_cli_defaults_are_the_preset(method):
    assert cli_config("--method", method) == preset(method)
    assert cli_config("--method", method, "--full") == preset(method, full=True)


def test_every_config_field_has_a_flag_with_help_and_the_registrys_choices():
    parser = build_parser()
    train_parser = next(a for a in parser._actions if a.dest == "command").choices["train"]
    actions = {action.dest: action for action in train_parser._actions}
    assert [f.name for f in dataclasses.fields(TrainConfig) if f.name not in actions] == []
    assert [name for name, a in actions.items() if name != "help" and len(a.help or "") < 10] == []
    from ssl_course.augment import BATCH_AUGMENTS
    from ssl_course.models import BACKBONES
    from ssl_course.predictors import PREDICTORS

    assert actions["augment"].choices == tuple(BATCH_AUGMENTS) and actions["backbone"].choices == BACKBONES
    assert actions["predictor"].choices == PREDICTORS and "--no-stop-grad" in actions["stop_gradient"].option_strings


def test_stop_gradient_can_be_switched_both_ways_from_the_cli():
    assert cli_config("--method", "simclr", "--stop-grad").stop_gradient is True
    assert cli_config("--method", "simsiam", "--no-stop-grad").stop_gradient is False


def test_config_fields_are_keywords_only():
    with pytest.raises(TypeError):
        TrainConfig("byol")


def test_cli_flag_changes_only_its_field():
    config = cli_config("--method", "byol", "--lr", "0.5", "--no-stop-grad", "--no-progress", "--width", "8")
    assert config == dataclasses.replace(preset("byol"), lr=0.5, stop_gradient=False, progress=False, width=8)


@pytest.mark.parametrize("method", ["simclr", "byol", "simsiam"])
def test_notebooks_use_the_preset_lr(method):
    assert run_config(method).lr == preset(method).lr
    assert run_config(method, full=True).lr == preset(method, full=True).lr


def test_cpu_lrs():  # the measured CPU recipe (docs/decisions.md, "What decided the CPU recipe")
    assert {m: preset(m).lr for m in ("simclr", "byol", "simsiam")} == {"simclr": 0.3, "byol": 0.1, "simsiam": 0.1}
    assert preset("simclr").temperature == 0.1


# The papers' tables, written out by hand (base lr per 256 images: lr x 256 / batch where a paper gives
# the lr at its batch size).
FULL_TABLES = {
    # Chen & He 2021, CIFAR-10: batch 512, lr 0.03 x batch/256, wd 5e-4, 800 epochs
    "simsiam": dict(batch_size=512, lr=0.03, weight_decay=5e-4, epochs=800),
    # Tian, Chen & Ganguli 2021, CIFAR set-up: batch 128, lr 0.03 at batch 128, wd 4e-4, EMA 0.996, 100 epochs
    "byol": dict(batch_size=128, lr=0.03 * 256 / 128, weight_decay=4e-4, epochs=100),
    # lightly CIFAR-10 benchmark: batch 512, lr 0.06 per 128 images, wd 5e-4, 200 epochs, temperature 0.5
    "simclr": dict(batch_size=512, lr=0.06 * 256 / 128, weight_decay=5e-4, epochs=200, temperature=0.5),
}


@pytest.mark.parametrize("method", list(FULL_TABLES))
def test_full_presets_follow_the_paper_tables(method):
    config = preset(method, full=True)
    assert (config.dataset, config.backbone, config.momentum) == ("cifar10", "resnet18", 0.9)
    for field, value in FULL_TABLES[method].items():
        assert getattr(config, field) == pytest.approx(value), field
    if method == "byol":  # the EMA is BYOL's own default, 0.996 in the table too
        from ssl_course.methods import BYOL

        assert config.ema is None and BYOL.defaults.ema == 0.996


def test_for_steps_plans_the_schedule_for_exactly_those_steps():
    config = for_steps(preset("simsiam"), 150)
    assert config.max_steps == 150
    assert config.epochs == 2  # 10 000 images // 128 = 78 steps an epoch; 150 steps need 2


def test_unknown_method_is_one_clear_error():
    with pytest.raises(ValueError, match="unknown method 'moco'; valid: simclr, byol, simsiam"):
        preset("moco")


@pytest.mark.parametrize("method, runs", [("simclr", 1), ("byol", 3), ("simsiam", 3), ("simsiam", 1)])
def test_notebook_full_runs_fit_an_hour_of_a_free_gpu_and_keep_the_recipe(method, runs, capsys):
    from ssl_course.course import run_config
    from ssl_course.data import dataset_spec
    from ssl_course.presets import estimated_minutes

    config = run_config(method, full=True, runs=runs)
    recipe = preset(method, full=True)
    assert dataset_spec(config.dataset).name == "cifar10" and config.backbone == "resnet18"
    assert (config.lr, config.batch_size, config.weight_decay) == (recipe.lr, recipe.batch_size, recipe.weight_decay)
    assert 1 <= config.epochs < recipe.epochs
    # by hand: 50 000 CIFAR-10 images in whole batches, two views each, at a T4's estimated 1 000 images/s
    # in fp16, the precision "auto" gives a T4
    minutes = config.epochs * (50_000 // config.batch_size) * config.batch_size / 1000 / 60
    assert estimated_minutes(config) == pytest.approx(minutes)
    assert runs * minutes <= 60 < runs * minutes * (config.epochs + 1) / config.epochs
    assert f", {config.epochs} of its {recipe.epochs} epochs" in capsys.readouterr().out
    assert run_config(method, full=True, epochs=2).epochs == 2  # an explicit length is kept


def test_the_colab_hour_is_sized_by_the_precision_it_runs_in():
    from ssl_course.presets import estimated_minutes, fit_budget

    auto, fp32 = fit_budget(preset("simsiam", full=True)), fit_budget(preset("simsiam", full=True, precision="fp32"))
    # 97 steps of 512 images an epoch: 49.7 s at 1 000 images/s (fp16), 124.2 s at 400 (fp32)
    assert (auto.epochs, fp32.epochs) == (72, 28)
    assert estimated_minutes(fp32) == pytest.approx(28 * 97 * 512 / 400 / 60)
    bf16 = preset("simsiam", full=True, precision="bf16")  # emulated on a T4: no faster than fp32
    assert estimated_minutes(bf16) == pytest.approx(estimated_minutes(dataclasses.replace(bf16, precision="fp32")))


def test_collapse_full_sweep_fits_the_hour():
    from ssl_course.studies.collapse import GPU_STEPS

    assert 3 * GPU_STEPS * preset("simsiam", full=True).batch_size / 1000 / 60 <= 60 < 3 * (GPU_STEPS + 1) * 512 / 1000 / 60


def test_steps_per_epoch_counts_the_data_folder_the_subset_and_the_chunks(tmp_path):
    from fake_data import write_cifar10
    from ssl_course.data.training import steps_per_epoch, train_images

    write_cifar10(tmp_path, n_per_batch=20)  # 100 training images on disk
    config = preset("simsiam", full=True, data_dir=str(tmp_path), batch_size=8)
    assert (train_images(config), steps_per_epoch(config)) == (100, 12)
    assert steps_per_epoch(dataclasses.replace(config, chunks=4)) == 3  # 25 images a chunk
    assert train_images(dataclasses.replace(config, train_subset=40)) == 40
    assert train_images(dataclasses.replace(config, train_subset=4000)) == 100  # no more than there are
    # not on disk yet (before --download): CIFAR-10's published 50 000
    assert train_images(dataclasses.replace(config, data_dir=str(tmp_path / "empty"))) == 50_000
    assert for_steps(config, 30).epochs == 3  # 12 steps an epoch: 30 steps need 3 epochs


@pytest.mark.parametrize("change, message", [
    (dict(proj_dim=0), "proj_dim must be >= 1, got 0"),
    (dict(pred_hidden_dim=0), "pred_hidden_dim must be >= 1"),
    (dict(view_size=4), r"view_size must be >= 8 px \(or None: the images' own size\), got 4"),
    (dict(momentum=1.5), r"momentum must be in \[0, 1\), got 1.5"),
    (dict(knn_k=0), "knn_k must be >= 1"),
    (dict(checkpoint_every=-1), "checkpoint_every must be >= 0"),
    (dict(optimizer="adam"), "unknown optimizer 'adam'; valid: sgd, lars"),
    (dict(batch_size=1), "batch size must be >= 2"),
    (dict(ema=0.99), "simsiam has no EMA target network"),
    (dict(method="byol", stop_gradient=False), "without stop-gradient the online network is its own target"),
    (dict(temperature=0.0), "temperature must be > 0"),
    (dict(dp_freq=0), "dp_freq must be >= 1"),
    (dict(dp_rho=1.0), r"dp_rho must be in \[0, 1\)"),
])
def test_a_bad_field_is_named_in_one_line(change, message):
    with pytest.raises(ValueError, match=message) as error:
        dataclasses.replace(preset("simsiam"), **change).validate()
    assert "\n" not in str(error.value)


def test_each_cpu_recipe_plans_its_own_epochs_and_the_reference_runs_take_it(tmp_path):
    from ssl_course.data.training import steps_per_epoch
    from ssl_course.studies import runs

    steps = {m: preset(m).epochs * steps_per_epoch(preset(m)) for m in ("simclr", "byol", "simsiam")}
    assert steps == {"simclr": 2652, "byol": 2340, "simsiam": 2652}
    byol = runs.run_config("byol", 0, tmp_path)
    assert (byol.epochs, byol.lr, byol.ema, byol.pred_hidden_dim) == (30, 0.1, 0.9, 512)
    assert runs.run_config("simsiam-directpred", 0, tmp_path).warmup_epochs == 2.0
    # the data study keeps the recipe it was trained with: no warm-up, 3 000 steps
    data = runs.run_config("data-w16-n512", 0, tmp_path)
    assert (data.warmup_epochs, data.max_steps) == (0.0, 3000)
    assert runs.run_config("stream-w16-hybrid", 0, tmp_path).warmup_epochs == 0.0
    assert runs.run_config("byol-linear", 0, tmp_path).predictor_lr_multiplier == 10.0  # its own change wins
    assert runs.run_config("simsiam", 0, tmp_path, full=True).epochs == preset("simsiam", full=True).epochs
