"""The D2L chapter 7-12 programs in examples/d2l (LeNet, modern CNN blocks and ResNet-18's shape table,
attention scoring, seq2seq with Bahdanau attention, a transformer that learns to reverse sequences),
run with torchless: each learns (accuracy, falling loss) and prints the book's shapes; with PyTorch
installed the same program text runs on PyTorch and prints the same shapes and values (the models
are seeded alike, so the initial weights, data order and early losses agree)."""
import math
import re

import numpy as np

import pytest

from .conftest import requires_torch
from .test_examples import run, run_in_single_threaded_child

_child = {}

_NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


def assert_same_printout(ours, theirs, rtol=5e-3, atol=1e-2):
    """The same printed text, its decimal numbers within float32 training's drift (the two libraries
    group float32 sums differently: a loss can move in its third decimal, an accuracy by an example)."""
    assert _NUMBER.sub("#", ours) == _NUMBER.sub("#", theirs), (ours, theirs)
    a = [float(x) for x in _NUMBER.findall(ours)]
    b = [float(x) for x in _NUMBER.findall(theirs)]
    assert np.allclose(a, b, rtol=rtol, atol=atol), (ours, theirs)

def trained(name):
    """(result, printed) of a training example with its default sizes, single-threaded in a child."""
    if name not in _child:
        _child.update(run_in_single_threaded_child([name]))
    return _child[name]


def shape_lines(printed):
    return [line for line in printed.splitlines() if "output shape" in line]


# ------------------------------------------------------------------------------ §7.6 LeNet
LENET_SHAPES = [("Conv2d", (1, 6, 28, 28)), ("Sigmoid", (1, 6, 28, 28)), ("AvgPool2d", (1, 6, 14, 14)),
                ("Conv2d", (1, 16, 10, 10)), ("Sigmoid", (1, 16, 10, 10)), ("AvgPool2d", (1, 16, 5, 5)),
                ("Flatten", (1, 400)), ("Linear", (1, 120)), ("Sigmoid", (1, 120)), ("Linear", (1, 84)),
                ("Sigmoid", (1, 84)), ("Linear", (1, 10))]


def test_lenet_learns_the_synthetic_fashion_mnist():
    r, printed = trained("lenet")
    assert [(name, tuple(shape)) for name, shape in r["shapes"]] == LENET_SHAPES
    train_l, train_acc, test_acc = r["history"][-1]
    assert test_acc > 0.9 and train_acc > 0.9, r["history"]
    assert train_l < r["history"][0][0] / 4
    assert "Conv2d output shape:\t torch.Size([1, 6, 28, 28])" in printed


@requires_torch
def test_lenet_prints_what_pytorch_prints():
    ours = run("lenet", num_epochs=1, num_train=256, num_test=64)
    theirs = run("lenet", "torch", num_epochs=1, num_train=256, num_test=64)
    assert ours[0]["net"] == theirs[0]["net"]
    assert shape_lines(ours[1]) == shape_lines(theirs[1])
    (l0, a0, t0), = ours[0]["history"]
    (l1, a1, t1), = theirs[0]["history"]
    assert math.isclose(l0, l1, rel_tol=1e-3) and abs(a0 - a1) < 0.02 and abs(t0 - t1) < 0.04


# ------------------------------------------------------------------------------ chapter 8
RESNET18_TABLE = [("Sequential", (1, 64, 24, 24)), ("Sequential", (1, 64, 24, 24)),
                  ("Sequential", (1, 128, 12, 12)), ("Sequential", (1, 256, 6, 6)),
                  ("Sequential", (1, 512, 3, 3)), ("Sequential", (1, 10))]


@pytest.mark.slow  # about 5 s on an idle core
def test_modern_cnns_shape_tables_and_a_small_resnet_trains():
    r, printed = trained("modern_cnns")
    assert tuple(r["residual"]) == (4, 3, 6, 6) and tuple(r["residual_1x1"]) == (4, 6, 3, 3)
    assert [(n, tuple(s)) for n, s in r["resnet"]] == RESNET18_TABLE
    assert r["resnet_params"] == 11178378  # ResNet-18 with one input channel and 10 classes
    assert [tuple(s) for _, s in r["vgg"]][:5] == [(1, 64, 112, 112), (1, 128, 56, 56), (1, 256, 28, 28),
                                                    (1, 512, 14, 14), (1, 512, 7, 7)]
    assert tuple(r["vgg"][-1][1]) == (1, 10)
    assert [tuple(s) for _, s in r["nin"]] == [
        (1, 96, 54, 54), (1, 96, 26, 26), (1, 256, 26, 26), (1, 256, 12, 12), (1, 384, 12, 12),
        (1, 384, 5, 5), (1, 384, 5, 5), (1, 10, 5, 5), (1, 10, 1, 1), (1, 10)]
    assert r["resnet_state_keys"][:7] == ["net.0.0.weight", "net.0.0.bias", "net.0.1.weight", "net.0.1.bias",
                                          "net.0.1.running_mean", "net.0.1.running_var",
                                          "net.0.1.num_batches_tracked"]
    losses = r["losses"]
    assert sum(losses[-3:]) / 3 < losses[0] - 0.3, losses
    assert r["num_batches_tracked"] == len(losses) + 1 and tuple(r["eval_shape"]) == (32, 10)
    assert "Sequential output shape:\t torch.Size([1, 512, 3, 3])" in printed


@requires_torch
def test_modern_cnns_print_what_pytorch_prints():
    ours = run("modern_cnns", train_steps=3)
    theirs = run("modern_cnns", "torch", train_steps=3)
    assert ours[0]["resnet_state_keys"] == theirs[0]["resnet_state_keys"]
    assert ours[0]["resnet_params"] == theirs[0]["resnet_params"]
    assert shape_lines(ours[1]) == shape_lines(theirs[1])
    for a, b in zip(ours[0]["losses"], theirs[0]["losses"]):
        assert math.isclose(a, b, rel_tol=1e-3)


# ------------------------------------------------------------------------------ §11.1-11.6
def test_attention_scoring():
    r, printed = run("attention_scoring")
    assert r["sorted"]
    # Nadaraya-Watson: the local kernels fit f far better than the constant kernel (plain averaging)
    assert r["nw_errors"]["Gaussian"] < r["nw_errors"]["Constant"] / 2
    assert r["nw_errors"]["Epanechikov"] < r["nw_errors"]["Constant"] / 2
    assert r["dot"] == (2, 1, 4) and r["additive"] == (2, 1, 4) and r["multihead"] == (2, 4, 100)
    assert r["dot_weights_zero_beyond_valid"] == (0.0, 0.0)
    assert r["bmm_shape"] == (2, 3, 6)
    # the positional encoding of position 1: sin(1), cos(1), sin(1 / 10000^(2/32)), cos(...)
    w = 1 / 10000 ** (2 / 32)
    assert r["P_row1"] == pytest.approx([math.sin(1), math.cos(1), math.sin(w), math.cos(w)], abs=1e-6)
    assert "torch.Size([2, 1, 4]) torch.Size([2, 1, 10])\n" in printed
    assert "[0.5362, 0.4638, 0.0000, 0.0000]" in printed  # masked_softmax masks beyond valid_lens


@requires_torch
def test_attention_scoring_prints_what_pytorch_prints():
    assert_same_printout(run("attention_scoring")[1], run("attention_scoring", "torch")[1])


# ------------------------------------------------------------------------------ §11.4 Bahdanau
def test_seq2seq_with_bahdanau_attention_trains():
    r, printed = trained("seq2seq_attention")
    assert [tuple(s) for s in r["shapes"]] == [(4, 7, 10), (4, 7, 16), (4, 16)]
    losses = r["losses"]
    assert losses[-1] < losses[0] / 5, losses
    assert r["token_accuracy"] > 0.8
    assert r["attention_steps"] == 1  # greedy decoding calls the decoder one step at a time


@requires_torch
def test_seq2seq_losses_follow_pytorchs():
    ours = run("seq2seq_attention", num_epochs=2, num_examples=128)
    theirs = run("seq2seq_attention", "torch", num_epochs=2, num_examples=128)
    assert ours[0]["shapes"] == theirs[0]["shapes"]
    for a, b in zip(ours[0]["losses"], theirs[0]["losses"]):
        assert math.isclose(a, b, rel_tol=1e-3)


# ------------------------------------------------------------------------------ §11.7 transformer
@pytest.mark.slow
def test_transformer_learns_to_reverse_sequences():
    r, printed = trained("transformer")
    assert r["token_accuracy"] > 0.95, r
    assert r["losses"][-1] < r["losses"][0] / 10
    assert "torch.Size([2, 100, 24])" in printed


@requires_torch
def test_transformer_first_epoch_follows_pytorch():
    ours = run("transformer", num_epochs=1, num_examples=256)
    theirs = run("transformer", "torch", num_epochs=1, num_examples=256)
    assert ours[0]["ffn"] == theirs[0]["ffn"]
    assert math.isclose(ours[0]["losses"][0], theirs[0]["losses"][0], rel_tol=1e-3)
    assert ours[1].splitlines()[:6] == theirs[1].splitlines()[:6]  # the shape checks


# ------------------------------------------------------------------------------ §12.11 schedules
@pytest.mark.slow  # about 5 s on an idle core
def test_lr_scheduling_trains_with_builtin_and_custom_schedulers():
    r, printed = trained("lr_scheduling")
    for name in ("constant", "trained_multistep", "trained_cosine"):
        history = r[name]
        assert history[-1][0] < history[0][0] and history[-1][2] > 0.6, (name, history)
    # the built-in MultiStepLR (milestones 2, 3) and the custom cosine schedule set the rates used
    assert [h[3] for h in r["trained_multistep"]] == pytest.approx([0.1, 0.1, 0.05, 0.025])
    # (the book's custom scheduler is called with the epoch just finished: warmup gives 0 after epoch 0)
    assert [h[3] for h in r["trained_cosine"]] == pytest.approx(
        [0.1, 0.0, 0.1, 0.01 + 0.09 * (1 + math.cos(math.pi / 3)) / 2])
    assert r["multistep"] == pytest.approx([0.5] * 15 + [0.25] * 15)
    assert r["square_root"] == pytest.approx([0.1 / math.sqrt(t + 1) for t in range(30)])
    assert r["factor"] == pytest.approx([max(0.01, 2.0 * 0.9 ** (t + 1)) for t in range(50)])
    assert r["cosine_warmup"][:6] == pytest.approx([0.0, 0.06, 0.12, 0.18, 0.24, 0.3])
    assert "learning rate is now 0.10\n" in printed


@requires_torch
def test_lr_scheduling_prints_pytorchs_schedules():
    ours = run("lr_scheduling", num_epochs=1, num_train=128, num_test=64)
    theirs = run("lr_scheduling", "torch", num_epochs=1, num_train=128, num_test=64)
    schedules = [line for line in ours[1].splitlines() if line.split(" ")[0] in
                 ("square_root", "factor", "multistep", "cosine", "cosine_warmup")]
    assert len(schedules) == 5
    assert schedules == [line for line in theirs[1].splitlines() if line.split(" ")[0] in
                         ("square_root", "factor", "multistep", "cosine", "cosine_warmup")]
    assert math.isclose(ours[0]["constant"][0][0], theirs[0]["constant"][0][0], rel_tol=1e-3)


# ------------------------------------------------------------------------------ §7.2-7.5
def test_conv_basics():
    r, printed = run("conv_basics")
    assert r["corr2d"] == [[19.0, 25.0], [37.0, 43.0]]
    # the learned kernel approaches the edge detector [1, -1]
    (k0, k1), = r["learned_kernel"]
    assert abs(k0 - 1) < 0.1 and abs(k1 + 1) < 0.1 and r["kernel_loss"] < 0.5
    assert r["scratch_loss"] < r["scratch_first_loss"] / 4, (r["scratch_first_loss"], r["scratch_loss"])
    assert r["padding_stride"] == [(8, 8), (8, 8), (4, 4), (2, 2)]
    assert r["multi_in_out_matches_conv2d"] and r["one_by_one"] < 1e-6
    assert r["pooled"] == [[[[5.0, 7.0], [13.0, 15.0]], [[6.0, 8.0], [14.0, 16.0]]]]
    assert "tensor([[ 56.,  72.],\n        [104., 120.]])" in printed  # corr2d_multi_in


@requires_torch
def test_conv_basics_prints_what_pytorch_prints():
    assert_same_printout(run("conv_basics")[1], run("conv_basics", "torch")[1])


# ------------------------------------------------------------------------------ §8.1, 8.4, 8.5, 8.7, 8.8
def test_more_cnns_shape_tables():
    r, printed = trained("more_cnns")
    alexnet = [tuple(s) for s in r["alexnet"]]
    assert alexnet[0] == (1, 96, 54, 54) and alexnet[12] == (1, 256, 5, 5) and alexnet[13] == (1, 6400)
    assert alexnet[-1] == (1, 10)
    assert [tuple(s) for s in r["googlenet"]] == [(1, 64, 24, 24), (1, 192, 12, 12), (1, 480, 6, 6),
                                                  (1, 832, 3, 3), (1, 1024), (1, 10)]
    assert tuple(r["bn_lenet"][-1]) == (2, 10) and tuple(r["bn_lenet"][6]) == (2, 16, 8, 8)
    assert r["bn_train_diff"] < 1e-5 and r["bn_mean_diff"] < 1e-6 and r["bn_eval_uses_running"]
    assert [tuple(s) for s in r["dense_block"]] == [(4, 23, 8, 8), (4, 10, 4, 4)]
    assert [tuple(s) for s in r["densenet"]] == [
        (1, 64, 24, 24), (1, 192, 24, 24), (1, 96, 12, 12), (1, 224, 12, 12), (1, 112, 6, 6),
        (1, 240, 6, 6), (1, 120, 3, 3), (1, 248, 3, 3), (1, 10)]
    assert [tuple(s) for s in r["regnet"]] == [(1, 32, 48, 48), (1, 32, 24, 24), (1, 80, 12, 12), (1, 10)]


@requires_torch
def test_more_cnns_print_what_pytorch_prints():
    ours, theirs = trained("more_cnns")[1], run("more_cnns", "torch")[1]
    assert shape_lines(ours) == shape_lines(theirs) and len(shape_lines(ours)) > 50


# ------------------------------------------------------------------------------ §11.8 ViT
def test_vision_transformer_trains():
    r, printed = trained("vit")
    assert tuple(r["patches"]) == (4, 36, 512) and tuple(r["block"]) == (2, 100, 24)
    history = r["history"]
    assert history[-1][0] < history[0][0] / 3 and history[-1][2] > 0.7, history


@requires_torch
def test_vision_transformer_follows_pytorch():
    ours = run("vit", num_epochs=1, num_train=256, num_test=64)
    theirs = run("vit", "torch", num_epochs=1, num_train=256, num_test=64)
    assert_same_printout(ours[1], theirs[1])  # shapes, and the first epoch's loss and accuracies (dropout masks alike)


# ------------------------------------------------------------------------------ §9.5, 10.1, 10.2, 10.4
def test_recurrent_networks_from_scratch_halve_their_perplexity():
    r, printed = trained("rnn_scratch")
    assert [tuple(s) if isinstance(s, list) else s for s in r["shapes"]] == [(10, 28), 1, (2, 64)]
    for name in ("rnn", "lstm", "gru"):
        assert r[name][0] < 28 and r[name][-1] < r[name][0] / 2, (name, r[name])
    assert [tuple(s) for s in r["bidirectional"]] == [(16, 4, 128), (4, 4, 64)]
    assert "torch.Size([5, 2, 28])" in printed


@requires_torch
def test_recurrent_networks_from_scratch_follow_pytorch():
    ours = run("rnn_scratch", num_epochs=1, num_chars=2000)
    theirs = run("rnn_scratch", "torch", num_epochs=1, num_chars=2000)
    assert_same_printout(ours[1], theirs[1])


# ------------------------------------------------------------------------------ §9.1, 9.2, 10.5, 10.7
def test_sequence_basics():
    r, printed = run("sequence_basics")
    assert r["losses"][-1] < 0.1 and r["losses"][-1] < r["losses"][0]
    assert r["valid_len"] == [3, 3, 3, 4, 4]
    assert r["masked_loss"] == pytest.approx([2.3026, 1.1513, 0.0], abs=1e-4)
    assert "tensor([[1, 0, 0],\n        [4, 5, 0]])" in printed


@requires_torch
def test_sequence_basics_prints_what_pytorch_prints():
    assert_same_printout(run("sequence_basics")[1], run("sequence_basics", "torch")[1])
