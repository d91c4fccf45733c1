"""The package's shape, checked: imports point down only (no cycle, counting imports inside
functions), every public Tensor method and torch function has a docstring of its own, and mypy
accepts the package. The layering is the one docs/architecture.md describes."""
import ast
import inspect
import pathlib
import subprocess
import sys

import pytest

import torchless

PACKAGE = pathlib.Path(torchless.__file__).parent


# ---------------------------------------------------------------------------- import graph
def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(module, is_package, level, name):
    """The module a `from ... import` names, made absolute."""
    if level == 0:
        return name
    base = module.split(".")
    if not is_package:
        base.pop()
    if level > 1:
        base = base[:len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _type_checking_only(node):
    """`if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`): a block only type checkers read, never run."""
    test = node.test
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _executed_nodes(tree):
    """Every node of the module that can run: all of them but the bodies of `if TYPE_CHECKING:`
    blocks (an annotation may name a class from a floor above; importing it never happens)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                stack.extend(child.orelse)
            else:
                stack.append(child)


def import_graph():
    """{module: the package's modules it imports}, anywhere in its source (in functions too). An
    import of a.b.c also runs a and a.b's __init__, except for a module's own parent packages."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for module, path in files.items():
        targets = set()
        is_package = path.name == "__init__.py"
        for node in _executed_nodes(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, is_package, node.level, node.module)
                names = [f"{base}.{alias.name}" for alias in node.names]
                if any(name not in files for name in names):  # an attribute of base's module
                    names.append(base)
            else:
                continue
            for name in names:
                while name and name not in files:  # `from m import attribute`: the module m
                    name = name.rpartition(".")[0]
                if name and name != module:
                    targets.add(name)
        for target in list(targets):  # importing a.b.c runs a/__init__ and a/b/__init__
            parts = target.split(".")
            for i in range(1, len(parts)):
                parent = ".".join(parts[:i])
                if not module.startswith(parent + ".") and parent != module:
                    targets.add(parent)
        graph[module] = targets
    return graph


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_type_checking_imports_are_not_edges():
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\nelse:\n    import b\n"
                     "def f():\n    import c\n")
    imported = {alias.name for node in _executed_nodes(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert imported == {"b", "c"}


def test_import_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "torchless.engine.node" in graph["torchless.engine.backward"]
    assert all(module.startswith("torchless") for targets in graph.values() for module in targets)


def test_no_import_cycle():
    found = cycles(import_graph())
    assert not found, "import cycles (every module in each imports, through the others, itself):\n" + \
        "\n".join(" <-> ".join(c) for c in found)


# ---------------------------------------------------------------------------- docstrings
def _public_tensor_attributes():
    for name in sorted(dir(torchless.Tensor)):
        if name.startswith("_"):
            continue
        yield name, inspect.getattr_static(torchless.Tensor, name)


def _own_doc(value):
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        value = value.fget
    if not callable(value) and not inspect.isdatadescriptor(value):
        return "(a constant)"
    doc = inspect.getdoc(value) or ""
    return doc.strip()


def _missing_tensor_docs():
    return [name for name, value in _public_tensor_attributes()
            if not isinstance(value, (bool, int, float, str, type(None))) and not _own_doc(value)]


def _public_functions():
    for name in sorted(dir(torchless)):
        if name.startswith("_"):
            continue
        value = getattr(torchless, name)
        if inspect.ismodule(value) or isinstance(value, torchless.dtype) or not callable(value):
            continue
        yield name, value


def _missing_function_docs():
    return [name for name, value in _public_functions() if not (inspect.getdoc(value) or "").strip()]


def test_every_public_tensor_method_has_a_docstring():
    missing = _missing_tensor_docs()
    assert not missing, f"{len(missing)} Tensor attributes without a docstring: {missing}"


def test_every_torch_function_has_a_docstring():
    missing = _missing_function_docs()
    assert not missing, f"{len(missing)} torch functions without a docstring: {missing}"


def test_help_shows_the_real_signature_and_what_it_computes():
    exp = torchless.Tensor.exp
    signature = inspect.signature(exp)
    assert exp.__name__ == "exp" and list(signature.parameters) == ["self"]
    assert "Tensor" in str(signature.return_annotation)
    doc = inspect.getdoc(exp) or ""
    assert "Backward" not in doc and "exponential" in doc.lower(), doc


# ---------------------------------------------------------------------------- mypy
@pytest.mark.slow
@pytest.mark.skipif(subprocess.run([sys.executable, "-c", "import mypy"], capture_output=True).returncode != 0,
                    reason="mypy is not installed for this Python")  # (the test runs `python -m mypy`)
def test_mypy_accepts_the_package():
    # The checkout's src/ when the tests run from one (an installed torchless sits in site-packages,
    # where mypy would also read every other package's files); else the installed package's folder.
    source = pathlib.Path(__file__).resolve().parents[2] / "src"
    where = source if (source / "torchless" / "__init__.py").exists() else PACKAGE.parent
    run = subprocess.run([sys.executable, "-m", "mypy", "-p", "torchless"], cwd=where,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-4000:]


def test_import_graph_counts_submodules_and_attributes_apart():
    graph = import_graph()
    # `from ..engine import backward as _engine` names a module: no edge to engine/__init__ for it
    core = graph["torchless._tensor._core"]
    assert "torchless.engine.backward" in core or "torchless.engine.node" in core
    # `from torchless import Tensor` inside the package would be an edge to the root package
    assert all("torchless" not in graph[m] for m in graph if m.startswith("torchless.engine"))
