"""Matplotlib plots tensors directly, as D2L's plots do (`d2l.plot(x.detach(), y.detach())`): a tensor
goes through `__array__`, and one that requires grad is refused with PyTorch's error."""
import numpy as np
import pytest

import torchless

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_scatter_hist_imshow_take_tensors():
    x = torchless.arange(-2.0, 2.0, 0.5)
    line, = plt.plot(x, x ** 2)
    np.testing.assert_array_equal(line.get_xdata(), x.numpy())
    np.testing.assert_array_equal(line.get_ydata(), (x ** 2).numpy())
    points = plt.scatter(x, torchless.ones(8))
    np.testing.assert_array_equal(points.get_offsets()[:, 0], x.numpy())
    counts, _, _ = plt.hist(torchless.tensor([0.1, 0.2, 0.9, 0.95, 0.97]), bins=2)
    np.testing.assert_array_equal(counts, [2, 3])
    image = plt.imshow(torchless.eye(3))
    np.testing.assert_array_equal(np.asarray(image.get_array()), np.eye(3))


def test_plotting_a_tensor_that_requires_grad_says_detach(torch_ref):
    for lib in (torchless, torch_ref):
        x = lib.arange(3.0, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"requires grad.*detach\(\)"):
            plt.plot(x, x * 2)
        line, = plt.plot(x.detach(), (x * 2).detach())  # what D2L writes
        np.testing.assert_array_equal(line.get_ydata(), [0.0, 2.0, 4.0])
