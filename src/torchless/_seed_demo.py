"""The seed walkthrough (D2L §2.5, automatic differentiation), cell by cell, as `python -m torchless`
runs it: each cell's code, then what the notebook displays (the value of its last expression)."""
import ast
from collections.abc import Callable
from typing import Any

CELLS = [
    """import torch

x = torch.arange(4.0)
x""",
    """#在我们计算y关于x的梯度之前，我们需要一个地方来储存梯度
#下面的这个代码等价于 x = torch.arange(4.0,requires_grad=True)
x.requires_grad_(True)
x.grad #默认值是None""",
    """#现在让我们计算y
y = 2 * torch.dot(x,x)
#dot(x,x)=14
y""",
    """y.backward()
x.grad""",
    """x.grad == 4 * x""",
    """#在默认情况下，PyTorch会积累梯度，需要我们清除之前的值
x.grad.zero_()
y = x.sum()
y.backward()
x.grad""",
    """#对非标量调用backward需要传入一个gradient参数，该参数指定微积分函数
x.grad.zero_()
y = x * x
#等价于y.backward(torch.ones(len(x)))
#梯度 = 2x = 2[0., 1., 2., 3.] = [0., 2., 4., 6.]
y.sum().backward()
x.grad""",
    """#把y当成常数而不是函数赋值给u
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x

z.sum().backward()
x.grad == u""",
    """x.grad.zero_()
y.sum().backward()
x.grad == 2 * x""",
    """def f(a):
    b = a * 2                    # b = 2a
    while b.norm() < 1000:       # 当|b| < 1000时继续循环
        b = b * 2                # b = b * 2
    if b.sum() > 0:              # 如果b > 0
        c = b                    # c = b
    else:                        # 如果b ≤ 0  
        c = 100 * b              # c = 100b
    return c

a = torch.randn(size=(), requires_grad=True)
d = f(a)
d.backward()

a.grad == d / a""",
]


def run_cell(code: str, namespace: dict[str, Any]) -> str | None:
    """Run one cell like a notebook: returns the repr of its last expression, or None."""
    code = code.replace("import torch\n", "import torchless as torch\n")
    tree = ast.parse(code)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body = tree.body[:-1]
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is None:
        return None
    value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
    return None if value is None else repr(value)


def run(seed: int = 0, out: Callable[..., Any] = print) -> list[str | None]:
    """Run every cell, printing `In [n]:`, the code, and the displayed output.

    seed: the random seed set first (the last cell draws a random number); out: where each line
    goes. Returns each cell's displayed output (None for a cell that shows nothing)."""
    import torchless
    torchless.manual_seed(seed)
    namespace: dict[str, Any] = {}
    shown: list[str | None] = []
    for i, code in enumerate(CELLS, 1):
        out(f"In [{i}]:")
        out(code)
        result = run_cell(code, namespace)
        shown.append(result)
        if result is not None:
            out("")
            out(result)
        out("")
    return shown
