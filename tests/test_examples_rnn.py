"""examples/d2l/rnn_concise.py (D2L §9.6, §10.1-10.3): character-level RNN, LSTM, GRU and deep GRU
language models train on synthetic text with torchless, cutting their perplexity by more than half;
with PyTorch installed the same program text builds the same modules (reprs, parameter names and
shapes)."""
import contextlib
import importlib.util
import io
import os
import warnings

import pytest

from .conftest import requires_torch

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "d2l")
_spec = importlib.util.spec_from_file_location("d2l_examples_loader_rnn", os.path.join(EXAMPLES, "_loader.py"))
_loader = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_loader)
_results = {}


def run(backend, **kwargs):
    key = (backend, tuple(sorted(kwargs.items())))
    if key not in _results:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            _results[key] = (_loader.load_example("rnn_concise", backend).main(**kwargs), out.getvalue())
    return _results[key]


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru", "deep_gru"])
def test_language_models_halve_their_perplexity(name):
    result, printed = run("torchless")
    ppl = result[name]["perplexities"]
    assert ppl[0] < 28 and ppl[-1] < ppl[0] / 2, ppl
    assert result[name]["after"].startswith("time traveller") and len(result[name]["after"]) == 24
    assert "perplexity" in printed


@requires_torch
def test_same_modules_as_pytorch():
    ours, _ = run("torchless", num_epochs=1, num_chars=2000)
    theirs, _ = run("torch", num_epochs=1, num_chars=2000)
    for name in ours:
        assert ours[name]["net"] == theirs[name]["net"]
        assert ours[name]["params"] == theirs[name]["params"]
