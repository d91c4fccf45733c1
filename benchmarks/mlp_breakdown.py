"""Where the MLP step's time goes: four versions of the same step, interleaved in one process.

    python benchmarks/mlp_breakdown.py [steps]

- numpy:        the hand-written reference of the `mlp_step` case (fused loss gradient, in place).
- numpy_engine: NumPy doing exactly the array work torchless does for the raw step (its logsumexp,
                gather, scatter, unfused vjps, `lr * grad` temporaries), with no Python engine
                around it. Its ratio to `numpy` is what the algorithm costs; the rest of torchless's
                ratio is the engine's per-op Python.
- raw, nn:      the two torchless steps of the benchmark cases.

One process, so every version shares the allocator state and the machine's moment; the order is
rotated every step. Prints medians (ms) and ratios to `numpy`.
"""
import gc
import os
import statistics
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")  # before NumPy loads its BLAS
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
if os.path.isdir(os.path.join(HERE, "..", "src", "torchless")):
    sys.path.insert(0, os.path.join(HERE, "..", "src"))

import numpy as np  # noqa: E402

import cases  # noqa: E402
import torchless  # noqa: E402


def numpy_engine_step(layers, x, labels, lr=cases.MLP_LR):
    """The raw step's array operations as torchless runs them (ops/*.py), minus the engine."""
    (w1, b1), (w2, b2), (w3, b3) = layers
    n, k = len(labels), w3.shape[1]
    rows = np.arange(n)[:, None]
    ones = np.ones(n, x.dtype)
    a = x @ w1; a += b1; h1 = np.maximum(a, 0, out=a)       # elided add and relu  # noqa: E702
    a = h1 @ w2; a += b2; h2 = np.maximum(a, 0, out=a)      # noqa: E702
    z = h2 @ w3 + b3
    m = np.maximum.reduce(z.T.copy(), axis=0).reshape(n, 1)  # logsumexp (xp.logsumexp)
    np.isfinite(np.add.reduce(m, axis=None))
    shifted = z - m
    s = np.add.reduce(np.exp(shifted, out=shifted).T.copy(), axis=0).reshape(n, 1)
    np.log(s, out=s)
    s += m
    log_probs = z - s
    idx = labels[:, None]
    np.maximum.reduce(idx, axis=None), np.minimum.reduce(idx, axis=None)  # gather's bounds check
    loss = -(np.add.reduce(log_probs[rows, idx], axis=None) / n)
    g = np.broadcast_to(np.asarray(np.float32(-1.0) / n), (n, 1))       # neg, mean
    gz = np.zeros((n, k), z.dtype)                                       # gather's scatter
    gz[rows, idx] = g
    g_lse = -np.add.reduce(gz.T.copy(), axis=0).reshape(n, 1)            # sub
    soft = z - s                                                         # logsumexp
    soft = np.exp(soft, out=soft) * g_lse
    gz = gz + soft
    grads = [ones @ gz]                                                  # add (bias), mm
    gh = gz @ w3.T
    grads.append(h2.T @ gz)
    np.multiply(gh, h2 > 0, out=gh)                                      # relu
    grads.append(ones @ gh)
    grads.append(h1.T @ gh)
    gh = gh @ w2.T
    np.multiply(gh, h1 > 0, out=gh)
    grads.append(ones @ gh)
    grads.append(x.T @ gh)
    for p, dp in zip((b3, w3, b2, w2, b1, w1), grads):
        p -= lr * dp                                                     # a temporary, as in user code
    return loss


def main(steps):
    layers, x_np, labels_np = cases.mlp_start()
    copies = {name: [(w.copy(), b.copy()) for w, b in layers] for name in ("numpy", "numpy_engine")}
    params = [torchless.tensor(a, requires_grad=True) for layer in layers for a in layer]
    x, labels = torchless.tensor(x_np), torchless.tensor(labels_np)
    model = cases.mlp_nn_model(torchless)
    runs = {
        "numpy": lambda: cases.mlp_numpy_step(np, copies["numpy"], x_np, labels_np),
        "numpy_engine": lambda: numpy_engine_step(copies["numpy_engine"], x_np, labels_np),
        "raw": lambda: cases.mlp_raw_step(torchless, params, x, labels),
        "nn": lambda: cases.mlp_nn_step(*model, x, labels),
    }
    losses = {name: float(run()) for name, run in runs.items()}  # also the warm-up
    assert max(losses.values()) - min(losses.values()) < 1e-4, losses
    names = list(runs)
    times = {name: [] for name in names}
    for step in range(steps):
        for name in names[step % 4:] + names[:step % 4]:
            gc.collect()
            start = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["numpy"])
    for name in names:
        median = statistics.median(times[name])
        print(f"{name:13s} {median * 1e3:7.3f} ms   {median / base:.3f}x numpy")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
