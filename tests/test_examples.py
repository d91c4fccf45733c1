"""The D2L chapter programs in examples/d2l, run with torchless: they train to the book's quality and
print what PyTorch prints. Each example's main() returns the numbers asserted here; with PyTorch
installed, the same program text (with `torchless` read as `torch`) runs on PyTorch and the
deterministic parts (module reprs, state_dict keys, saved-and-loaded values, optimizer trajectories on
the fixed toy problem, learning-rate schedules) must agree."""
import contextlib
import importlib.util
import io
import math
import os
import warnings

import numpy as np
import pytest

from .conftest import requires_torch

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "d2l")
_spec = importlib.util.spec_from_file_location("d2l_examples_loader", os.path.join(EXAMPLES, "_loader.py"))
_loader = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_loader)

_results = {}


def run(name, backend="torchless", **kwargs):
    """(what main() returned, what it printed); each example runs once per backend per session."""
    key = (name, backend, tuple(sorted(kwargs.items())))
    if key not in _results:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), warnings.catch_warnings():
            # PyTorch warns about float(l.sum()) on a loss that requires grad, which the book does.
            warnings.simplefilter("ignore", UserWarning)
            result = _loader.load_example(name, backend).main(**kwargs)
        _results[key] = (result, out.getvalue())
    return _results[key]


# The training examples run in one child process with single-threaded BLAS: their matmuls are small,
# and on a busy machine a multi-threaded OpenBLAS can make them ten times slower (threads spinning
# for cores that other work holds). The thread count must be set before NumPy loads, hence a child.
TRAINING = ("softmax_regression", "mlp_concise", "dropout")
_CHILD = """
import contextlib, io, json, sys, warnings
sys.path.insert(0, sys.argv[1])
from _loader import load_example
results = {}
for name in sys.argv[2:]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        results[name] = (load_example(name).main(), out.getvalue())
print(json.dumps(results))
"""


def run_in_single_threaded_child(names):
    """{name: (result, printed)} of examples run with their default sizes, in one child process."""
    import json
    import subprocess
    import sys
    src = os.path.join(os.path.dirname(__file__), os.pardir, "src")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p))
    proc = subprocess.run([sys.executable, "-c", _CHILD, EXAMPLES, *names], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {key: tuple(value) for key, value in json.loads(proc.stdout.strip().splitlines()[-1]).items()}


def run_training(name):
    """(result, printed) of a training example, all of them run once in a single-threaded child."""
    if (name, "child") not in _results:
        for key, value in run_in_single_threaded_child(TRAINING).items():
            _results[(key, "child")] = value
    return _results[(name, "child")]


def sequential_repr(*lines):
    return "Sequential(\n" + "".join(f"  ({i}): {line}\n" for i, line in enumerate(lines)) + ")"


def linear(n_in, n_out):
    return f"Linear(in_features={n_in}, out_features={n_out}, bias=True)"


# ------------------------------------------------------------------------------------- chapter 3
def test_linear_regression_from_scratch_recovers_the_weights():
    r, printed = run("linear_regression_scratch")
    assert r["loss"] < 1e-3
    np.testing.assert_allclose(r["w"], [2, -3.4], atol=0.01)
    assert abs(r["b"] - 4.2) < 0.01
    assert r["w_grad_is_zero"]  # sgd() zeroes the gradient in place after each update
    assert "epoch 3, loss 0.0000" in printed
    assert "error in estimating w: tensor([" in printed and "grad_fn=<SubBackward0>" in printed
    assert "error in estimating b: tensor([" in printed and "grad_fn=<RsubBackward1>" in printed


def test_linear_regression_concise_recovers_the_weights():
    r, printed = run("linear_regression_concise")
    assert r["loss"] < 1e-3
    np.testing.assert_allclose(r["w"], [2, -3.4], atol=0.01)
    assert abs(r["b"] - 4.2) < 0.01
    assert r["net"] == sequential_repr(linear(2, 1))
    assert r["batch_shapes"] == ((10, 2), (10, 1)) and r["num_batches"] == 100
    assert printed.startswith("torch.Size([10, 2]) torch.Size([10, 1])\n")


def test_weight_decay_shrinks_the_weights_and_the_test_loss():
    r, _ = run("weight_decay")
    for kind in ("scratch", "concise"):
        (norm_0, train_0, test_0), (norm_3, train_3, test_3) = r[f"{kind}_0"], r[f"{kind}_3"]
        assert norm_0 > 5 and norm_3 < 1, kind   # 200 weights drawn from N(0, 1) vs the true 0.01
        assert train_0 < 1e-3, kind              # 20 examples, 200 inputs: overfits without decay
        assert test_3 < test_0 / 10, kind        # ... and generalizes with it


# ------------------------------------------------------------------------------------- chapters 4-5
def test_softmax_regression_learns_fashion_mnist_like_data():
    r, printed = run_training("softmax_regression")
    assert r["train_loss"] < 1.0 and r["train_acc"] > 0.8 and r["test_acc"] > 0.8
    assert r["net"] == sequential_repr("Flatten(start_dim=1, end_dim=-1)", linear(784, 10))
    assert printed.count("train acc") == 3


def test_mlp_learns_and_has_the_books_parameters():
    r, _ = run_training("mlp_concise")
    assert r["train_loss"] < 1.6 and r["test_acc"] > 0.6   # chance: loss 2.30, accuracy 0.1
    assert r["net"] == sequential_repr("Flatten(start_dim=1, end_dim=-1)", linear(784, 256), "ReLU()",
                                       linear(256, 10))
    assert r["shapes"] == [[256, 784], [256], [10, 256], [10]]  # via JSON
    assert r["num_params"] == 784 * 256 + 256 + 256 * 10 + 10


def test_dropout_masks_scales_and_trains():
    r, printed = run_training("dropout")
    X = np.array(r["X"])
    half = np.array(r["half"])
    kept = half != 0
    np.testing.assert_allclose(half[kept], 2 * X[kept])  # survivors scaled by 1 / (1 - 0.5)
    assert 0 < kept[X != 0].sum() < (X != 0).sum()       # some dropped, some kept
    assert "tensor([[0., 0., 0., 0., 0., 0., 0., 0.],\n        [0., 0., 0., 0., 0., 0., 0., 0.]])" in printed
    assert r["eval_same"] and not r["train_same"]
    assert r["train_loss"] < 1.9 and r["test_acc"] > 0.35
    assert r["net"] == sequential_repr(
        "Flatten(start_dim=1, end_dim=-1)", linear(784, 256), "ReLU()", "Dropout(p=0.2, inplace=False)",
        linear(256, 256), "ReLU()", "Dropout(p=0.5, inplace=False)", linear(256, 10))


# ------------------------------------------------------------------------------------- chapter 6
CHIMERA = """Sequential(
  (0): NestMLP(
    (net): Sequential(
      (0): Linear(in_features=20, out_features=64, bias=True)
      (1): ReLU()
      (2): Linear(in_features=64, out_features=32, bias=True)
      (3): ReLU()
    )
    (linear): Linear(in_features=32, out_features=16, bias=True)
  )
  (1): Linear(in_features=16, out_features=20, bias=True)
  (2): FixedHiddenMLP(
    (linear): Linear(in_features=20, out_features=20, bias=True)
  )
)"""


def test_model_construction():
    r, _ = run("model_construction")
    assert r["shapes"] == {"seq": (2, 10), "mlp": (2, 10), "my_seq": (2, 10), "fixed": (), "chimera": ()}
    assert r["fixed_abs"] <= 1  # the while loop halves until the sum of |X| is at most 1
    assert r["fixed_params"] == ["linear.weight", "linear.bias"]  # rand_weight is no parameter
    assert r["reprs"]["mlp"] == ("MLP(\n  (hidden): " + linear(20, 256) + "\n  (out): " + linear(256, 10)
                                 + "\n)")
    assert r["reprs"]["my_seq"] == sequential_repr(linear(20, 256), "ReLU()", linear(256, 10)).replace(
        "Sequential", "MySequential")
    assert r["reprs"]["chimera"] == CHIMERA
    assert r["counts"] == {"mlp": 7946, "chimera": 20 * 64 + 64 + 64 * 32 + 32 + 32 * 16 + 16 + 16 * 20 + 20
                           + 20 * 20 + 20}
    assert r["grad_fns"] == "AddmmBackward0"


def test_parameter_management():
    r, printed = run("parameters")
    # (Python 3.12 writes an OrderedDict as OrderedDict({...}), earlier ones as OrderedDict([(...)]))
    assert r["state_dict_2"].startswith(("OrderedDict([('weight', tensor([[", "OrderedDict({'weight': tensor([["))
    assert "]])), ('bias', tensor([" in r["state_dict_2"] or "]]), 'bias': tensor([" in r["state_dict_2"]
    assert r["bias_repr"].startswith("Parameter containing:\ntensor([")
    assert r["bias_repr"].endswith("], requires_grad=True)")
    assert r["bias_is_parameter"] and r["weight_grad_is_none"] and r["state_dict_bias_equal"]
    assert r["named_shapes"] == [("0.weight", (8, 4)), ("0.bias", (8,)), ("2.weight", (1, 8)), ("2.bias", (1,))]
    assert "('weight', torch.Size([8, 4])) ('bias', torch.Size([8]))\n" in printed
    block = ("Sequential(\n      (0): " + linear(4, 8) + "\n      (1): ReLU()\n      (2): " + linear(8, 4)
             + "\n      (3): ReLU()\n    )")
    assert r["rgnet"] == ("Sequential(\n  (0): Sequential(\n"
                          + "".join(f"    (block {i}): {block}\n" for i in range(4))
                          + "  )\n  (1): " + linear(4, 1) + "\n)")
    assert r["rgnet_keys"] == [f"0.block {i}.{j}.{p}" for i in range(4) for j in (0, 2)
                               for p in ("weight", "bias")] + ["1.weight", "1.bias"]
    assert 0.005 < r["normal_std"] < 0.02 and r["normal_bias"] == 0
    assert r["constant_row"] == [1.0, 1.0, 1.0, 1.0]
    assert r["xavier_max"] <= math.sqrt(6 / (4 + 8))
    assert r["w42"] == [[42.0] * 8]
    assert r["my_init_ok"] and r["w00"] == 42
    assert "Init weight torch.Size([8, 4])\nInit weight torch.Size([1, 8])\n" in printed
    # tied parameters: one object, counted once, saved under both names, one gradient
    assert r["tied_same"] and r["tied_identity"] and r["tied_num_params"] == 6
    assert r["tied_keys"] == [f"{i}.{p}" for i in (0, 2, 4, 6) for p in ("weight", "bias")]
    assert r["tied_grad_shape"] == (8, 8)


def test_custom_layers():
    r, printed = run("custom_layers")
    assert r["centered"] == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert r["mean"] < 1e-6
    assert r["weight_repr_head"] == "Parameter containing:" and r["weight_requires_grad"]
    assert r["linear_shape"] == (2, 3) and r["linear_nonneg"] and r["net2_shape"] == (2, 1)
    assert r["net2"] == sequential_repr("MyLinear()", "MyLinear()") and r["layer"] == "CenteredLayer()"
    assert r["param_names"] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert printed.startswith("tensor([-2., -1.,  0.,  1.,  2.])\n")


SAVE_LOAD_PRINTED = """tensor([0, 1, 2, 3])
(tensor([0, 1, 2, 3]), tensor([0., 0., 0., 0.]))
{'x': tensor([0, 1, 2, 3]), 'y': tensor([0., 0., 0., 0.])}
<All keys matched successfully>
MLP(
  (hidden): Linear(in_features=20, out_features=256, bias=True)
  (output): Linear(in_features=256, out_features=10, bias=True)
)
tensor([[True, True, True, True, True, True, True, True, True, True],
        [True, True, True, True, True, True, True, True, True, True]])
"""


def test_save_and_load(tmp_path):
    r, printed = run("save_load", directory=str(tmp_path))
    assert r["x2"] == ([0, 1, 2, 3], "torch.int64")
    assert r["list"] == ([0, 1, 2, 3], [0.0, 0.0, 0.0, 0.0], "torch.float32")
    assert r["load_result"] == "<All keys matched successfully>"
    assert r["identical"]  # the loaded clone computes exactly what the saved model computed
    assert r["keys"] == ["hidden.weight", "hidden.bias", "output.weight", "output.bias"]
    assert r["training"] == (True, False)
    assert r["archive"][:2] == ["mlp/data.pkl", "mlp/.format_version"] and "mlp/data/3" in r["archive"]
    assert printed == SAVE_LOAD_PRINTED


def test_devices_fall_back_to_the_cpu():
    r, printed = run("devices")
    assert r["count"] == 0 and r["available"] is False
    assert r["try_gpu"] == ("device(type='cpu')", "device(type='cpu')", "[device(type='cpu')]")
    assert r["x_device"] == "cpu" and r["weight_device"] == "cpu"
    assert r["Z_is_X"]  # .to() the device a tensor is already on returns the tensor itself
    assert r["sum"] == 6.0 and r["Y_shape"] == (2, 3) and r["out_shape"] == (2, 1)
    assert printed.startswith("0\ncpu cpu [device(type='cpu')]\ncpu\n")


def test_device_objects_can_name_cuda():
    module = _loader.load_example("devices")
    with contextlib.redirect_stdout(io.StringIO()):
        assert module.device_names() == ("cpu", "cuda", "cuda:1")


# ------------------------------------------------------------------------------------- chapter 12
def f_2d(x1, x2):
    return 0.1 * x1 ** 2 + 2 * x2 ** 2


def test_optimizers_on_the_books_quadratic():
    r, printed = run("optimization")
    steps = len(r["sgd"]) - 1
    # gradient descent on 0.1 x1^2 + 2 x2^2 with lr 0.4 scales x1 by 1 - 0.08 and x2 by 1 - 1.6 per step
    expected = [[-5 * 0.92 ** t, -2 * (-0.6) ** t] for t in range(steps + 1)]
    np.testing.assert_allclose(r["sgd"], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r["momentum"][-1], r["momentum_scratch"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(r["adam"][-1], r["adam_scratch"], rtol=1e-4, atol=1e-6)
    for name in ("sgd", "momentum", "adam", "adamw", "adagrad", "rmsprop", "adadelta"):
        first, last = r[name][0], r[name][-1]
        assert f_2d(*last) < f_2d(*first), name
    assert f_2d(*r["momentum"][-1]) < 1e-3  # momentum beats plain GD here (the book's point)
    assert "momentum: epoch 20, x1: " in printed


def test_learning_rate_schedulers():
    r, _ = run("optimization")
    lrs = r["lrs"]
    epochs = range(11)
    np.testing.assert_allclose(lrs["StepLR"], [0.5 * 0.5 ** (e // 3) for e in epochs], rtol=1e-12)
    np.testing.assert_allclose(lrs["MultiStepLR"], [0.5 * 0.1 ** ((e >= 2) + (e >= 5)) for e in epochs],
                               rtol=1e-12)
    np.testing.assert_allclose(lrs["ExponentialLR"], [0.5 * 0.9 ** e for e in epochs], rtol=1e-12)
    np.testing.assert_allclose(lrs["CosineAnnealingLR"],
                               [0.01 + 0.49 * (1 + math.cos(math.pi * e / 10)) / 2 for e in epochs],
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(lrs["LambdaLR"], [0.5 / (e + 1) for e in epochs], rtol=1e-12)
    assert r["scheduler_module"].endswith("optim.lr_scheduler")
    loss, w, b = r["trained"]
    assert loss < 0.05
    np.testing.assert_allclose(w, [2, -3.4], atol=0.1)
    assert abs(b - 4.2) < 0.1


# ------------------------------------------------------------------------------------- vs PyTorch
def _deterministic(name, result):
    """The parts of an example's result that do not depend on random draws."""
    if name == "model_construction":
        return result["reprs"], result["shapes"], result["fixed_params"], result["counts"], result["grad_fns"]
    if name == "parameters":
        keep = ("named_shapes", "rgnet", "rgnet_keys", "constant_row", "w42", "w00", "tied_keys",
                "tied_num_params", "tied_identity", "bias_is_parameter", "weight_grad_is_none")
        return {k: result[k] for k in keep}
    if name == "custom_layers":
        return {k: v for k, v in result.items() if k != "mean"}
    if name == "optimization":
        return {k: v for k, v in result.items() if k not in ("trained", "scheduler_module")}
    return result


@requires_torch
@pytest.mark.parametrize("name", ["model_construction", "parameters", "custom_layers", "optimization",
                                  "devices"])
def test_same_as_pytorch(name):
    ours, theirs = (_deterministic(name, run(name, backend)[0]) for backend in ("torchless", "torch"))
    if name == "optimization":  # float32 trajectories on the toy problem, float64 schedules
        for key in ("sgd", "momentum", "adam", "adamw", "adagrad", "rmsprop", "adadelta"):
            np.testing.assert_allclose(ours[key], theirs[key], rtol=2e-5, atol=1e-6, err_msg=key)
        for key, lrs in theirs["lrs"].items():
            np.testing.assert_allclose(ours["lrs"][key], lrs, rtol=1e-12, err_msg=key)
    else:
        assert ours == theirs


@requires_torch
def test_save_load_prints_what_pytorch_prints(tmp_path):
    for side in ("ours", "theirs"):
        os.makedirs(tmp_path / side)
    _, ours = run("save_load", directory=str(tmp_path / "ours"))
    _, theirs = run("save_load", "torch", directory=str(tmp_path / "theirs"))
    assert ours == theirs == SAVE_LOAD_PRINTED


def test_an_example_runs_as_a_script():
    """The files are plain programs: `python examples/d2l/custom_layers.py` prints the book's output."""
    import subprocess
    import sys
    src = os.path.join(os.path.dirname(__file__), os.pardir, "src")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p))
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, "custom_layers.py")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("tensor([-2., -1.,  0.,  1.,  2.])\n")
    assert proc.stdout.endswith("Sequential(\n  (0): MyLinear()\n  (1): MyLinear()\n)\n")
