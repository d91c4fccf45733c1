"""torch.autograd.backward / Tensor.backward / autograd.grad argument handling (engine/backward.py's
entry points): given gradients, `inputs` (non-leaves get .grad), PyTorch's errors and warning."""
import torchless


def test_backward_argument_handling_as_pytorch(torch_ref):
    def program(m):
        x = m.tensor([1.0, 2.0, 3.0], dtype=m.float64, requires_grad=True)
        y = x * x
        z = y * 2
        z.backward(m.tensor([1.0, 0.5, 2.0], dtype=m.float64), retain_graph=True, inputs=[x, y])
        first = (x.grad.tolist(), y.grad.tolist())
        m.autograd.backward([z.sum()], inputs=[x])
        return first, x.grad.tolist()

    assert program(torchless) == program(torch_ref)


def test_backward_errors_and_warning_as_pytorch(torch_ref):
    import warnings

    def program(m):
        x = m.ones(2, requires_grad=True)
        seen = []
        for call in (lambda: (x * 2).backward(),                   # not a scalar, no gradient
                     lambda: m.ones(2).sum().backward(),           # nothing requires grad
                     lambda: (x * 2).sum().backward(inputs=[]),    # empty inputs
                     lambda: m.autograd.grad((x * 2).sum(), [])):
            try:
                call()
            except RuntimeError as e:
                seen.append(str(e).split(" (")[0].split(".")[0])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            (x * x).sum().backward(create_graph=True)
        seen.append([str(w.message)[:40] for w in caught])
        return seen

    ours, theirs = program(torchless), program(torch_ref)
    assert ours == theirs
