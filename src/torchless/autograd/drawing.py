"""torch.autograd.draw (torchless only): a picture of the backward graph.

draw(output) lays the graph out in layers, the output on top and each node above everything it
feeds gradients to, and returns a Drawing: SVG written here in pure Python (Jupyter shows it inline
through _repr_svg_), or PNG through the graphviz package and binary when they are installed
(`pip install 'torchless[draw]'` and Graphviz itself). Op nodes are boxes (op name, shape, value,
and the gradient reaching them when the graph can still run backward); leaves that require grad are
green ellipses (with .grad once backward ran); tensors used as constants (detached, or not requiring
grad) are grey dashed boxes. A chain of the same op (a loop) is one box marked × n, and a graph
beyond MAX_NODES boxes is cut there, the rest counted in a final box.
"""
import sys
from xml.sax.saxutils import escape

import numpy as np

from .._tensor._core import Tensor
from ..engine.node import AccumulateGrad
from .derivation import _values, _watched_backward, graph_of

__all__ = ["draw", "Drawing"]

MAX_NODES = 150  # boxes drawn: beyond this a picture is unreadable, and the cut keeps the cost bounded
_ROW, _GAP, _CHAR, _LINE = 96, 28, 7.2, 15


class _Box:
    __slots__ = ("key", "kind", "lines", "layer", "x", "y", "w", "h")

    def __init__(self, key, kind, lines):
        self.key, self.kind, self.lines = key, kind, lines
        self.layer, self.x, self.y = 0, 0.0, 0.0
        self.w = max(len(line) for line in lines) * _CHAR + 20
        self.h = len(lines) * _LINE + 14
        if kind == "leaf":  # an ellipse's text needs room at the sides
            self.w, self.h = self.w * 1.25, self.h + 8


class Drawing:
    """draw()'s result: .svg() (always), .png() (with graphviz), .save(path); Jupyter shows the SVG."""

    def __init__(self, boxes, edges, hidden):
        self.boxes, self.edges, self.hidden = boxes, edges, hidden

    # ------------------------------------------------------------------ pure-Python SVG
    def svg(self):
        """The drawing as SVG text, laid out here in pure Python."""
        width = max((b.x + b.w for b in self.boxes), default=100) + 20
        height = max((b.y + b.h for b in self.boxes), default=60) + 20
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
               f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="12">',
               '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
               'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>']
        by_key = {b.key: b for b in self.boxes}
        for src, dst in self.edges:
            a, b = by_key[src], by_key[dst]
            style = ('class="edge constant" stroke="#999" stroke-dasharray="4,3"' if b.kind == "constant"
                     else 'class="edge" stroke="#555" marker-end="url(#arrow)"')  # no gradient flows to a constant
            out.append(f'<line {style} x1="{a.x + a.w / 2:.1f}" y1="{a.y + a.h:.1f}" x2="{b.x + b.w / 2:.1f}" '
                       f'y2="{b.y:.1f}" stroke-width="1.2"/>')
        for b in self.boxes:
            out.append(_svg_shape(b))
            top = b.y + 18 + (4 if b.kind == "leaf" else 0)
            for i, line in enumerate(b.lines):
                weight = ' font-weight="bold"' if i == 0 else ""
                out.append(f'<text x="{b.x + b.w / 2:.1f}" y="{top + i * _LINE:.1f}" text-anchor="middle"{weight}>'
                           f'{escape(line)}</text>')
        out.append("</svg>")
        return "\n".join(out)

    _repr_svg_ = svg

    # ------------------------------------------------------------------ graphviz
    def graphviz(self):
        """The same picture as a graphviz.Digraph (needs the graphviz package)."""
        try:
            import graphviz  # type: ignore[import-untyped,import-not-found]
        except ImportError:
            raise ImportError("PNG drawings need the graphviz package and Graphviz itself: pip install "
                              "'torchless[draw]' and install Graphviz (https://graphviz.org/download/); "
                              ".svg() needs neither") from None
        g = graphviz.Digraph(graph_attr={"rankdir": "TB"}, node_attr={"fontname": "monospace", "fontsize": "11"})
        styles = {"op": {"shape": "box"}, "leaf": {"shape": "ellipse", "style": "filled", "fillcolor": "#d9f2d9"},
                  "constant": {"shape": "box", "style": "dashed", "color": "#888888"},
                  "more": {"shape": "note"}}
        ids = {b.key: f"n{i}" for i, b in enumerate(self.boxes)}
        for b in self.boxes:
            g.node(ids[b.key], "\n".join(b.lines), **styles[b.kind])
        kinds = {b.key: b.kind for b in self.boxes}
        for src, dst in self.edges:
            g.edge(ids[src], ids[dst], **({"style": "dashed", "arrowhead": "none"} if kinds[dst] == "constant" else {}))
        return g

    def png(self):
        """PNG bytes, rendered by Graphviz."""
        return self.graphviz().pipe(format="png")

    def save(self, path):
        """Write the drawing: .svg in pure Python, .png through Graphviz."""
        path = str(path)
        if path.endswith(".png"):
            data = self.png()
            with open(path, "wb") as f:
                f.write(data)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.svg())
        return path


def _svg_shape(b):
    if b.kind == "leaf":
        return (f'<ellipse class="node leaf" cx="{b.x + b.w / 2:.1f}" cy="{b.y + b.h / 2:.1f}" rx="{b.w / 2:.1f}" '
                f'ry="{b.h / 2:.1f}" fill="#d9f2d9" stroke="#2e7d32"/>')
    dash = ' stroke-dasharray="5,3"' if b.kind == "constant" else ""
    fill = {"op": "#eef3fb", "constant": "#f2f2f2", "more": "#fff8e1"}[b.kind]
    stroke = {"op": "#35598f", "constant": "#888888", "more": "#b28704"}[b.kind]
    return (f'<rect class="node {b.kind}" x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" rx="4" '
            f'fill="{fill}" stroke="{stroke}"{dash}/>')


def draw(output, inputs=None, *, _frame=None):
    """A Drawing of output's backward graph (see the module docstring). inputs: {name: tensor}."""
    graph, names = graph_of("draw", output, inputs, _frame or sys._getframe(1))
    grads = {}
    if all(n.stamp >= 0 for n in graph.nodes) and len(graph.nodes) <= MAX_NODES:
        records, _ = _watched_backward(graph, output, None if output.numel() == 1 else np.ones(output.shape))
        grads = {node: g_in for node, (g_in, _) in records.items()}
    boxes, edges, hidden = _layout(graph, grads, names)
    return Drawing(boxes, edges, hidden)


def _layout(graph, grads, names):
    """Boxes in layers (longest path from the output) and the edges between them; chains of one
    op merged, and the graph cut at MAX_NODES."""
    merged = _chains(graph)
    boxes, edges, index = [], [], {}
    keep = graph.nodes[:MAX_NODES]
    hidden = len(graph.nodes) - len(keep)
    kept = set(keep)
    constants = {id(t): n for n, t in names.items() if isinstance(t, Tensor) and not t.requires_grad}

    def box_for_node(node):
        head = merged.get(node, (node, 1))
        key = id(head[0])
        if key not in index:
            count = head[1]
            value = graph.values.get((head[0], 0))
            lines = [type(node).__name__ + (f" × {count}" if count > 1 else ""),
                     graph.names.get((head[0], 0), "")]
            if value is not None:
                lines.append(f"shape {list(np.shape(value))} = {_values(value, 4)}")
            if head[0] in grads and grads[head[0]] is not None:
                lines.append(f"grad {_values(grads[head[0]], 4)}")
            index[key] = _Box(key, "op", [line for line in lines if line])
            boxes.append(index[key])
        return index[key]

    for node in keep:
        if merged.get(node, (node,))[0] is not node and merged[node][0] in kept:
            continue  # inside a merged chain: drawn as its head's box
        src = box_for_node(node)
        tail = merged.get(node, (node, 1, node))[2] if node in merged else node
        for i, (nxt, _) in enumerate(tail.next_functions):
            if nxt is None:
                value = (tail.inputs or ())[i] if i < len(tail.inputs or ()) else None
                if isinstance(value, Tensor):
                    key = ("const", id(value))
                    if key not in index:
                        index[key] = _Box(key, "constant", [constants.get(id(value), "constant"),
                                                            f"shape {list(value.shape)}", _values(value._data, 4)])
                        boxes.append(index[key])
                    edges.append((src.key, key))
                continue
            if type(nxt) is AccumulateGrad:
                leaf = nxt.variable
                key = ("leaf", id(leaf))
                if key not in index:
                    lines = [graph.names.get(id(leaf), "leaf"), f"shape {list(leaf.shape)}", _values(leaf._data, 4)]
                    if leaf.grad is not None:
                        lines.append(f".grad {_values(leaf.grad._data, 4)}")
                    index[key] = _Box(key, "leaf", lines)
                    boxes.append(index[key])
                edges.append((src.key, key))
            elif nxt in kept:
                edges.append((src.key, box_for_node(nxt).key))
    if hidden:
        more = _Box("more", "more", [f"… {hidden} more nodes", "(not drawn)"])
        boxes.append(more)
    _place(boxes, edges)
    return boxes, list(dict.fromkeys(edges)), hidden


def _chains(graph):
    """{node: (head, length, tail)} for runs of the same op, each feeding only the next (a loop)."""
    consumers = {}
    for node in graph.nodes:
        for nxt, _ in node.next_functions:
            if nxt is not None:
                consumers[nxt] = consumers.get(nxt, 0) + 1
    merged = {}
    for node in graph.nodes:  # backward order: heads come first
        if node in merged:
            continue
        chain = [node]
        while True:
            feeders = [n for n, _ in chain[-1].next_functions if n is not None]
            if len(feeders) != 1 or type(feeders[0]) is not type(node) or consumers.get(feeders[0]) != 1:
                break
            chain.append(feeders[0])
        if len(chain) > 2:
            for n in chain:
                merged[n] = (node, len(chain), chain[-1])
    return merged


def _place(boxes, edges):
    """Layers by longest path from the top, boxes left to right in each, centred."""
    children = {}
    for a, b in edges:
        children.setdefault(a, []).append(b)
    by_key = {b.key: b for b in boxes}
    layer = {b.key: 0 for b in boxes}
    for b in boxes:  # boxes come in backward order, so a parent is placed before its children
        for c in children.get(b.key, ()):
            layer[c] = max(layer[c], layer[b.key] + 1)
    for _ in range(len(boxes)):  # settle (constants and leaves met late)
        changed = False
        for a, b in edges:
            if layer[b] < layer[a] + 1:
                layer[b] = layer[a] + 1
                changed = True
        if not changed:
            break
    if "more" in by_key:
        layer["more"] = max(layer.values(), default=0) + 1
    rows = {}
    for b in boxes:
        b.layer = layer[b.key]
        rows.setdefault(b.layer, []).append(b)
    widest = max((sum(b.w for b in row) + _GAP * (len(row) - 1) for row in rows.values()), default=0)
    for lv, row in rows.items():
        total = sum(b.w for b in row) + _GAP * (len(row) - 1)
        x = 20 + (widest - total) / 2
        for b in row:
            b.x, b.y = x, 20 + lv * _ROW
            x += b.w + _GAP
