"""The layers of rnn_core, kept: which of its sub-packages may import which, and what from outside.

Each rule lists what a layer may import besides the standard library and itself. A crossing that the design does not
want yet exists is listed in KNOWN_CROSSINGS with its reason; the test fails when one disappears, so the list only
shrinks.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "rnn_core"

ALLOWED = {  # layer -> what it may import: other layers of rnn_core, and outside packages
    "config": {"nn"},  # nn.cell_facts only: the cells a configuration may name (plain data, no torch)
    "nn": {"torch"},
    "data": {"config", "numpy", "pandas", "torch"},
    "train": {"config", "nn", "data", "numpy", "pandas", "torch"},
    "inspect": {"config", "nn", "data", "train", "numpy", "pandas", "torch"},
    "viz": {"numpy", "plotly"},
    # a lesson may train (truncation's cost) and look at what it trained (inputs and outputs: sampling)
    "lessons": {"config", "nn", "data", "train", "inspect", "numpy", "pandas", "torch"},
    "runs": {"config", "data", "train", "inspect", "numpy", "torch"},
    "__init__": {"config", "nn", "data", "train", "inspect"},
}
KNOWN_CROSSINGS = {  # (module, the layer it imports): why it is still there
}


def module_name(path: Path) -> str:
    """``rnn_core/nn/layers.py`` -> ``rnn_core.nn.layers`` (a package by its own name)."""
    return ".".join(("rnn_core", *path.relative_to(CORE).with_suffix("").parts)).removesuffix(".__init__")


def layer_of(path: Path) -> str:
    parts = path.relative_to(CORE).with_suffix("").parts
    return parts[0]


def imported_roots(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (functions too), as a layer of rnn_core or an outside package."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names |= {node.module} if node.module != "rnn_core" else {f"rnn_core.{alias.name}" for alias in node.names}
    layers = {name.split(".")[1] for name in names if name.startswith("rnn_core.")}  # "inspect" is a layer here
    outside = {name.split(".")[0] for name in names if not name.startswith("rnn_core")}
    return layers | (outside - set(sys.stdlib_module_names) - {"__future__"})


def core_modules() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def test_every_module_belongs_to_a_known_layer():
    assert {layer_of(p) for p in core_modules()} <= set(ALLOWED)


def test_each_layer_imports_only_what_it_may():
    crossings = set()
    for path in core_modules():
        module = module_name(path)
        layer = layer_of(path)
        for root in imported_roots(path) - {layer} - ALLOWED[layer]:
            crossings.add((module, root))
    unexpected = crossings - set(KNOWN_CROSSINGS)
    assert not unexpected, f"imports across the layers: {sorted(unexpected)}"
    assert set(KNOWN_CROSSINGS) <= crossings, f"gone, so take them off KNOWN_CROSSINGS: {sorted(set(KNOWN_CROSSINGS) - crossings)}"


def test_config_reads_only_the_cell_table_of_nn():
    assert imported_roots(CORE / "config.py") <= {"nn"}
    assert "torch" not in imported_roots(CORE / "nn" / "cell_facts.py")


def test_the_rule_sees_a_crossing():
    """The checker itself: a file of the nn layer importing pandas, Streamlit or the train layer is caught."""
    assert imported_roots(CORE / "train" / "trainer.py") >= {"torch", "config", "train"}
    assert {"streamlit", "pandas", "ui"} - ALLOWED["nn"] == {"streamlit", "pandas", "ui"}


def test_nothing_in_rnn_core_loads_streamlit_or_the_app():
    """Importing every module of the core, however it imports, loads neither Streamlit nor the app's ui package."""
    modules = [module_name(p) for p in core_modules()]
    code = f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n" + (
        "assert not {'streamlit', 'ui'} & set(sys.modules), sorted({'streamlit', 'ui'} & set(sys.modules))"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_apps_plain_knowledge_imports_no_streamlit():
    """Presets (with their pages) and link rules are the app's, beside its Streamlit code, and tests read them plainly."""
    code = "import sys, ui.presets, ui.link_params\nassert 'streamlit' not in sys.modules, 'streamlit imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_a_server_starts_its_training_processes_before_it_imports_torch():
    """app.py's first lines read the settings and start the training processes (rnn_core/runs/processes.py), so that
    their import of torch runs beside the server's own: neither may import torch, nor may the package's __init__."""
    code = (
        "import sys, rnn_core, ui.settings, rnn_core.runs.processes\n"
        "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if m.startswith(('torch', 'rnn_core')))\n"
        "assert rnn_core.Trainer.__module__ == 'rnn_core.train.trainer' and set(rnn_core.__all__) == set(rnn_core._HOMES)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    assert app.index("start_early(settings.WORKERS)") < app.index("import torch")


def test_a_training_process_imports_no_pandas():
    """A training process (rnn_core.runs.worker) builds no DataFrame and reads no CSV: pandas, a fifth of its start, is
    imported only where a frame is built or a table read (History.frame, numeric_columns)."""
    code = "import sys, rnn_core.runs.worker\nassert not {'pandas', 'plotly', 'streamlit'} & set(sys.modules), 'imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
