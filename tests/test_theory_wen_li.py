"""Wen & Li's toy model: the head lets a second neuron learn the weak feature; without it both learn v_1."""
import numpy as np
import pytest

from ssl_course.theory.wen_li import History, WenLiConfig, detect_phases, run

from ssl_course.theory.wen_li import SeedOutcome, format_seed_table, outcome, seed_table


@pytest.fixture(scope="module")
def histories():
    """Seed 2: without a trainable head both neurons end on v_1 (measured: alignments > 0.9 with v_1, < 0.1 with v_2)."""
    return {head: run(head, steps=1500, seed=2, record_every=10) for head in ("offdiag", "identity_fixed", "none")}


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


def test_the_trainable_head_moves_only_off_the_diagonal(histories):
    E = histories["offdiag"].head
    assert np.allclose(np.diagonal(E, axis1=1, axis2=2), 1.0)  # the diagonal is frozen
    assert np.abs(E[-1] - np.eye(2)).max() > 0.05  # the off-diagonal entries did learn


def test_outcome_and_seed_table_report_what_the_alignments_say():
    steps = np.arange(4) * 10
    alignment = np.zeros((4, 2, 2))
    alignment[1:, 0, 0] = 0.9  # neuron 1 on v_1 from step 10
    alignment[3:, 1, 1] = 0.7  # neuron 2 on v_2 at step 30
    history = History(steps, alignment, np.tile(np.eye(2), (4, 1, 1)), np.zeros(4))
    assert outcome(history, seed=5) == SeedOutcome(5, True, True, False, 30)
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


def test_views_are_complementary_and_carry_one_feature():
    import torch

    from ssl_course.theory.wen_li import sample_views

    config = WenLiConfig(batch_size=64)
    view1, view2 = sample_views(config, torch.Generator().manual_seed(0))
    zero1, zero2 = view1.abs().sum(-1) == 0, view2.abs().sum(-1) == 0
    assert torch.equal(zero1, ~zero2)  # each patch goes to exactly one view
    assert (zero1.sum(1) == config.patches // 2).all()
    full = view1 + view2  # a feature patch is alpha * v_l exactly, on v_1 or v_2 only
    on_feature = (full[..., :2].abs() > 0.15) & (full[..., 2:].abs().sum(-1, keepdim=True) == 0)
    assert (on_feature.any(-1).sum(1) == config.signal_patches).all()


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="unknown head"):
        run("mlp", steps=1)
    with pytest.raises(ValueError, match="alpha_2 <= alpha_1"):
        run(steps=1, config=WenLiConfig(alpha=(0.2, 1.0)))


def test_seeds_side_by_side_train_as_one_at_a_time():
    from ssl_course.theory.wen_li import run_seeds, seed_runs

    together = run_seeds("offdiag", steps=60, seeds=[3, 4], record_every=20)
    for seed, history in zip([3, 4], together):
        alone = run("offdiag", steps=60, seed=seed, record_every=20)
        np.testing.assert_allclose(history.alignment, alone.alignment, atol=1e-6)
        np.testing.assert_allclose(history.head, alone.head, atol=1e-6)
        np.testing.assert_allclose(history.loss, alone.loss, atol=1e-6)
    assert not np.allclose(together[0].alignment, together[1].alignment)  # each seed its own network and data
    runs = seed_runs([3, 4], heads=("offdiag",), steps=60, record_every=20)
    assert seed_table([3, 4], runs=runs) == {"offdiag": [outcome(h, s) for s, h in zip([3, 4], together)]}


def test_heads_side_by_side_train_as_apart():
    from ssl_course.theory.wen_li import run_seeds, seed_runs

    runs = seed_runs([2, 5], heads=("offdiag", "none"), steps=60, record_every=20)
    for head in ("offdiag", "none"):
        apart = run_seeds(head, steps=60, seeds=[2, 5], record_every=20)
        for together, alone in zip(runs[head], apart):
            np.testing.assert_allclose(together.alignment, alone.alignment, atol=1e-6)
            np.testing.assert_allclose(together.head, alone.head, atol=1e-6)
            assert together.head_kind == head
    assert np.allclose(runs["none"][0].head, np.eye(2))
