"""Wen & Li's toy model: the trainable head lets neuron 2 learn the weak feature; with E = I both learn v_1."""
import math

import numpy as np
import pytest
import torch

from ssl_course.theory.wen_li import History, WenLiConfig, expected_loss, initial_weights, minibatch_loss, run, run_seeds, sample_views
from ssl_course.theory.wen_li_phases import SeedOutcome, detect_phases, format_seed_table, outcome, outcome_map, seed_runs, seed_table


@pytest.fixture(scope="module")
def histories():
    """Seed 100, deterministic dynamics: neuron 2 learns v_2 near step 700 with the head, never without."""
    heads = ("offdiag", "identity_fixed", "none")
    return dict(zip(heads, run_seeds(list(heads), steps=1500, seeds=[100] * 3, record_every=10)))


def final(history):
    return np.abs(history.alignment[-1])  # (neurons, features)


def test_identity_fixed_and_none_are_the_same_function(histories):
    assert np.array_equal(histories["identity_fixed"].alignment, histories["none"].alignment)
    assert np.allclose(histories["none"].head, np.eye(2))


def test_without_a_trainable_head_both_neurons_learn_the_strong_feature_only(histories):
    a = final(histories["none"])
    assert (a[:, 0] > 0.8).all() and (a[:, 1] < 0.3).all()  # dimensional collapse onto v_1
    phases = detect_phases(histories["none"])
    assert phases.acceleration is None and phases.substitution is None and not phases.in_order


def test_the_trainable_head_substitutes_then_returns(histories):
    history = histories["offdiag"]
    E = history.head
    assert np.allclose(np.diagonal(E, axis1=1, axis2=2), 1.0)  # the diagonal is frozen
    assert E[:, 1, 0].max() > 0.5  # substitution: neuron 1's output in neuron 2's prediction, positive, order one
    assert abs(E[-1, 1, 0]) < 0.05  # and back to the identity at the end
    a = final(history)
    assert a[0, 0] > 0.8 and a[0, 1] < 0.3 and a[1, 1] > 0.6 and a[1, 0] < 0.3  # one neuron per feature
    phases = detect_phases(history)
    assert phases.in_order and phases.strong_neuron == 0


def test_noise_moments_match_sampling():
    """The closed form's noise part, E[sigma(x_i) sigma(x_j)] for x = <w, xi>, against 400 000 samples."""
    from ssl_course.theory.wen_li import _noise_covariance

    config = WenLiConfig(dim=4, patches=2)
    w = torch.tensor([[1.0, 0.5, 0.0, -0.3], [0.6, 0.4, 0.5, 0.1]], dtype=torch.float64)  # correlated neurons
    xi = np.random.default_rng(0).normal(0, 1 / math.sqrt(4), (400_000, 4))
    x = xi @ w.numpy().T
    sampled = (x**3).T @ (x**3) / len(x)
    np.testing.assert_allclose(_noise_covariance(w, config).numpy(), sampled, rtol=0.04)
    assert _noise_covariance(w, config)[0, 1] > 0.1 * _noise_covariance(w, config)[1, 1]  # a real cross term
    linear = WenLiConfig(dim=4, patches=2, activation="linear")
    np.testing.assert_allclose(_noise_covariance(w, linear).numpy(), x.T @ x / len(x), rtol=0.01)


def test_expected_loss_is_the_minibatch_loss_averaged_over_batches():
    """Value and gradient (w and a non-identity head) of the closed form against large sampled batches."""
    config = WenLiConfig(batch_size=20_000)
    w0 = initial_weights(config, seed=3) * 3  # larger weights: the noise moments weigh as much as the signal
    E0 = torch.tensor([[1.0, -0.2], [0.5, 1.0]], dtype=torch.float64)

    def value_and_grads(loss_of):
        w, E = w0.clone().requires_grad_(), E0.clone().requires_grad_()
        loss = loss_of(w, E)
        return (loss.item(), *torch.autograd.grad(loss, [w, E]))

    closed = value_and_grads(lambda w, E: expected_loss(w, E, config))
    generator = torch.Generator().manual_seed(0)
    sampled = []
    for _ in range(10):
        view1, view2 = (v[0] for v in sample_views(config, generator))
        sampled.append(value_and_grads(lambda w, E: minibatch_loss(w, E, view1, view2, config)))
    mean = [np.mean([s[i] for s in sampled], axis=0) if i == 0 else torch.stack([s[i] for s in sampled]).mean(0)
            for i in range(3)]
    assert abs(mean[0] - closed[0]) < 0.01
    for k in (1, 2):
        assert (mean[k] - closed[k]).norm() < 0.05 * closed[k].norm()


def test_views_share_the_feature_not_the_noise():
    config = WenLiConfig(batch_size=64)
    view1, view2 = sample_views(config, torch.Generator().manual_seed(0))
    assert view1.shape == (1, 64, config.patches, config.dim)
    assert torch.equal(view1[:, :, 0], view2[:, :, 0])  # the feature patch, the same in both views
    feature = view1[0, :, 0]
    on_v1 = feature[:, 0].abs() == 1.0
    assert torch.all(on_v1 | (feature[:, 1].abs() == 0.8)) and (feature[:, 2:] == 0).all()
    noise = view1[:, :, 1:] - view2[:, :, 1:]
    assert abs(noise.std().item() - math.sqrt(2 / config.dim)) < 0.01  # independent noise in each view


def test_initial_weights_state_the_head_start():
    w = initial_weights(WenLiConfig(), seed=5)
    np.testing.assert_allclose(w[:, :2].numpy() * math.sqrt(32), [[1.6, 1.0], [1.0, 1.0]])
    assert not torch.equal(w, initial_weights(WenLiConfig(), seed=6))  # the rest is the seed's


def test_outcome_and_seed_table_report_what_the_alignments_say():
    steps = np.arange(4) * 10
    alignment = np.zeros((4, 2, 2))
    alignment[1:, 0, 0] = 0.9  # neuron 1 on v_1 from step 10
    alignment[3:, 1, 1] = 0.7  # neuron 2 on v_2 at step 30
    history = History(steps, alignment, np.tile(np.eye(2), (4, 1, 1)), np.zeros(4))
    assert outcome(history, seed=5) == SeedOutcome(5, True, True, False, 30)
    alignment[3:, 1, 0] = 0.5  # neuron 2 also on v_1: not one neuron per feature
    assert outcome(history, seed=5) == SeedOutcome(5, True, False, False, 30)
    alignment[3:, 1, 1] = 0.5
    assert outcome(history, seed=5) == SeedOutcome(5, False, False, False, None)
    table = seed_table([0, 1], heads=("none",), steps=30, record_every=10)
    assert [r.seed for r in table["none"]] == [0, 1]
    assert format_seed_table(table).splitlines()[1].startswith("none")


def test_detect_phases_on_a_hand_made_history():
    steps = np.arange(6) * 10
    alignment = np.zeros((6, 2, 2))
    alignment[1:, 1, 0] = 0.9  # neuron 2 learns v_1 at step 10
    alignment[4:, 0, 1] = 0.7  # neuron 1 learns v_2 at step 40
    head = np.tile(np.eye(2), (6, 1, 1))
    head[2:4, 0, 1] = 0.8  # E_12: neuron 2's output in neuron 1's prediction, steps 20-30
    history = History(steps, alignment, head, np.zeros(6))
    phases = detect_phases(history)
    assert (phases.strong_neuron, phases.learned_strong, phases.substitution, phases.acceleration,
            phases.head_returns) == (1, 10, 20, 40, 40)
    assert not phases.in_order  # acceleration and the head's return fall on one step: not separate events
    head[4:, 0, 1] = 0.6  # the head stays up one more record, then returns
    head[5:, 0, 1] = 0.0
    phases = detect_phases(History(steps, alignment, head, np.zeros(6)))
    assert (phases.acceleration, phases.head_returns) == (40, 50) and phases.in_order


def test_unseen_seeds_head_separates_fixed_identity_collapses():
    """The issue's criterion on seeds 100-107 with the defaults (deterministic, about 10 s for 16 runs)."""
    table = seed_table(range(100, 108), heads=("offdiag", "none"))
    assert sum(r.one_neuron_per_feature for r in table["offdiag"]) >= 7
    assert sum(r.one_neuron_per_feature for r in table["none"]) <= 1
    assert sum(r.phases_in_order for r in table["offdiag"]) >= 6


def test_outcome_map_marks_where_the_head_decides():
    grid = outcome_map(v1=[1.0, 2.0], v2=[0.25, 1.0], steps=2500, seed=100)
    assert grid.separated["offdiag"].shape == (2, 2)
    # the default start (1, 1): the head separates the features, E = I does not
    assert grid.separated["offdiag"][1, 0] and not grid.separated["none"][1, 0]
    assert not grid.separated["offdiag"][0].any()  # almost no v_2 at the start: nothing to accelerate


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="unknown head"):
        run("mlp", steps=1)
    with pytest.raises(ValueError, match="alpha_2 <= alpha_1"):
        run(steps=1, config=WenLiConfig(alpha=(0.2, 1.0)))
    with pytest.raises(ValueError, match="unknown dynamics"):
        run(steps=1, config=WenLiConfig(dynamics="sde"))
    with pytest.raises(ValueError, match="one .* overlap pair per neuron"):
        run(steps=1, config=WenLiConfig(neurons=3))


@pytest.mark.parametrize("dynamics", ["expected", "minibatch"])
def test_seeds_side_by_side_train_as_one_at_a_time(dynamics):
    config = WenLiConfig(dynamics=dynamics, batch_size=64)
    together = run_seeds("offdiag", steps=60, seeds=[3, 4], record_every=20, config=config)
    for seed, history in zip([3, 4], together):
        alone = run("offdiag", steps=60, seed=seed, record_every=20, config=config)
        np.testing.assert_allclose(history.alignment, alone.alignment, atol=1e-9)
        np.testing.assert_allclose(history.head, alone.head, atol=1e-9)
        np.testing.assert_allclose(history.loss, alone.loss, atol=1e-9)
    assert not np.allclose(together[0].alignment, together[1].alignment)  # each seed its own network
    runs = seed_runs([3, 4], heads=("offdiag",), steps=60, record_every=20, config=config)
    assert seed_table([3, 4], runs=runs) == {"offdiag": [outcome(h, s) for s, h in zip([3, 4], together)]}


def test_heads_side_by_side_train_as_apart():
    runs = seed_runs([2, 5], heads=("offdiag", "none"), steps=60, record_every=20)
    for head in ("offdiag", "none"):
        apart = run_seeds(head, steps=60, seeds=[2, 5], record_every=20)
        for together, alone in zip(runs[head], apart):
            np.testing.assert_allclose(together.alignment, alone.alignment, atol=1e-9)
            np.testing.assert_allclose(together.head, alone.head, atol=1e-9)
            assert together.head_kind == head
    assert np.allclose(runs["none"][0].head, np.eye(2))
