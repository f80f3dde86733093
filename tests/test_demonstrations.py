"""The course's claims, run for real on `shapes` on a CPU (fixed step counts, seeded)."""
import pytest

from ssl_course.demo import random_init_knn
from ssl_course.train import TrainConfig, train

FAST = dict(dataset="shapes", width=16, batch_size=128, epochs=4, progress=False, eval_subset=4000)


@pytest.fixture(scope="module")
def simsiam_runs():
    runs = {}
    for name, switches in {"stop_grad": {}, "no_stop_grad": {"stop_gradient": False}, "no_predictor": {"predictor": "none"}}.items():
        runs[name] = train(TrainConfig(method="simsiam", lr=0.1, max_steps=250, out=None, **FAST, **switches))
    return runs


def test_simclr_learns_without_predictor():
    config = TrainConfig(method="simclr", lr=0.3, temperature=0.1, out=None, **{**FAST, "epochs": 6})
    result = train(config)
    assert result.method.config.predictor == "none"
    assert result.knn > random_init_knn(config) + 0.10  # measured 0.37 vs 0.24


def test_simsiam_without_stop_gradient_collapses(simsiam_runs):
    healthy, collapsed = simsiam_runs["stop_grad"], simsiam_runs["no_stop_grad"]
    assert healthy.effective_rank > 10 and healthy.std_of_normalized > 0.07  # ~ 1/sqrt(128) = 0.088
    assert collapsed.effective_rank < 5 and collapsed.effective_rank < 0.3 * healthy.effective_rank
    assert collapsed.std_of_normalized < 0.7 * healthy.std_of_normalized


def test_simsiam_without_predictor_collapses(simsiam_runs):
    healthy, no_predictor = simsiam_runs["stop_grad"], simsiam_runs["no_predictor"]
    assert no_predictor.effective_rank < 5 and no_predictor.effective_rank < 0.3 * healthy.effective_rank


def test_byol_with_ema_keeps_a_full_representation_and_lowers_its_loss():
    result = train(TrainConfig(method="byol", lr=0.1, max_steps=200, out=None, **FAST))
    assert result.method.target is not None
    first = sum(h["loss"] for h in result.history[:20]) / 20
    assert result.loss < first - 0.3
    assert result.effective_rank > 10 and not result.collapsed
