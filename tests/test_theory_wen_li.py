"""Wen & Li's toy model: the head lets a second neuron learn the weak feature; without it both learn v_1."""
import numpy as np
import pytest

from ssl_course.theory.wen_li import History, WenLiConfig, detect_phases, run

STEPS, SEED = 3500, 1  # seed 1: the documented example (README: how often each head learns v_2 over seeds)


@pytest.fixture(scope="module")
def histories():
    return {head: run(head, steps=STEPS, seed=SEED, record_every=10) for head in ("offdiag", "identity_fixed", "none")}


def final(history):
    return np.abs(history.alignment[-1])  # (neurons, features)


def test_offdiag_head_learns_both_features_in_different_neurons_and_phases_in_order(histories):
    history = histories["offdiag"]
    a = final(history)
    strong = a[:, 0].argmax()
    assert a[strong, 0] > 0.8 and a[1 - strong, 1] > 0.8  # one neuron per feature
    phases = detect_phases(history)
    assert phases.strong_neuron == strong and phases.in_order
    assert phases.learned_strong < phases.acceleration  # v_2 comes after v_1
    E = history.head
    entry = np.abs(E[:, 1 - strong, strong])
    assert entry.max() > 0.5  # substitution: the head really mixes the neurons ...
    assert entry[-1] < 0.2 * entry.max()  # ... and returns towards I
    assert np.allclose(np.diagonal(E, axis1=1, axis2=2), 1.0)  # the diagonal is frozen


@pytest.mark.parametrize("head", ["identity_fixed", "none"])
def test_without_a_trainable_head_both_neurons_learn_the_strong_feature_only(histories, head):
    a = final(histories[head])
    assert (a[:, 0] > 0.8).all() and (a[:, 1] < 0.3).all()  # dimensional collapse onto v_1
    phases = detect_phases(histories[head])
    assert phases.acceleration is None and phases.substitution is None
    assert np.allclose(histories[head].head, np.eye(2))


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
    assert phases.in_order


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
