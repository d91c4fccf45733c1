"""Rules of the random draws PyTorch records in autograd (issue 14): torch.poisson (PoissonBackward0,
a zero gradient), torch.binomial (recorded, not differentiable) and torch._standard_gamma
(StandardGammaBackward0, the implicit reparameterization gradient). The draws are made by the layer
above (from the stream, _random_samplers); each forward receives them as a constant array."""
from ._rule import Explain, Rule

__all__ = ["PoissonBackward0", "BinomialBackward", "StandardGammaBackward0"]


class PoissonBackward0(Rule):
    """poisson(rate): counts drawn per element; d/drate = 0 (PyTorch's zeros_like), forward AD too"""
    op_name = "poisson"
    batching = "elementwise"
    explain = Explain("poisson({rate})", "∂poisson(rate)/∂rate = 0 (a draw; PyTorch's zero gradient)")

    @staticmethod
    def forward(node, xp, rate, draws):
        return draws

    @staticmethod
    def jvp(xp, t, out, rate, draws):
        return t[0] * 0

    def vjp(self, g, xp):
        return (xp.zeros_like(g),)


class BinomialBackward(Rule):
    """binomial(count, prob): recorded (PyTorch's node prints as NotImplemented); backward raises"""
    op_name = "binomial"
    batching = "elementwise"
    explain = Explain("binomial({count}, {prob})", "not differentiable: backward raises, as in PyTorch")

    @staticmethod
    def forward(node, xp, count, prob, draws):
        return draws

    def vjp(self, g, xp):
        raise RuntimeError("derivative for aten::binomial is not implemented")


BinomialBackward.__name__ = BinomialBackward.__qualname__ = "NotImplemented"


class StandardGammaBackward0(Rule):
    """_standard_gamma(alpha): x ~ Gamma(alpha, 1) drawn per element; d/dalpha = dx/dalpha at fixed
    quantile (implicit reparameterization), computed by the layer above and held as a constant"""
    op_name = "_standard_gamma"
    batching = "elementwise"
    explain = Explain("standard_gamma({alpha})",
                      "∂x/∂alpha at a fixed quantile of Gamma(alpha, 1) (implicit reparameterization)")

    @staticmethod
    def forward(node, xp, alpha, draws, grad):
        if node is not None:
            node.grad = grad
        return draws

    @staticmethod
    def jvp(xp, t, out, alpha, draws, grad):
        return t[0] * grad

    def vjp(self, g, xp):
        return (g * self.grad,)


