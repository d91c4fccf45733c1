"""The margin losses with their own nodes in PyTorch (soft margin, multi margin, multilabel margin)
and xlogy (kl_div's target term), forward beside vjp (issue 12, the nn.functional family).

Targets are constant arrays (class indices become one-hot masks in the input's dtype), never edges.
Forward and vjp are written over `xp`: under create_graph the forward is re-run on Tensors and the
vjp records. `reduction` is "none", "mean" or "sum" (checked by nn.functional).
"""
from ._rule import Explain, Rule, elementwise_symbolic


def _reduced(xp, loss, reduction, n):
    """The per-entry losses summed ("sum"), averaged over n entries ("mean") or kept ("none")."""
    if reduction == "none":
        return loss
    total = xp.sum_dims(loss, None, False)
    return total / n if reduction == "mean" else total


def _scale(g, reduction, n):
    """The incoming gradient as the factor of each entry's loss."""
    return g / n if reduction == "mean" else g


class XlogyBackward0(Rule):
    """x log y, 0 where x == 0 (unless y is NaN):  d/dx = log y where x != 0 (0 elsewhere),  d/dy = x / y"""
    batching = "elementwise"
    explain = Explain("xlogy({a}, {b})", "∂(x log y)/∂x = log y,  ∂(x log y)/∂y = x / y",
                      symbolic=elementwise_symbolic(lambda sp, a, b: a * sp.log(b)))

    @staticmethod
    def forward(node, xp, x, y):
        if node is not None:
            node.saved = (x, y)
        return xp.where((x == 0) & (y == y), xp.zeros_like(x * y), x * xp.log(y))

    @staticmethod
    def jvp(xp, t, out, x, y):
        total = None
        if t[0] is not None:
            total = t[0] * xp.where(x != 0, xp.log(y), xp.zeros_like(y))
        if t[1] is not None:
            term = t[1] * x / y
            total = term if total is None else total + term
        return total

    def vjp(self, g, xp):
        x, y = self.saved
        (nx, _), (ny, _) = self.next_functions
        gx = gy = None
        if nx is not None:
            gx = xp.sum_to(g * xp.where(x != 0, xp.log(y), xp.zeros_like(y)), x.shape)
        if ny is not None:
            gy = xp.sum_to(g * x / y, y.shape)
        return gx, gy


class SoftMarginLossBackward0(Rule):
    """log(1 + exp(-y x)), reduced:  d/dx = -y sigmoid(-y x)  (the target y is a constant)"""
    batching = "pointwise_loss"
    explain = Explain("soft_margin_loss({x}, {y})", "∂ log(1 + e^(−yx))/∂x = −y·σ(−yx)")

    @staticmethod
    def forward(node, xp, x, y, reduction):
        z = -(x * y)
        loss = xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))  # log(1 + e^z), never overflowing
        if node is not None:
            node.saved = (x, y)
            node.reduction = reduction
        n = 1
        for d in loss.shape:
            n *= d
        return _reduced(xp, loss, reduction, n)

    @staticmethod
    def jvp(xp, t, out, x, y, reduction):
        d = t[0] * (-y) * xp.sigmoid(-(x * y))
        if reduction == "none":
            return d
        n = 1
        for s in d.shape:
            n *= s
        return _reduced(xp, d, reduction, n)

    def vjp(self, g, xp):
        x, y = self.saved
        gl = -y * xp.sigmoid(-(x * y))
        n = 1
        for d in gl.shape:
            n *= d
        return (xp.sum_to(_scale(g, self.reduction, n) * gl, x.shape),)


class MultiMarginLossBackward0(Rule):
    """Per row n of x (N, C), target class y: Σ_{i != y} w_y max(0, margin - x_y + x_i)^p / C, reduced.
    `onehot` marks each row's target; `wy` each row's weight (None: 1).
    d/dx_i = w_y h'_i / C (i != y),  d/dx_y = -Σ_i w_y h'_i / C,  h' = 1 (p = 1) or 2 (margin - x_y + x_i) (p = 2)
    where the margin is violated, 0 elsewhere."""
    explain = Explain("multi_margin_loss({x})",
                      "∂/∂xᵢ = p·w_y·max(0, m − x_y + xᵢ)^(p−1)/C for i ≠ y, minus their sum at y")
    batching = "batch_first"

    @staticmethod
    def _parts(xp, x2, onehot, margin):
        xy = xp.sum_dims(x2 * onehot, 1, True)
        z = (x2 - xy) + margin
        active = xp.where(z > 0, xp.ones_like(z), xp.zeros_like(z)) * (1 - onehot)  # violated, not the target
        return z, active

    @staticmethod
    def forward(node, xp, x, onehot, wy, p, margin, reduction, out_shape):
        n_rows, n_cls = onehot.shape
        x2 = x.reshape((n_rows, n_cls))
        z, active = MultiMarginLossBackward0._parts(xp, x2, onehot, margin)
        h = z * active
        if p == 2:
            h = h * z
        if wy is not None:
            h = h * wy
        loss = xp.sum_dims(h, 1, False) / n_cls
        if node is not None:
            node.saved = (x,)
            node.onehot = onehot
            node.wy = wy
            node.p = p
            node.margin = margin
            node.reduction = reduction
        if reduction == "none":
            return loss.reshape(out_shape)
        return _reduced(xp, loss, reduction, n_rows)

    def _grad_rows(self, xp, x):
        onehot = self.onehot
        n_rows, n_cls = onehot.shape
        x2 = x.reshape((n_rows, n_cls))
        z, active = self._parts(xp, x2, onehot, self.margin)
        dh = active if self.p == 1 else 2 * z * active
        if self.wy is not None:
            dh = dh * self.wy
        return (dh - onehot * xp.sum_dims(dh, 1, True)) / n_cls

    @staticmethod
    def jvp(xp, t, out, x, onehot, wy, p, margin, reduction, out_shape):
        node = MultiMarginLossBackward0()
        node.onehot, node.wy, node.p, node.margin = onehot, wy, p, margin
        per_row = xp.sum_dims(node._grad_rows(xp, x) * t[0].reshape(onehot.shape), 1, False)
        if reduction == "none":
            return per_row.reshape(out_shape)
        return _reduced(xp, per_row, reduction, onehot.shape[0])

    def vjp(self, g, xp):
        (x,) = self.saved
        n_rows = self.onehot.shape[0]
        if self.reduction == "none":
            coef = g.reshape((n_rows, 1))
        else:
            coef = _scale(g, self.reduction, n_rows)
        return ((self._grad_rows(xp, x) * coef).reshape(x.shape),)


class MultilabelMarginLossBackward0(Rule):
    """Per row n of x (N, C) with target classes y_1..y_k (the row of `target` up to its first -1):
    Σ_j Σ_{i not a target} max(0, 1 - x_{y_j} + x_i) / C, reduced. `pick` (N, K, C) marks y_j as a
    one-hot row for each j < k (zero rows past k); `mask` (N, K, C) marks the pairs (j < k, i not a
    target) that count."""
    explain = Explain("multilabel_margin_loss({x})", "∂/∂xᵢ = Σ over target/non-target pairs of ±[1 − x_y + xᵢ > 0]/C")
    batching = "batch_first"

    @staticmethod
    def _parts(xp, x2, pick, mask):
        x3 = xp.expand_dims(x2, 1)
        z = 1 - xp.sum_dims(pick * x3, 2, True) + x3  # (N, K, C): 1 - x_{y_j} + x_i
        return z, xp.where(z > 0, xp.ones_like(z), xp.zeros_like(z)) * mask

    @staticmethod
    def forward(node, xp, x, pick, mask, reduction, out_shape):
        n_rows, _, n_cls = pick.shape
        x2 = x.reshape((n_rows, n_cls))
        z, active = MultilabelMarginLossBackward0._parts(xp, x2, pick, mask)
        loss = xp.sum_dims(xp.sum_dims(z * active, 2, False), 1, False) / n_cls
        if node is not None:
            node.saved = (x,)
            node.pick = pick
            node.mask = mask
            node.reduction = reduction
        if reduction == "none":
            return loss.reshape(out_shape)
        return _reduced(xp, loss, reduction, n_rows)

    def _grad_rows(self, xp, x):
        pick = self.pick
        n_rows, _, n_cls = pick.shape
        z, active = self._parts(xp, x.reshape((n_rows, n_cls)), pick, self.mask)
        pulled = xp.sum_dims(pick * xp.sum_dims(active, 2, True), 1, False)
        return (xp.sum_dims(active, 1, False) - pulled) / n_cls

    @staticmethod
    def jvp(xp, t, out, x, pick, mask, reduction, out_shape):
        node = MultilabelMarginLossBackward0()
        node.pick, node.mask = pick, mask
        n_rows, _, n_cls = pick.shape
        per_row = xp.sum_dims(node._grad_rows(xp, x) * t[0].reshape((n_rows, n_cls)), 1, False)
        if reduction == "none":
            return per_row.reshape(out_shape)
        return _reduced(xp, per_row, reduction, n_rows)

    def vjp(self, g, xp):
        (x,) = self.saved
        n_rows = self.pick.shape[0]
        coef = g.reshape((n_rows, 1)) if self.reduction == "none" else _scale(g, self.reduction, n_rows)
        return ((self._grad_rows(xp, x) * coef).reshape(x.shape),)
