"""The benchmark cases: what each measures, how, and which target it is held to.

Every case except `import` runs inside a child process that has already imported the library under
test (`run.py --child CASE LIB`), so import time never counts. A case's `measure(name, lib, repeats)`
returns a dict of metric -> number; `name` is "torchless", "torch" or "numpy" and `lib` the module.
The code timed is the same text for torchless and torch (only the module differs); the NumPy variant
is the same computation written by hand: forward plus the gradient formulas.

Timing: `repeats` timed runs after a warm-up; each process reports the median of its runs. Python's
garbage collector stays on (users pay for it too) but is emptied before every timed run, so one run
does not pay for the previous one's garbage.
"""
import ast
import gc
import importlib.util
import os
import resource
import statistics
import sys
import time

CASES = {}


class Case:
    """One benchmark: its metrics, the libraries it runs, and its targets.

    metrics: (key, label, unit) triples, in table order. Smaller is better for every metric.
    targets: {metric key: (baseline library, largest allowed ratio ours/baseline, wording)}.
    repeats: (quick, normal) number of timed runs inside one child process.
    """

    def __init__(self, name, title, libs, metrics, repeats, targets=None, in_parent=False):
        self.name, self.title, self.libs = name, title, libs
        self.metrics, self.repeats = metrics, repeats
        self.targets = targets or {}
        self.in_parent = in_parent  # `import` is timed from the parent, one fresh interpreter per run
        self.measure = None

    def __call__(self, measure):
        self.measure = measure
        CASES[self.name] = self
        return measure


def timed_median(run, setup, repeats, warmup=2):
    """Median wall time (seconds) of `run(setup())` over `repeats` runs; setup is not timed."""
    for _ in range(warmup):
        run(setup())
    times = []
    for _ in range(repeats):
        arg = setup()
        gc.collect()
        start = time.perf_counter()
        run(arg)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ---------------------------------------------------------------------------------------------------
# 1. The seed walkthrough (D2L §2.5)
# ---------------------------------------------------------------------------------------------------
# The cell texts come from torchless/_seed_demo.py, read as text so that the torch process never
# imports torchless. One change makes the two libraries do the same work: the last cell draws
# `a = torch.randn(...)` and then doubles it until its norm passes 1000, so the amount of work depends
# on the random draw, and the two libraries' random streams differ. The draw is replaced by
# `torch.tensor(_A, requires_grad=True)` with the same fixed values for both libraries.
RANDOM_DRAW = "torch.randn(size=(), requires_grad=True)"
FIXED_DRAW = "torch.tensor(_A, requires_grad=True)"
# Values for `a`: spread over magnitudes so the doubling loop runs from 8 to 16 times.
A_VALUES = (0.7, -1.3, 0.05, 2.1, -0.4, 0.9, -0.012, 1.6)


def seed_cells():
    """The walkthrough's cell texts, without importing torchless."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, os.pardir, "src", "torchless", "_seed_demo.py")
    if not os.path.exists(path):  # an installed torchless: find it without importing it
        spec = importlib.util.find_spec("torchless")
        path = os.path.join(os.path.dirname(spec.origin), "_seed_demo.py")
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CELLS" for t in node.targets):
            return ast.literal_eval(node.value)
    raise RuntimeError(f"no CELLS list found in {path}")


def compile_cells(cells, module_name):
    """Compile each cell as the notebook runs it, minus the printing: the last expression is still
    evaluated (its tensor op is part of the work) but its repr is not built."""
    code = []
    found_draw = False
    for text in cells:
        text = text.replace("import torch\n", f"import {module_name} as torch\n")
        if RANDOM_DRAW in text:
            text = text.replace(RANDOM_DRAW, FIXED_DRAW)
            found_draw = True
        code.append(compile(text, "<cell>", "exec"))  # a bare last expression is evaluated, not shown
    if not found_draw:
        raise RuntimeError(f"the walkthrough no longer contains {RANDOM_DRAW!r}; update cases.py")
    return code


@Case("seed", "Seed walkthrough (D2L §2.5), all cells, no printing",
      libs=("torchless", "torch"), repeats=(10, 30),
      metrics=[("walkthrough_us", "one walkthrough", "µs")],
      targets={"walkthrough_us": ("torch", 0.4, "<= 0.4x torch")})
def measure_seed(name, lib, repeats):
    code = compile_cells(seed_cells(), name)

    def walk_all(_):
        for a in A_VALUES:
            namespace = {"_A": a}
            for cell in code:
                exec(cell, namespace)

    seconds = timed_median(walk_all, lambda: None, repeats)
    return {"walkthrough_us": seconds / len(A_VALUES) * 1e6}


# ---------------------------------------------------------------------------------------------------
# 2-4. Chains of small elementwise ops (per-op overhead)
# ---------------------------------------------------------------------------------------------------
# The fixed mix, one op per line, cycled: a multiply by a Python scalar, an add of a Python scalar, a
# multiply by a tensor that requires grad (two grad edges), and a tanh (a transcendental whose
# backward reuses its output). Values stay in (0, 1); gradients shrink but stay finite.
CHAIN_MIX = ("y * 1.0001", "y + 0.5", "y * w", "y.tanh()")


def chain(x, w, n_ops):
    """n_ops ops (a multiple of 4) of CHAIN_MIX, starting from x."""
    y = x
    for _ in range(n_ops // 4):
        y = y * 1.0001
        y = y + 0.5
        y = y * w
        y = y.tanh()
    return y


def chain_leaves(lib):
    x = lib.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
    w = lib.tensor([0.9, 1.0, 1.1, 1.2], requires_grad=True)
    return x, w


@Case("chain", "1,000-op chain on 4 float32 elements, forward+backward",
      libs=("torchless", "torch"), repeats=(15, 50),
      metrics=[("us_per_op", "per op", "µs")],
      targets={"us_per_op": ("torch", 0.4, "<= 0.4x torch")})
def measure_chain(name, lib, repeats):
    def run(leaves):
        chain(*leaves, 1000).sum().backward()

    seconds = timed_median(run, lambda: chain_leaves(lib), repeats)
    return {"us_per_op": seconds / 1000 * 1e6}


@Case("chain_nograd", "1,000-op chain on 4 float32 elements, forward only under no_grad",
      libs=("torchless", "torch"), repeats=(15, 50),
      metrics=[("us_per_op", "per op", "µs")])
def measure_chain_nograd(name, lib, repeats):
    def run(leaves):
        with lib.no_grad():
            chain(*leaves, 1000)

    seconds = timed_median(run, lambda: chain_leaves(lib), repeats)
    return {"us_per_op": seconds / 1000 * 1e6}


def peak_rss_bytes():
    """The process's peak resident set size so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


@Case("chain_100k", "100,000-op chain on 4 float32 elements, forward+backward, one run per process",
      libs=("torchless", "torch"), repeats=(1, 1),
      metrics=[("seconds", "forward+backward", "s"), ("us_per_op", "per op", "µs"),
               ("peak_rss_mb", "peak RSS growth", "MB")])
def measure_chain_100k(name, lib, repeats):
    # Warm the code paths with a short chain; then the growth of the peak RSS over the level reached
    # so far is what the 100k-node graph costs (RSS-based for both libraries, so it is comparable).
    chain(*chain_leaves(lib), 1000).sum().backward()
    leaves = chain_leaves(lib)
    gc.collect()
    rss_before = peak_rss_bytes()
    start = time.perf_counter()
    y = chain(*leaves, 100_000)
    y.sum().backward()
    seconds = time.perf_counter() - start
    growth = peak_rss_bytes() - rss_before
    return {"seconds": seconds, "us_per_op": seconds / 100_000 * 1e6, "peak_rss_mb": growth / 2**20}


# ---------------------------------------------------------------------------------------------------
# 5. Import time (timed by run.py from the parent: a fresh interpreter per run)
# ---------------------------------------------------------------------------------------------------
@Case("import", "`import X` in a fresh interpreter, minus `python -c pass`",
      libs=("torchless", "torch"), repeats=(3, 7), in_parent=True,
      metrics=[("import_ms", "import", "ms")],
      targets={"import_ms": ("torch", 0.15, "<= 0.15x torch")})
def measure_import(name, lib, repeats):  # pragma: no cover - run.py times this one itself
    raise RuntimeError("the import case is timed by run.py")


# ---------------------------------------------------------------------------------------------------
# 6. Big tensors: torchless against hand-written NumPy (and torch for reference)
# ---------------------------------------------------------------------------------------------------
BIG_N = 1_000_000
MATMUL_N = 512


def random_float32(shape, seed):
    import numpy as np
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)


@Case("big_elementwise", "1,000,000 float32: y = (x * w + b).tanh().sum(); y.backward()",
      libs=("torchless", "torch", "numpy"), repeats=(5, 15),
      metrics=[("ms", "forward+backward", "ms")],
      targets={"ms": ("numpy", 1.05, "<= 1.05x NumPy (within a few percent)")})
def measure_big_elementwise(name, lib, repeats):
    x_np, w_np, b_np = (random_float32(BIG_N, seed) for seed in (1, 2, 3))
    if name == "numpy":
        np = lib

        def run(_):
            t = np.tanh(x_np * w_np + b_np)
            t.sum()
            dz = 1 - t * t          # d tanh(z)/dz, times the incoming gradient of 1
            return dz * x_np, dz    # grad of w, grad of b

        setup = lambda: None  # noqa: E731
    else:
        x = lib.tensor(x_np)
        w = lib.tensor(w_np, requires_grad=True)
        b = lib.tensor(b_np, requires_grad=True)

        def setup():
            w.grad = b.grad = None  # each run starts like the first: no gradient to accumulate into

        def run(_):
            y = (x * w + b).tanh().sum()
            y.backward()

    return {"ms": timed_median(run, setup, repeats) * 1e3}


@Case("matmul", "512x512 float32 matmul: (A @ B).sum().backward()",
      libs=("torchless", "torch", "numpy"), repeats=(5, 15),
      metrics=[("ms", "forward+backward", "ms")],
      targets={"ms": ("numpy", 1.05, "<= 1.05x NumPy (within a few percent)")})
def measure_matmul(name, lib, repeats):
    a_np, b_np = (random_float32((MATMUL_N, MATMUL_N), seed) for seed in (4, 5))
    if name == "numpy":
        np = lib

        def run(_):
            c = a_np @ b_np
            c.sum()
            g = np.ones_like(c)            # gradient of the sum
            return g @ b_np.T, a_np.T @ g  # grad of A, grad of B

        setup = lambda: None  # noqa: E731
    else:
        a = lib.tensor(a_np, requires_grad=True)
        b = lib.tensor(b_np, requires_grad=True)

        def setup():
            a.grad = b.grad = None

        def run(_):
            (a @ b).sum().backward()

    return {"ms": timed_median(run, setup, repeats) * 1e3}


# ---------------------------------------------------------------------------------------------------
# 7. An MLP training step (the D2L chapter 5 workload): torchless against hand-written NumPy
# ---------------------------------------------------------------------------------------------------
# 784-512-256-10, ReLU, batch 256, float32, cross-entropy on class indices, plain SGD (lr 0.1). One
# step = forward, loss, backward, parameter update. Every variant starts from the same weights and data
# (NumPy generators with fixed seeds), stored as (in, out) matrices for the raw/NumPy forms and copied
# transposed into nn.Linear's (out, in) weights for the nn form, so all of them do the same arithmetic.
MLP_SIZES = (784, 512, 256, 10)
MLP_BATCH = 256
MLP_LR = 0.1


def mlp_start():
    """Fixed starting point: [(w (in, out), b (out,)) per layer], x (batch, 784) in [0, 1), labels."""
    import numpy as np
    rng = np.random.default_rng(2013)
    layers = []
    for n_in, n_out in zip(MLP_SIZES, MLP_SIZES[1:]):
        bound = 1 / n_in ** 0.5  # nn.Linear's default scale, so activations stay in a normal range
        layers.append((rng.uniform(-bound, bound, (n_in, n_out)).astype(np.float32),
                       rng.uniform(-bound, bound, n_out).astype(np.float32)))
    x = rng.random((MLP_BATCH, MLP_SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, MLP_SIZES[-1], MLP_BATCH)
    return layers, x, labels


def mlp_numpy_step(np, layers, x, labels, lr=MLP_LR):
    """One step with a hand-derived backward: the least work a NumPy engine can do for it (fused
    softmax-minus-onehot gradient, in-place ReLU masks and SGD updates, no gradient for x)."""
    (w1, b1), (w2, b2), (w3, b3) = layers
    rows = np.arange(len(labels))
    h1 = x @ w1
    h1 += b1
    np.maximum(h1, 0, out=h1)
    h2 = h1 @ w2
    h2 += b2
    np.maximum(h2, 0, out=h2)
    z = h2 @ w3
    z += b3
    z -= z.max(axis=1, keepdims=True)          # stable softmax
    picked = z[rows, labels]
    e = np.exp(z, out=z)
    total = e.sum(axis=1, keepdims=True)
    loss = (np.log(total[:, 0]) - picked).mean()
    g = e
    g /= total                                 # softmax ...
    g[rows, labels] -= 1                       # ... minus one-hot
    g /= len(labels)                           # the mean over the batch
    grads = [(h2.T @ g, g.sum(axis=0))]
    g = g @ w3.T
    g *= h2 > 0
    grads.append((h1.T @ g, g.sum(axis=0)))
    g = g @ w2.T
    g *= h1 > 0
    grads.append((x.T @ g, g.sum(axis=0)))
    for (w, b), (dw, db) in zip(layers, reversed(grads)):
        dw *= lr
        w -= dw
        db *= lr
        b -= db
    return loss


def mlp_raw_step(lib, params, x, labels, lr=MLP_LR):
    """The same step with raw tensors, as D2L §5.2 writes it from scratch."""
    w1, b1, w2, b2, w3, b3 = params
    h = (x @ w1 + b1).relu()
    h = (h @ w2 + b2).relu()
    z = h @ w3 + b3
    log_probs = z - z.logsumexp(1, keepdim=True)
    loss = -log_probs.gather(1, labels[:, None]).mean()
    loss.backward()
    with lib.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss


def mlp_nn_model(lib):
    """nn.Sequential + CrossEntropyLoss + optim.SGD, holding mlp_start()'s weights."""
    nn = lib.nn
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                        nn.Linear(256, 10))
    layers, _, _ = mlp_start()
    with lib.no_grad():
        for linear, (w, b) in zip([m for m in net if isinstance(m, nn.Linear)], layers):
            linear.weight.copy_(lib.tensor(w.T.copy()))
            linear.bias.copy_(lib.tensor(b))
    return net, nn.CrossEntropyLoss(), lib.optim.SGD(net.parameters(), lr=MLP_LR)


def mlp_nn_step(net, loss_fn, optimizer, x, labels):
    """The same step the way D2L §5.3 writes it with nn and optim."""
    loss = loss_fn(net(x), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


@Case("mlp_step", "MLP 784-512-256-10 training step, batch 256, raw tensors (NumPy: hand-derived backward)",
      libs=("torchless", "torch", "numpy"), repeats=(10, 30),
      metrics=[("ms", "one step", "ms")],
      targets={"ms": ("numpy", 1.05, "<= 1.05x NumPy (within a few percent)")})
def measure_mlp_step(name, lib, repeats):
    def make_step(layers):
        params = [lib.tensor(a, requires_grad=True) for layer in layers for a in layer]
        return lambda x, labels: mlp_raw_step(lib, params, x, labels)
    return _measure_mlp(name, lib, repeats, make_step)


def _measure_mlp(name, lib, repeats, make_step):
    """Median ms of one MLP step: make_step(layers)(x, labels) on the library's tensors, or the
    hand-written NumPy step."""
    layers, x_np, labels_np = mlp_start()
    if name == "numpy":
        run = lambda _: mlp_numpy_step(lib, layers, x_np, labels_np)  # noqa: E731
    else:
        step, x, labels = make_step(layers), lib.tensor(x_np), lib.tensor(labels_np)
        run = lambda _: step(x, labels)  # noqa: E731
    return {"ms": timed_median(run, lambda: None, repeats) * 1e3}


@Case("mlp_step_nn", "The same step with nn.Sequential, nn.CrossEntropyLoss and optim.SGD "
      "(NumPy: the same hand-written step)",
      libs=("torchless", "torch", "numpy"), repeats=(10, 30),
      metrics=[("ms", "one step", "ms")],
      targets={"ms": ("numpy", 1.05, "<= 1.05x NumPy (within a few percent)")})
def measure_mlp_step_nn(name, lib, repeats):
    def make_step(layers):  # mlp_nn_model copies mlp_start()'s weights itself
        model = mlp_nn_model(lib)
        return lambda x, labels: mlp_nn_step(*model, x, labels)
    return _measure_mlp(name, lib, repeats, make_step)


# ---------------------------------------------------------------------------------------------------
# 5. Function transforms (torch.func)
# ---------------------------------------------------------------------------------------------------
def _hessian_problem(lib):
    """f(x) = sum(sin(x) x^2) + x^T A x + log(sum(exp(x))) on 100 float64 variables."""
    import numpy as np
    a = lib.tensor(np.random.default_rng(0).standard_normal((100, 100)))
    x = lib.tensor(np.random.default_rng(1).standard_normal(100))
    return (lambda x: (x.sin() * x ** 2).sum() + x @ a @ x + x.exp().sum().log()), x


@Case("hessian", "Hessian of a 100-variable function: torch.func.hessian(f)(x)",
      libs=("torchless", "torch"), repeats=(3, 7),
      metrics=[("ms", "one Hessian", "ms")],
      targets={"ms": ("torch", 1.0, "<= torch")})
def measure_hessian(name, lib, repeats):
    f, x = _hessian_problem(lib)
    hessian = lib.func.hessian(f)
    return {"ms": timed_median(lambda _: hessian(x), lambda: None, repeats) * 1e3}


def _per_example_problem(lib):
    """A 16-32-10 MLP (ReLU, cross-entropy) and a batch of 64 float32 examples."""
    import numpy as np
    rng = np.random.default_rng(0)
    params = {"w1": lib.tensor(rng.standard_normal((16, 32)) * 0.3, dtype=lib.float32),
              "b1": lib.zeros(32), "w2": lib.tensor(rng.standard_normal((32, 10)) * 0.3, dtype=lib.float32),
              "b2": lib.zeros(10)}
    x = lib.tensor(rng.standard_normal((64, 16)), dtype=lib.float32)
    y = lib.tensor(rng.integers(0, 10, 64))

    def loss(p, xi, yi):
        h = (xi @ p["w1"] + p["b1"]).relu()
        return lib.nn.functional.cross_entropy((h @ p["w2"] + p["b2"])[None], yi[None])
    return loss, params, x, y


@Case("per_example_grads", "Per-example gradients of a small MLP, batch 64: vmap(grad(loss))",
      libs=("torchless", "torch"), repeats=(5, 20),
      metrics=[("ms", "one batch", "ms")],
      targets={"ms": ("torch", 1.0, "<= torch")})
def measure_per_example_grads(name, lib, repeats):
    loss, params, x, y = _per_example_problem(lib)
    per_example = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))
    return {"ms": timed_median(lambda _: per_example(params, x, y), lambda: None, repeats) * 1e3}


# ---------------------------------------------------------------------------------------------------
# 6. A convolutional network (D2L §7.6)
# ---------------------------------------------------------------------------------------------------
# LeNet as D2L §7.6 writes it (sigmoid activations, average pooling), one training step: forward,
# cross-entropy, backward, SGD. The weights are PyTorch's default init drawn by each library from its
# own stream, so the two do not start from the same values; the arithmetic per step is the same.
LENET_BATCH = 256


def lenet_model(lib):
    nn = lib.nn
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))
    return net, nn.CrossEntropyLoss(), lib.optim.SGD(net.parameters(), lr=0.9)


@Case("lenet_step", "LeNet (D2L §7.6) training step, batch 256 of 1x28x28: conv, sigmoid, avg pool, "
      "cross-entropy, SGD", libs=("torchless", "torch"), repeats=(5, 20),
      metrics=[("ms", "one step", "ms")],
      targets={"ms": ("torch", 1.5, "<= 1.5x torch")})
def measure_lenet_step(name, lib, repeats):
    import numpy as np
    rng = np.random.default_rng(76)
    x = lib.tensor(rng.random((LENET_BATCH, 1, 28, 28), dtype=np.float32))
    labels = lib.tensor(rng.integers(0, 10, LENET_BATCH))
    net, loss_fn, optimizer = lenet_model(lib)
    return {"ms": timed_median(lambda _: mlp_nn_step(net, loss_fn, optimizer, x, labels), lambda: None,
                               repeats) * 1e3}


# ---------------------------------------------------------------------------------------------------
# 7. A recurrent language model (D2L §10.1, the concise LSTM)
# ---------------------------------------------------------------------------------------------------
# One training step of D2L's concise LSTM language model: one-hot inputs of a 28-token vocabulary,
# nn.LSTM(28, 32), a Linear head, cross-entropy over every step, clip_grad_norm_(1), SGD. 32 steps,
# batch 1024, time first (as D2L's RNNLM feeds it). Weights are each library's default init.
LSTM_VOCAB, LSTM_HIDDEN, LSTM_STEPS, LSTM_BATCH = 28, 32, 32, 1024


def lstm_lm_model(lib):
    nn = lib.nn
    rnn, head = nn.LSTM(LSTM_VOCAB, LSTM_HIDDEN), nn.Linear(LSTM_HIDDEN, LSTM_VOCAB)
    params = list(rnn.parameters()) + list(head.parameters())
    return rnn, head, params, lib.optim.SGD(params, lr=1.0)


def lstm_lm_step(lib, model, tokens, labels):
    """D2L §10.1's step: one-hot, LSTM, head, loss, backward, clip, update."""
    rnn, head, params, optimizer = model
    x = lib.nn.functional.one_hot(tokens.T, LSTM_VOCAB).type(lib.float32)
    out, _ = rnn(x)
    loss = lib.nn.functional.cross_entropy(head(out).reshape(-1, LSTM_VOCAB), labels.T.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    lib.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    return loss


@Case("lstm_lm_step", "D2L §10.1 concise LSTM language-model step: nn.LSTM(28, 32), 32 steps, batch 1024, "
      "one-hot input, Linear head, cross-entropy, clip_grad_norm_, SGD", libs=("torchless", "torch"),
      repeats=(5, 15), metrics=[("ms", "one step", "ms")],
      targets={"ms": ("torch", 1.0, "<= 1.0x torch")})
def measure_lstm_lm_step(name, lib, repeats):
    import numpy as np
    rng = np.random.default_rng(101)
    tokens = lib.tensor(rng.integers(0, LSTM_VOCAB, (LSTM_BATCH, LSTM_STEPS)))
    labels = lib.tensor(rng.integers(0, LSTM_VOCAB, (LSTM_BATCH, LSTM_STEPS)))
    model = lstm_lm_model(lib)
    return {"ms": timed_median(lambda _: lstm_lm_step(lib, model, tokens, labels), lambda: None, repeats) * 1e3}
# ---------------------------------------------------------------------------------------------------
# 7. Saving a checkpoint (issue 14)
# ---------------------------------------------------------------------------------------------------
# A 100 MB state_dict (25 float32 tensors of 1,000,000 elements, from an OrderedDict like a module's)
# written to a file by torch.save, PyTorch's zip format in both libraries. NumPy: the same arrays
# written one after another into one file by numpy.save. The file is written in a temporary folder and
# removed after each run; the page cache absorbs the writes in every library alike.
SAVE_TENSORS, SAVE_NUMEL = 25, 1_000_000


@Case("save_state_dict", "torch.save of a 100 MB state_dict (25 x 1,000,000 float32) to a file",
      libs=("torchless", "torch", "numpy"), repeats=(3, 7),
      metrics=[("ms", "save", "ms")],
      targets={"ms": ("numpy", 1.5, "<= 1.5x numpy.save of the same arrays (issue 14)")})
def measure_save_state_dict(name, lib, repeats):
    import collections
    import os
    import tempfile
    arrays = [random_float32(SAVE_NUMEL, seed) for seed in range(SAVE_TENSORS)]
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "model.pt")
    if name == "numpy":
        np = lib

        def run(_):
            with open(path, "wb") as f:
                for a in arrays:
                    np.save(f, a)
    else:
        sd = collections.OrderedDict((f"layer{i}.weight", lib.from_numpy(a)) for i, a in enumerate(arrays))

        def run(_):
            lib.save(sd, path)

    def setup():
        if os.path.exists(path):
            os.remove(path)

    try:
        return {"ms": timed_median(run, setup, repeats, warmup=1) * 1e3}
    finally:
        setup()
        os.rmdir(folder)


# ---------------------------------------------------------------------------------------------------
# 8. More of issue 13's speed targets: a residual block, a transformer encoder block, conv layers
#    against MyGrad, and the LeNet step's peak memory
# ---------------------------------------------------------------------------------------------------
def _one_thread_grads(params):
    for p in params:
        p.grad = None


RES_BATCH, RES_IN, RES_OUT, RES_SIZE = 32, 64, 128, 28


def residual_block(lib):
    """D2L §8.6's Residual(128, use_1x1conv=True, strides=2) on 64 input channels, written with the
    (non-lazy) layers the lazy ones become: conv3x3/s2 - BN - ReLU - conv3x3 - BN, plus a 1x1/s2
    conv shortcut, then ReLU. Training mode (batch statistics, running stats updated)."""
    nn, F = lib.nn, lib.nn.functional
    conv1 = nn.Conv2d(RES_IN, RES_OUT, kernel_size=3, padding=1, stride=2)
    conv2 = nn.Conv2d(RES_OUT, RES_OUT, kernel_size=3, padding=1)
    conv3 = nn.Conv2d(RES_IN, RES_OUT, kernel_size=1, stride=2)
    bn1, bn2 = nn.BatchNorm2d(RES_OUT), nn.BatchNorm2d(RES_OUT)
    modules = nn.ModuleList([conv1, conv2, conv3, bn1, bn2])

    def forward(x):
        y = F.relu(bn1(conv1(x)))
        y = bn2(conv2(y))
        y += conv3(x)
        return F.relu(y)
    return forward, list(modules.parameters())


@Case("residual_block", "D2L §8.6 residual block, 64->128 channels, stride 2 (1x1 conv shortcut), BatchNorm, "
      "ReLU, batch 32 of 64x28x28: forward and backward (input and parameter gradients)",
      libs=("torchless", "torch"), repeats=(5, 15), metrics=[("ms", "forward+backward", "ms")],
      targets={"ms": ("torch", 1.5, "<= 1.5x torch")})
def measure_residual_block(name, lib, repeats):
    import numpy as np
    forward, params = residual_block(lib)
    x = lib.tensor(np.random.default_rng(86).standard_normal((RES_BATCH, RES_IN, RES_SIZE, RES_SIZE),
                                                             dtype=np.float32), requires_grad=True)

    def setup():
        _one_thread_grads(params + [x])

    def run(_):
        forward(x).sum().backward()

    return {"ms": timed_median(run, setup, repeats) * 1e3}


TF_BATCH, TF_TOKENS, TF_DIM, TF_HEADS, TF_FFN = 32, 64, 256, 8, 1024


def encoder_block(lib):
    """A post-norm transformer encoder block (D2L §11.7's, without dropout):
    Y = LN(X + MHA(X, X, X)); out = LN(Y + FFN(Y)), FFN = Linear(256, 1024) - ReLU - Linear(1024, 256)."""
    nn = lib.nn
    attn = nn.MultiheadAttention(TF_DIM, TF_HEADS, batch_first=True)
    ln1, ln2 = nn.LayerNorm(TF_DIM), nn.LayerNorm(TF_DIM)
    ffn = nn.Sequential(nn.Linear(TF_DIM, TF_FFN), nn.ReLU(), nn.Linear(TF_FFN, TF_DIM))
    modules = nn.ModuleList([attn, ln1, ln2, ffn])

    def forward(x):
        y = ln1(x + attn(x, x, x, need_weights=False)[0])
        return ln2(y + ffn(y))
    return forward, list(modules.parameters())


@Case("transformer_block", "Post-norm transformer encoder block: nn.MultiheadAttention(256, 8, batch_first=True), "
      "add & LayerNorm, FFN 1024, batch 32 x 64 tokens: forward and backward (input and parameter gradients)",
      libs=("torchless", "torch"), repeats=(5, 15), metrics=[("ms", "forward+backward", "ms")],
      targets={"ms": ("torch", 1.3, "<= 1.3x torch")})
def measure_transformer_block(name, lib, repeats):
    import numpy as np
    forward, params = encoder_block(lib)
    x = lib.tensor(np.random.default_rng(117).standard_normal((TF_BATCH, TF_TOKENS, TF_DIM), dtype=np.float32),
                   requires_grad=True)

    def setup():
        _one_thread_grads(params + [x])

    def run(_):
        forward(x).sum().backward()

    return {"ms": timed_median(run, setup, repeats) * 1e3}


# The conv layers of LeNet (§7.6) and of the residual block (§8.6): (name, input shape, out channels,
# kernel, stride, padding, input needs a gradient). LeNet's first layer sees the data, so no input grad.
CONV_LAYERS = (
    ("lenet_c1", (256, 1, 28, 28), 6, 5, 1, 2, False),
    ("lenet_c2", (256, 6, 14, 14), 16, 5, 1, 0, True),
    ("res_c1", (32, 64, 28, 28), 128, 3, 2, 1, True),
    ("res_c2", (32, 128, 14, 14), 128, 3, 1, 1, True),
    ("res_c3", (32, 64, 28, 28), 128, 1, 2, 0, True),
)


@Case("conv_layers", "Each conv layer of LeNet and the residual block, forward + backward (sum of the output; "
      "weight, bias and input gradients), float32; MyGrad's conv_nd (no bias: its conv has none) where installed",
      libs=("torchless", "torch", "mygrad"), repeats=(5, 11),
      metrics=[(layer[0], f"{layer[0]} {layer[1]}", "ms") for layer in CONV_LAYERS],
      targets={layer[0]: ("mygrad", 1.0, "faster than MyGrad") for layer in CONV_LAYERS})
def measure_conv_layers(name, lib, repeats):
    import numpy as np
    rng = np.random.default_rng(13)
    result = {}
    for label, shape, out_ch, k, stride, pad, input_grad in CONV_LAYERS:
        x_np = rng.standard_normal(shape, dtype=np.float32)
        w_np = (rng.standard_normal((out_ch, shape[1], k, k), dtype=np.float32) * 0.1)
        b_np = rng.standard_normal(out_ch, dtype=np.float32)
        if name == "mygrad":
            from mygrad.nnet.layers import conv_nd
            if (shape[2] + 2 * pad - k) % stride:
                continue  # MyGrad refuses windows that do not tile the padded input exactly (res_c1)
            x = lib.tensor(x_np, constant=not input_grad)
            w = lib.tensor(w_np)

            def run(_, x=x, w=w, stride=stride, pad=pad):
                conv_nd(x, w, stride=stride, padding=pad).sum().backward()

            setup = lambda: None  # noqa: E731
        else:
            x = lib.tensor(x_np, requires_grad=input_grad)
            w = lib.tensor(w_np, requires_grad=True)
            b = lib.tensor(b_np, requires_grad=True)

            def setup(x=x, w=w, b=b):
                x.grad = w.grad = b.grad = None

            def run(_, x=x, w=w, b=b, stride=stride, pad=pad):
                lib.nn.functional.conv2d(x, w, b, stride=stride, padding=pad).sum().backward()

        result[label] = timed_median(run, setup, repeats) * 1e3
    return result


@Case("lenet_memory", "Peak memory of one LeNet training step (batch 256): growth of the process's peak RSS "
      "(ru_maxrss) over one step, in a fresh process, after a batch-2 step has loaded every code path",
      libs=("torchless", "torch"), repeats=(1, 1), metrics=[("peak_mb", "peak RSS growth", "MB")],
      targets={"peak_mb": ("torch", 1.5, "<= 1.5x torch")})
def measure_lenet_memory(name, lib, repeats):
    # ru_maxrss is the one measure both libraries answer alike: it counts every page the step touches
    # (NumPy's arrays, torch's CPU allocator, either allocator's caching), where tracemalloc would
    # see only NumPy's allocations and torch has no CPU peak statistic. A batch-2 step first imports
    # and runs every code path (lazy imports, kernels), so the growth is the batch-256 step's data.
    import numpy as np
    rng = np.random.default_rng(76)
    net, loss_fn, optimizer = lenet_model(lib)
    small_x = lib.tensor(rng.random((2, 1, 28, 28), dtype=np.float32))
    small_y = lib.tensor(rng.integers(0, 10, 2))
    x = lib.tensor(rng.random((LENET_BATCH, 1, 28, 28), dtype=np.float32))
    labels = lib.tensor(rng.integers(0, 10, LENET_BATCH))
    mlp_nn_step(net, loss_fn, optimizer, small_x, small_y)
    gc.collect()
    before = peak_rss_bytes()
    mlp_nn_step(net, loss_fn, optimizer, x, labels)
    return {"peak_mb": (peak_rss_bytes() - before) / 2**20}


# ---------------------------------------------------------------------------------------------------
# 9. Issue 14: drawing PyTorch's random numbers
# ---------------------------------------------------------------------------------------------------
RANDN_N = 10 ** 6


@Case("randn", "torch.randn(10**6) in float32 and float64, seeded (PyTorch's CPU numbers in both)",
      libs=("torchless", "torch"), repeats=(15, 41),
      metrics=[("ms_f32", "float32", "ms"), ("ms_f64", "float64", "ms")],
      targets={"ms_f32": ("torch", 2.0, "<= 2x torch (issue 14)"),
               "ms_f64": ("torch", 2.0, "<= 2x torch (issue 14)")})
def measure_randn(name, lib, repeats):
    lib.manual_seed(0)
    out = {}
    for key, dtype in (("ms_f32", lib.float32), ("ms_f64", lib.float64)):
        out[key] = timed_median(lambda _: lib.randn(RANDN_N, dtype=dtype), lambda: None, repeats) * 1e3
    return out


@Case("random_misc", "randperm(10**6) and randperm(60000), multinomial of 1000 rows x 100 categories "
      "(50 draws with replacement), and the per-call cost of small draws: randn(4), randn(100), rand(4)",
      libs=("torchless", "torch"), repeats=(7, 21),
      metrics=[("perm_1e6_ms", "randperm 10**6", "ms"), ("perm_60k_ms", "randperm 60000", "ms"),
               ("multinomial_ms", "multinomial", "ms"), ("randn4_us", "randn(4)", "us"),
               ("randn100_us", "randn(100)", "us"), ("rand4_us", "rand(4)", "us")])
def measure_random_misc(name, lib, repeats):
    lib.manual_seed(0)
    probs = lib.rand(1000, 100)

    def per_call_us(fn, calls=500):   # a small draw costs microseconds: time a batch of calls
        def batch(_):
            for _ in range(calls):
                fn()
        return timed_median(batch, lambda: None, repeats) / calls * 1e6
    return {"perm_1e6_ms": timed_median(lambda _: lib.randperm(10 ** 6), lambda: None, repeats) * 1e3,
            "perm_60k_ms": timed_median(lambda _: lib.randperm(60000), lambda: None, repeats) * 1e3,
            "multinomial_ms": timed_median(lambda _: lib.multinomial(probs, 50, True), lambda: None, repeats) * 1e3,
            "randn4_us": per_call_us(lambda: lib.randn(4)),
            "randn100_us": per_call_us(lambda: lib.randn(100)),
            "rand4_us": per_call_us(lambda: lib.rand(4))}
