"""einsum, tensordot, the fused products, cross and torch.linalg's decompositions and solvers:
closed forms, finite differences (float64, first and second order), and the same lambda run in
PyTorch (values, dtypes, gradients of every input, exception types)."""
import numpy as np
import pytest

import torchless
from torchless.autograd import gradcheck, gradgradcheck

L = torchless.linalg


def _rng(seed=0):
    return np.random.default_rng(seed)


def _t(shape, seed=0, complex_=False, grad=True, spd=False):
    r = _rng(seed)
    a = r.standard_normal(shape) + (1j * r.standard_normal(shape) if complex_ else 0)
    if spd:
        a = a @ np.conj(np.swapaxes(a, -1, -2)) + 3 * np.eye(shape[-1])
    return torchless.tensor(a, dtype=torchless.complex128 if complex_ else torchless.float64, requires_grad=grad)


# ---------------------------------------------------------------------------- closed forms
def test_einsum_closed_forms():
    a = _rng().standard_normal((3, 3))
    b = _rng(1).standard_normal((3, 4))
    A, B = torchless.tensor(a), torchless.tensor(b)
    np.testing.assert_allclose(torchless.einsum("ij,jk->ik", A, B).numpy(), a @ b)
    np.testing.assert_allclose(torchless.einsum("ii", A).numpy(), np.trace(a))
    np.testing.assert_allclose(torchless.einsum("ii->i", A).numpy(), np.diag(a))
    np.testing.assert_allclose(torchless.einsum("ij", B).numpy(), b)
    np.testing.assert_allclose(torchless.einsum("ba", B).numpy(), b.T)  # implicit: alphabetical output
    np.testing.assert_allclose(torchless.einsum("...j,jk", A, B).numpy(), a @ b)
    np.testing.assert_allclose(torchless.einsum(A, [0, 1], B, [1, 2], [0, 2]).numpy(), a @ b)
    np.testing.assert_allclose(torchless.einsum("ij,jk", [A, B]).numpy(), a @ b)


def test_decompositions_reconstruct():
    a = _t((2, 4, 3), grad=False)
    q, r = L.qr(a)
    np.testing.assert_allclose((q @ r).numpy(), a.numpy(), atol=1e-12)
    u, s, vh = L.svd(a, full_matrices=False)
    np.testing.assert_allclose((u * s.unsqueeze(-2) @ vh).numpy(), a.numpy(), atol=1e-12)
    spd = _t((3, 3), spd=True, grad=False)
    c = L.cholesky(spd)
    np.testing.assert_allclose((c @ c.mT).numpy(), spd.numpy(), atol=1e-12)
    w, v = L.eigh(spd)
    np.testing.assert_allclose((v * w.unsqueeze(-2) @ v.mT).numpy(), spd.numpy(), atol=1e-12)
    x = _t((3, 3), grad=False)
    np.testing.assert_allclose((L.inv(x) @ x).numpy(), np.eye(3), atol=1e-12)
    np.testing.assert_allclose(L.det(x).item(), np.linalg.det(x.numpy()))
    np.testing.assert_allclose(L.matrix_exp(torchless.zeros(2, 2, dtype=torchless.float64)).numpy(), np.eye(2))
    z = torchless.tensor([[0.0, 1.0], [-1.0, 0.0]], dtype=torchless.float64)  # a rotation generator
    np.testing.assert_allclose(L.matrix_exp(z).numpy(), [[np.cos(1), np.sin(1)], [-np.sin(1), np.cos(1)]])


def test_linalg_errors():
    with pytest.raises(L.LinAlgError, match="singular"):
        L.inv(torchless.zeros(3, 3))
    assert issubclass(L.LinAlgError, RuntimeError)
    with pytest.raises(L.LinAlgError, match="positive-definite"):
        L.cholesky(-torchless.eye(2))
    with pytest.raises(RuntimeError, match="square"):
        L.det(torchless.ones(2, 3))
    with pytest.raises(RuntimeError, match="floating point"):
        L.inv(torchless.ones(2, 2, dtype=torchless.int64))
    inv, info = L.inv_ex(torchless.zeros(2, 2))
    assert info.item() == 1 and info.dtype == torchless.int32
    with pytest.raises(RuntimeError, match="fewer operands"):
        torchless.einsum("ij,jk", torchless.ones(2, 2))
    with pytest.raises(RuntimeError, match="length 3"):
        L.cross(torchless.ones(4), torchless.ones(4))


# ---------------------------------------------------------------------------- finite differences
def _sym_eigh(a):
    w, v = L.eigh(a + a.mT)
    return w, v * v  # each column's sign cancels


def _svd_parts(a):
    u, s, vh = L.svd(a, full_matrices=False)
    return s, u[:, :1] * vh[:1]


_LOWER = torchless.tensor(np.tri(3) + 2 * np.eye(3), dtype=torchless.float64)

GRADCHECK = {
    "einsum mm": (lambda a, b: torchless.einsum("ij,jk->ik", a, b), [(2, 3), (3, 2)]),
    "einsum diag": (lambda a: torchless.einsum("ii->i", a), [(3, 3)]),
    "einsum trace": (lambda a: torchless.einsum("ii", a), [(3, 3)]),
    "einsum ellipsis": (lambda a, b: torchless.einsum("...ij,...j", a, b), [(2, 3, 3), (3,)]),
    "einsum three": (lambda a, b, c: torchless.einsum("i,ij,j->", a, b, c), [(3,), (3, 4), (4,)]),
    "einsum broadcast 1": (lambda a, b: torchless.einsum("ij,jk->ik", a, b), [(2, 1), (3, 2)]),
    "tensordot": (lambda a, b: torchless.tensordot(a, b, dims=([1, 0], [0, 2])), [(2, 3, 4), (3, 4, 2)]),
    "addmm": (lambda c, a, b: torchless.addmm(c, a, b, beta=0.5, alpha=2), [(2, 1), (2, 3), (3, 2)]),
    "addmv": (lambda c, a, b: torchless.addmv(c, a, b, beta=0.5, alpha=2), [(2,), (2, 3), (3,)]),
    "addr": (lambda c, a, b: torchless.addr(c, a, b, alpha=3), [(2, 3), (2,), (3,)]),
    "addbmm": (lambda c, a, b: torchless.addbmm(c, a, b), [(2, 2), (3, 2, 4), (3, 4, 2)]),
    "baddbmm": (lambda c, a, b: torchless.baddbmm(c, a, b, beta=2), [(3, 2, 2), (3, 2, 4), (3, 4, 2)]),
    "cross": (lambda a, b: L.cross(a, b), [(2, 3), (1, 3)]),
    "det": (lambda a: L.det(a), [(2, 3, 3)]),
    "slogdet": (lambda a: L.slogdet(a)[1], [(3, 3)]),
    "inv": (lambda a: L.inv(a), [(2, 3, 3)]),
    "solve": (lambda a, b: L.solve(a, b), [(3, 3), (2, 3, 2)]),
    "solve vector": (lambda a, b: L.solve(a, b), [(2, 3, 3), (3,)]),
    "solve left=False": (lambda a, b: L.solve(a, b, left=False), [(3, 3), (2, 3)]),
    "solve_triangular": (lambda a, b: L.solve_triangular(a, b, upper=True), [(3, 3), (3, 2)]),
    "solve_triangular right unit": (lambda a, b: L.solve_triangular(a, b, upper=False, left=False,
                                                                    unitriangular=True), [(3, 3), (2, 3)]),
    "cholesky": (lambda a: L.cholesky(a @ a.mT + 3 * torchless.eye(3, dtype=torchless.float64)), [(3, 3)]),
    "cholesky upper": (lambda a: L.cholesky(a @ a.mT + 3 * torchless.eye(3, dtype=torchless.float64),
                                            upper=True), [(3, 3)]),
    "qr tall": (lambda a: L.qr(a), [(4, 3)]),
    "qr wide": (lambda a: L.qr(a), [(2, 3)]),
    "eigh": (_sym_eigh, [(3, 3)]),
    "eigvalsh": (lambda a: L.eigvalsh(a + a.mT), [(3, 3)]),
    "svd": (_svd_parts, [(4, 3)]),
    "svdvals": (lambda a: L.svdvals(a), [(3, 4)]),
    "pinv": (lambda a: L.pinv(a), [(4, 3)]),
    "matrix_exp": (lambda a: L.matrix_exp(a), [(3, 3)]),
    "matrix_power -2": (lambda a: L.matrix_power(a, -2), [(3, 3)]),
    "matrix_norm nuc": (lambda a: L.matrix_norm(a, "nuc"), [(3, 3)]),
    "matrix_norm 2": (lambda a: L.matrix_norm(a, 2), [(3, 3)]),
    "norm inf": (lambda a: L.norm(a, float("inf")), [(3, 3)]),
    "cond": (lambda a: L.cond(a), [(3, 3)]),
    "multi_dot": (lambda a, b, c: L.multi_dot([a, b, c]), [(3,), (3, 4), (4, 2)]),
    "lstsq": (lambda a, b: L.lstsq(a, b).solution, [(4, 3), (4, 2)]),
    "vander": (lambda x: L.vander(x, N=4), [(3,)]),
    "tensorinv": (lambda a: L.tensorinv(a, 1), [(4, 2, 2)]),
    "tensorsolve": (lambda a, b: L.tensorsolve(a, b), [(2, 3, 6), (2, 3)]),
    "logdet": (lambda a: torchless.logdet(a @ a.mT + torchless.eye(3, dtype=torchless.float64)), [(3, 3)]),
    # (the factor's other triangle is never read; PyTorch's gradient treats it as full: mask it here)
    "cholesky_solve": (lambda b, l: torchless.cholesky_solve(b, l * _LOWER), [(3, 2), (3, 3)]),
    "cholesky_solve upper": (lambda b, l: torchless.cholesky_solve(b, l * _LOWER.mT, upper=True), [(2, 3, 2), (3, 3)]),
    "cholesky_inverse": (lambda l: torchless.cholesky_inverse(l * _LOWER), [(3, 3)]),
    "triangular_solve": (lambda b, a: torchless.triangular_solve(b, a, transpose=True).solution, [(3, 2), (3, 3)]),
    "eig": (lambda a: (lambda r: (r[0].real, r[0].imag, (r[1] * r[1].conj()).real))(L.eig(a)), [(3, 3)]),
    "lu": (lambda a: L.lu(a)[1:], [(3, 3)]),
    "lu wide": (lambda a: L.lu(a)[1:], [(2, 4)]),
    "lu_factor tall": (lambda a: L.lu_factor(a).LU, [(2, 4, 2)]),
    "eigvals": (lambda a: L.eigvals(a).abs(), [(2, 3, 3)]),
}


@pytest.mark.parametrize("name", list(GRADCHECK))
def test_gradcheck_and_gradgradcheck(name):
    f, shapes = GRADCHECK[name]
    args = tuple(_t(s, seed=i) for i, s in enumerate(shapes))
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)


# ---------------------------------------------------------------------------- against PyTorch
def _mods(torch_ref, args):
    """The same inputs for both libraries (leaves that require grad)."""
    ts = [torch_ref.tensor(a, requires_grad=np.asarray(a).dtype.kind in "fc") for a in args]
    ls = [torchless.tensor(a, requires_grad=np.asarray(a).dtype.kind in "fc") for a in args]
    return ts, ls


def _outs(r):
    return list(r) if isinstance(r, (tuple, list)) else [r]


def _compare(torch_ref, f, args, rtol=1e-7, unique=None):
    ts, ls = _mods(torch_ref, args)
    try:
        rt = _outs(f(torch_ref, *ts))
    except Exception as e:  # noqa: BLE001 - the same failure is the expectation
        with pytest.raises(Exception) as info:
            f(torchless, *ls)
        assert type(info.value).__name__.lstrip("_") == type(e).__name__.lstrip("_")
        return
    rl = _outs(f(torchless, *ls))
    if unique is not None:
        rt, rl = unique(rt), unique(rl)
    assert len(rt) == len(rl)
    ws = []
    for a, b in zip(rt, rl):
        assert str(a.dtype) == str(b.dtype)
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=rtol, atol=rtol, equal_nan=True)
        ws.append(_rng(len(ws)).standard_normal(tuple(a.shape)) if a.requires_grad else None)
    pairs = [(a, b, w) for a, b, w in zip(rt, rl, ws) if w is not None]
    if not pairs:
        return
    lt = sum(((a * torch_ref.tensor(w)).real if a.is_complex() else a * torch_ref.tensor(w)).sum() for a, _, w in pairs)
    ll = sum(((b * torchless.tensor(w)).real if b.is_complex() else b * torchless.tensor(w)).sum() for _, b, w in pairs)
    try:
        gt = torch_ref.autograd.grad(lt, ts, allow_unused=True)
    except RuntimeError:  # PyTorch's own backward fails (linalg.cond(A, 1) writes into a saved inverse)
        return
    gl = torchless.autograd.grad(ll, ls, allow_unused=True)
    for a, b in zip(gt, gl):
        if a is None:
            assert b is None or not b.numpy().any()
            continue
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-6, atol=1e-6)


def _r(*shape, seed=0, c=False, spd=False):
    r = _rng(seed)
    a = r.standard_normal(shape) + (1j * r.standard_normal(shape) if c else 0)
    if spd:
        a = a @ np.conj(np.swapaxes(a, -1, -2)) + 3 * np.eye(shape[-1])
    return a


TORCH_CASES = {
    "einsum": (lambda T, a, b: T.einsum("bij,jk->bik", a, b), [_r(2, 3, 3), _r(3, 4, seed=1)]),
    "einsum complex": (lambda T, a, b: T.einsum("ij,jk", a, b), [_r(2, 3, c=True), _r(3, 2, c=True, seed=1)]),
    "tensordot": (lambda T, a, b: T.tensordot(a, b, 1), [_r(2, 3), _r(3, 4)]),
    "addmm": (lambda T, c, a, b: T.addmm(c, a, b, beta=0.5, alpha=2), [_r(2), _r(2, 3), _r(3, 2)]),
    "addmm beta=0": (lambda T, c, a, b: T.addmm(c, a, b, beta=0), [np.full((2, 2), np.nan), _r(2, 3), _r(3, 2)]),
    "addmv": (lambda T, c, a, b: c.addmv(a, b), [_r(2), _r(2, 3), _r(3)]),
    "addmv int scalars": (lambda T, c, a, b: T.addmv(c, a, b, beta=1.7, alpha=2.6),
                          [np.arange(2), np.ones((2, 3), np.int64), np.arange(3)]),
    "addr int float scalar": (lambda T, c, a, b: T.addr(c, a, b, beta=0.5),
                              [np.ones((2, 2), np.int64), np.ones(2, np.int64), np.ones(2, np.int64)]),
    "einsum float16": (lambda T, a, b: T.einsum("ij,jk", a.detach(), b.detach()),
                       [_r(3, 8).astype(np.float16), _r(8, 2).astype(np.float16)]),
    "addr": (lambda T, c, a, b: T.addr(c, a, b), [_r(2, 3), _r(2), _r(3)]),
    "addbmm": (lambda T, c, a, b: T.addbmm(c, a, b, alpha=0.5), [_r(2, 2), _r(3, 2, 4), _r(3, 4, 2)]),
    "baddbmm": (lambda T, c, a, b: c.baddbmm(a, b), [_r(3, 2, 2), _r(3, 2, 4), _r(3, 4, 2)]),
    "cross": (lambda T, a, b: T.cross(a, b, dim=0), [_r(3, 2), _r(3, 2, seed=1)]),
    "det": (lambda T, a: T.linalg.det(a), [_r(2, 3, 3)]),
    "det singular": (lambda T, a: a.det(), [np.ones((3, 3))]),
    "det complex": (lambda T, a: T.det(a), [_r(3, 3, c=True)]),
    "slogdet": (lambda T, a: T.linalg.slogdet(a), [_r(2, 3, 3)]),
    "slogdet complex": (lambda T, a: T.slogdet(a), [_r(3, 3, c=True)]),
    "logdet": (lambda T, a: T.logdet(a), [_r(4, 3, 3)]),
    "inv": (lambda T, a: T.linalg.inv(a), [_r(3, 3)]),
    "inverse complex": (lambda T, a: T.inverse(a), [_r(3, 3, c=True)]),
    "inv singular": (lambda T, a: T.linalg.inv(a), [np.ones((2, 3, 3))]),
    "solve": (lambda T, a, b: T.linalg.solve(a, b), [_r(2, 3, 3), _r(3, 2)]),
    "solve complex vector": (lambda T, a, b: T.linalg.solve(a, b), [_r(3, 3, c=True), _r(3, c=True)]),
    "solve_ex": (lambda T, a, b: T.linalg.solve_ex(a, b), [_r(3, 3), _r(3, 2)]),
    "cholesky": (lambda T, a: T.linalg.cholesky(a), [_r(2, 3, 3, spd=True)]),
    "cholesky complex": (lambda T, a: T.linalg.cholesky(a), [_r(3, 3, c=True, spd=True)]),
    "cholesky_ex": (lambda T, a: T.linalg.cholesky_ex(a), [_r(3, 3, spd=True)]),
    "cholesky not pd": (lambda T, a: T.linalg.cholesky(a), [-np.eye(3)]),
    "qr": (lambda T, a: T.linalg.qr(a), [_r(4, 3)]),
    "qr complex wide": (lambda T, a: T.linalg.qr(a), [_r(2, 3, c=True)]),
    "eigh complex": (lambda T, a: (lambda r: (r[0], r[1] * r[1].conj()))(T.linalg.eigh(a)),
                     [_r(3, 3, c=True, spd=True)]),
    "eigvalsh": (lambda T, a: T.linalg.eigvalsh(a, UPLO="U"), [_r(3, 3, spd=True)]),
    "svd full": (lambda T, a: (lambda r: (r[1], r[0] * r[0], r[2] * r[2]))(T.linalg.svd(a)), [_r(3, 4)]),
    "svd complex": (lambda T, a: (lambda r: (r[1], r[0][:, :1] * r[2][:1]))(T.linalg.svd(a, full_matrices=False)),
                    [_r(4, 3, c=True)]),
    "torch.svd": (lambda T, a: (lambda r: (r.S, r.U[:, :1] * r.V[:, :1].mT))(T.svd(a)), [_r(4, 3)]),
    "pinv": (lambda T, a: T.linalg.pinv(a), [_r(2, 4, 3)]),
    "pinv hermitian": (lambda T, a: T.linalg.pinv(a, hermitian=True), [_r(3, 3, spd=True)]),
    "matrix_rank": (lambda T, a: T.linalg.matrix_rank(a), [np.ones((2, 3, 3))]),
    "matrix_power": (lambda T, a: T.linalg.matrix_power(a, 5), [_r(3, 3)]),
    "matrix_power 0": (lambda T, a: T.matrix_power(a, 0), [_r(2, 3, 3)]),
    "norm fro": (lambda T, a: T.linalg.norm(a), [_r(3, 4)]),
    "norm nuc keepdim": (lambda T, a: T.linalg.norm(a, "nuc", (0, 2), keepdim=True), [_r(3, 2, 4)]),
    "matrix_norm -1": (lambda T, a: T.linalg.matrix_norm(a, -1), [_r(3, 4)]),
    "matrix_norm -inf keepdim": (lambda T, a: T.linalg.matrix_norm(a, -float("inf"), keepdim=True), [_r(2, 3, 4)]),
    "matrix_norm -2": (lambda T, a: T.linalg.matrix_norm(a, -2), [_r(3, 4)]),
    "cond 1": (lambda T, a: T.linalg.cond(a, 1), [_r(3, 3)]),
    "cond -2": (lambda T, a: T.linalg.cond(a, -2), [_r(3, 4)]),
    "multi_dot": (lambda T, a, b, c: T.linalg.multi_dot([a, b, c]), [_r(3), _r(3, 4), _r(4)]),
    "lstsq gelsd": (lambda T, a, b: T.linalg.lstsq(a, b, driver="gelsd"), [_r(5, 3), _r(5, 2)]),
    "lstsq": (lambda T, a, b: T.linalg.lstsq(a, b), [_r(5, 3), _r(5, 2)]),
    "solve_triangular": (lambda T, a, b: T.linalg.solve_triangular(a, b, upper=False), [_r(3, 3), _r(3, 2)]),
    "matrix_exp": (lambda T, a: T.linalg.matrix_exp(a), [_r(2, 4, 4) * 3]),
    "matrix_exp complex": (lambda T, a: T.matrix_exp(a), [_r(3, 3, c=True)]),
    "vander": (lambda T, x: T.linalg.vander(x), [_r(2, 3)]),
    "diagonal": (lambda T, a: T.linalg.diagonal(a, offset=-1, dim1=0, dim2=2), [_r(3, 2, 4)]),
    "tensorinv": (lambda T, a: T.linalg.tensorinv(a, 2), [_r(2, 3, 6)]),
    "tensorsolve dims": (lambda T, a, b: T.linalg.tensorsolve(a, b, dims=(0, 2)), [_r(2, 3, 6), _r(2, 3)]),
    "pinverse": (lambda T, a: T.pinverse(a), [_r(3, 2)]),
    "cholesky old": (lambda T, a: T.cholesky(a, upper=True), [_r(3, 3, spd=True)]),
    "cholesky_solve": (lambda T, b, l: T.cholesky_solve(b, l), [_r(2, 3, 2), np.linalg.cholesky(_r(3, 3, spd=True))]),
    "cholesky_solve complex upper": (lambda T, b, l: T.cholesky_solve(b, l, upper=True),
                                     [_r(3, 2, c=True), np.linalg.cholesky(_r(3, 3, c=True, spd=True)).conj().T]),
    "cholesky_inverse": (lambda T, l: T.cholesky_inverse(l), [np.linalg.cholesky(_r(3, 3, spd=True))]),
    "triangular_solve": (lambda T, b, a: T.triangular_solve(b, a, upper=False, unitriangular=True),
                         [_r(3, 2), _r(3, 3)]),
    "eig": (lambda T, a: (lambda r: (r[0], r[1] * r[1].conj()))(T.linalg.eig(a)), [_r(2, 4, 4)]),
    "eig complex": (lambda T, a: (lambda r: (r[0], r[1] * r[1].conj()))(T.linalg.eig(a)), [_r(3, 3, c=True)]),
    "eigvals": (lambda T, a: T.linalg.eigvals(a), [_r(4, 4)]),
    "lu": (lambda T, a: T.linalg.lu(a), [_r(2, 3, 5)]),
    "lu complex tall": (lambda T, a: T.linalg.lu(a), [_r(5, 3, c=True)]),
    "lu_factor": (lambda T, a: T.linalg.lu_factor(a), [_r(4, 4)]),
    "lu_factor_ex singular": (lambda T, a: T.linalg.lu_factor_ex(a), [np.zeros((2, 3, 3))]),
    "lu_factor singular": (lambda T, a: T.linalg.lu_factor(a), [np.zeros((3, 3))]),
    "lu_solve": (lambda T, a, b: T.linalg.lu_solve(*T.linalg.lu_factor(a), b, adjoint=True), [_r(3, 3), _r(2, 3, 2)]),
    "lu_solve right": (lambda T, a, b: T.linalg.lu_solve(*T.linalg.lu_factor(a), b, left=False), [_r(3, 3), _r(2, 3)]),
    "lu_unpack": (lambda T, a: T.lu_unpack(*T.linalg.lu_factor(a)), [_r(4, 3)]),
    "torch.lu": (lambda T, a: T.lu(a, get_infos=True), [_r(3, 3)]),
    "torch.lu_solve": (lambda T, a, b: T.lu_solve(b, *T.linalg.lu_factor(a)), [_r(3, 3), _r(3, 2)]),
    "geqrf": (lambda T, a: T.geqrf(a.detach()), [_r(2, 4, 3)]),
    "householder_product": (lambda T, a, tau: T.linalg.householder_product(a, tau), [_r(4, 3), _r(2)]),
    "householder_product of geqrf": (lambda T, a: T.linalg.householder_product(*T.geqrf(a.detach())), [_r(4, 3, c=True)]),
    "ormqr": (lambda T, a, tau, b: T.ormqr(a, tau, b, left=False, transpose=True), [_r(4, 3), _r(3), _r(2, 4)]),
}


@pytest.mark.parametrize("name", list(TORCH_CASES))
def test_matches_torch(name, torch_ref):
    f, args = TORCH_CASES[name]
    _compare(torch_ref, f, args)


def test_grad_fn_names(torch_ref):
    a = _t((3, 3))
    assert type(L.det(a).grad_fn).__name__ == "LinalgDetBackward0"
    assert type(L.inv(a).grad_fn).__name__ == "LinalgInvExBackward0"
    assert type(torchless.addmm(a, a, a).grad_fn).__name__ == "AddmmBackward0"
    assert type(L.svd(a)[0].grad_fn).__name__ == "LinalgSvdBackward0"
    assert type(L.matrix_exp(a).grad_fn).__name__ == "LinalgMatrixExpBackward0"


def test_forward_ad_matches_finite_differences():
    import torchless.autograd.forward_ad as fwAD
    a = _t((3, 3), grad=False)
    t = _t((3, 3), seed=5, grad=False)
    for f in (L.inv, L.det, L.matrix_exp, lambda x: torchless.einsum("ij,jk->ik", x, x),
              lambda x: L.solve(x, x.sum(0)), lambda x: L.pinv(x),
              lambda x: L.cholesky(x @ x.mT + torchless.eye(3, dtype=torchless.float64)),
              lambda x: torchless.cholesky_inverse(_factor(torchless, x)),
              lambda x: torchless.cholesky_inverse(_factor(torchless, x).mT, upper=True)):
        with fwAD.dual_level():
            out = f(fwAD.make_dual(a, t))
            tangent = fwAD.unpack_dual(out).tangent
        eps = 1e-6
        fd = (f(a + eps * t) - f(a - eps * t)) / (2 * eps)
        np.testing.assert_allclose(tangent.numpy(), fd.numpy(), rtol=1e-5, atol=1e-6)


FORWARD_CASES = {
    "qr tall": (lambda T, a: T.linalg.qr(a), [(5, 3)]),
    "qr wide": (lambda T, a: T.linalg.qr(a), [(2, 4)]),
    "svdvals": (lambda T, a: T.linalg.svdvals(a), [(4, 3)]),
    "svd": (lambda T, a: (lambda r: (r[1], r[0][..., :1] * r[2][..., :1, :]))(T.linalg.svd(a, full_matrices=False)),
            [(2, 3, 4)]),
    "eigh": (lambda T, a: (lambda r: (r[0], r[1] * r[1].conj()))(T.linalg.eigh(a + a.mH)), [(3, 3)]),
    "slogdet": (lambda T, a: T.linalg.slogdet(a)[1], [(3, 3)]),
    "solve_triangular": (lambda T, a, b: T.linalg.solve_triangular(a, b, upper=True, left=False), [(3, 3), (2, 3)]),
    "lstsq": (lambda T, a, b: T.linalg.lstsq(a, b).solution, [(5, 3), (5, 2)]),
    "addbmm": (lambda T, c, a, b: T.addbmm(c, a, b, alpha=2), [(2, 2), (3, 2, 4), (3, 4, 2)]),
    "cross": (lambda T, a, b: T.linalg.cross(a, b), [(2, 3), (2, 3)]),
    "det": (lambda T, a: T.linalg.det(a), [(3, 3)]),
    "cholesky_solve": (lambda T, b, l: T.cholesky_solve(b, _factor(T, l)), [(3, 2), (3, 3)]),
    "eig": (lambda T, a: (lambda r: (r[0], r[1] * r[1].conj()))(T.linalg.eig(a)), [(3, 3)]),
    "eigvals": (lambda T, a: T.linalg.eigvals(a), [(2, 3, 3)]),
    "lu": (lambda T, a: T.linalg.lu(a)[1:], [(3, 5)]),
    "lu_factor": (lambda T, a: T.linalg.lu_factor(a).LU, [(5, 3)]),
}
# (cholesky_inverse's forward mode is checked against finite differences below: PyTorch 2.13's jvp
# for it disagrees with them)


def _factor(T, l):
    """A well-conditioned lower-triangular factor made from l (the tangent's triangle only)."""
    return l * T.tensor(np.tri(3), dtype=l.dtype) + 3 * T.eye(3, dtype=l.dtype)


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("name", list(FORWARD_CASES))
def test_forward_ad_matches_torch(name, complex_, torch_ref):
    import torchless.autograd.forward_ad as fwAD
    f, shapes = FORWARD_CASES[name]
    xs = [_r(*s, seed=i, c=complex_) for i, s in enumerate(shapes)]
    ts = [_r(*s, seed=10 + i, c=complex_) for i, s in enumerate(shapes)]
    tfw = torch_ref.autograd.forward_ad
    with tfw.dual_level():
        out = _outs(f(torch_ref, *[tfw.make_dual(torch_ref.tensor(x), torch_ref.tensor(t)) for x, t in zip(xs, ts)]))
        expected = [tfw.unpack_dual(o).tangent for o in out]
    with fwAD.dual_level():
        out = _outs(f(torchless, *[fwAD.make_dual(torchless.tensor(x), torchless.tensor(t)) for x, t in zip(xs, ts)]))
        got = [fwAD.unpack_dual(o).tangent for o in out]
    for a, b in zip(expected, got):
        np.testing.assert_allclose(b.numpy(), a.resolve_conj().numpy(force=True), atol=1e-8)


@pytest.mark.parametrize("name,shapes", [("addmm_", [(2, 2), (2, 3), (3, 2)]), ("addmv_", [(2,), (2, 3), (3,)]),
                                         ("addr_", [(2, 3), (2,), (3,)]), ("addbmm_", [(2, 2), (3, 2, 4), (3, 4, 2)]),
                                         ("baddbmm_", [(3, 2, 2), (3, 2, 4), (3, 4, 2)])])
def test_inplace_products_match_torch(name, shapes, torch_ref):
    args = [_r(*s, seed=i) for i, s in enumerate(shapes)]
    tw = torch_ref.tensor(args[0], requires_grad=True)
    lw = torchless.tensor(args[0], requires_grad=True)
    tc, lc = tw * 1, lw * 1
    getattr(tc, name)(*[torch_ref.tensor(a) for a in args[1:]], beta=0.5, alpha=2)
    getattr(lc, name)(*[torchless.tensor(a) for a in args[1:]], beta=0.5, alpha=2)
    np.testing.assert_allclose(lc.detach().numpy(), tc.detach().numpy())
    assert type(lc.grad_fn).__name__ == type(tc.grad_fn).__name__
    tc.sum().backward()
    lc.sum().backward()
    np.testing.assert_allclose(lw.grad.numpy(), tw.grad.numpy())


@pytest.mark.parametrize("dtype", ["float32", "complex64"])
def test_single_precision_stays_single(dtype):
    """Results and gradients keep float32 / complex64 (no NumPy float64 scalar promotes them)."""
    dt = getattr(torchless, dtype)
    r = _rng(4)

    def t(*shape, spd=False):
        a = r.standard_normal(shape) + (1j * r.standard_normal(shape) if dtype == "complex64" else 0)
        if spd:
            a = a @ np.conj(np.swapaxes(a, -1, -2)) + 3 * np.eye(shape[-1])
        return torchless.tensor(a, dtype=dt, requires_grad=True)
    cases = [(lambda c, a, b: torchless.addmm(c, a, b, beta=0.5, alpha=2), [t(2, 2), t(2, 3), t(3, 2)]),
             (L.det, [t(3, 3)]), (L.inv, [t(3, 3)]), (L.cholesky, [t(3, 3, spd=True)]), (L.pinv, [t(4, 3)]),
             (L.matrix_exp, [t(3, 3)]), (lambda a: L.lu(a)[1], [t(3, 3)]), (lambda a: L.eigvals(a), [t(3, 3)]),
             (lambda a: torchless.fft.fft(a), [t(4)]), (L.svdvals, [t(3, 4)])]
    for f, args in cases:
        out = f(*args)
        assert out.dtype in (torchless.float32, torchless.complex64)
        grads = torchless.autograd.grad(out.abs().sum(), args)
        assert all(g.dtype == a.dtype for g, a in zip(grads, args))


@pytest.mark.parametrize("kind", ["real", "complex symmetric", "complex hermitian", "real 2x2 pivots"])
def test_ldl_matches_torch(kind, torch_ref):
    """LAPACK's Bunch-Kaufman choices (pivots) and compact LD, then the solve."""
    r = _rng(7)
    hermitian = kind == "complex hermitian"
    for n in (1, 2, 4, 6):
        a = r.standard_normal((2, n, n)) + (1j * r.standard_normal((2, n, n)) if "complex" in kind else 0)
        if kind == "real 2x2 pivots":
            a[..., np.arange(n), np.arange(n)] = 0
        a = a + (np.conj(np.swapaxes(a, -1, -2)) if hermitian else np.swapaxes(a, -1, -2))
        if kind == "real 2x2 pivots" and n == 1:
            continue  # a zero 1x1 matrix: PyTorch raises an internal assertion there
        b = r.standard_normal((n, 3)) + (1j * r.standard_normal((n, 3)) if "complex" in kind else 0)
        tt = torch_ref.linalg.ldl_factor(torch_ref.tensor(a), hermitian=hermitian)
        ll = L.ldl_factor(torchless.tensor(a), hermitian=hermitian)
        np.testing.assert_array_equal(ll.pivots.numpy(), tt.pivots.numpy())
        np.testing.assert_allclose(ll.LD.numpy(), tt.LD.numpy(), atol=1e-10)
        xt = torch_ref.linalg.ldl_solve(tt.LD, tt.pivots, torch_ref.tensor(b), hermitian=hermitian)
        xl = L.ldl_solve(ll.LD, ll.pivots, torchless.tensor(b), hermitian=hermitian)
        np.testing.assert_allclose(xl.numpy(), xt.numpy(), atol=1e-8)
    info = L.ldl_factor_ex(torchless.zeros(2, 2, dtype=torchless.float64)).info
    assert info.item() == 1 and info.dtype == torchless.int32


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (2, 4, 2), (0, 3)])
def test_svd_full_matrices_jvp_of_a_non_square_matrix_is_pytorchs(shape):
    """U's (or Vh's) completion columns are no function of A: their tangents are zero; the rest is
    the reduced SVD's jvp (PyTorch's convention)."""
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal(shape)
    t = np.random.default_rng(4).standard_normal(shape)
    results = []
    for lib in (torchless, torch):
        with lib.autograd.forward_ad.dual_level():
            dual = lib.autograd.forward_ad.make_dual(lib.tensor(a), lib.tensor(t))
            outs = [lib.autograd.forward_ad.unpack_dual(o) for o in lib.linalg.svd(dual, full_matrices=True)]
            du, ds, dvh = (o.tangent.numpy().copy() for o in outs)
            k = min(shape[-2:])
            # each singular pair's sign is LAPACK's choice: make U's first row non-negative (the
            # tangents of U's column j and Vh's row j flip with them)
            sign = np.where(outs[0].primal.numpy()[..., :1, :k] < 0, -1.0, 1.0)
            du[..., :, :k] *= sign
            if k:
                dvh[..., :k, :] *= np.swapaxes(sign, -1, -2)
            results.append([du, ds, dvh])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)
