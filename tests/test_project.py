"""The project's promises about itself: the core stands alone, the README's commands are the ones CI runs."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def bash_blocks() -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S)]


def test_every_page_imports_ui_among_its_first_imports():
    """ui/__init__.py sends a fresh server's first deep link through app.py; a page that drew anything before importing
    ui would open without the sidebar. The browser test opens one such link (to /shapes) on a fresh server."""
    for page in sorted((ROOT / "pages").glob("*.py")):
        body = ast.parse(page.read_text(encoding="utf-8")).body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        imports = []
        for node in body:
            if not isinstance(node, ast.Import | ast.ImportFrom):
                break
            imports += [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        assert any(name == "ui" or name.startswith("ui.") for name in imports), f"{page.name} draws before it imports ui"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second():
    app_command, test_command = bash_blocks()[:2]
    assert app_command.endswith("streamlit run app.py")
    assert "requirements.txt" in app_command
    assert test_command.endswith("python -m pytest")
    assert "requirements-dev.txt" in test_command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in ci
    assert test_command in ci.splitlines()


def test_torch_is_pinned_exactly():
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert "torch==2.13.0" in lines
    assert any(line.startswith("streamlit>=1.67,<2") for line in lines)


def test_readme_python_examples_run(tmp_path):
    """The notebook examples in the README are real code: run them as a user would."""
    layers_example, training_example = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    outputs = []
    for i, example in enumerate((layers_example, training_example)):
        script = tmp_path / f"example{i}.py"
        script.write_text(example, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
        result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert "torch.Size([2, 8, 20, 3])" in outputs[0]
    assert "wall_time_s" in outputs[1] and "\n300 [[" in outputs[1]


def test_pages_end_early_with_stop_page_so_the_sidebar_keeps_its_timer():
    """st.stop() in a page would skip app.py's sidebar ticker: the training progress would freeze on that page."""
    for page in (ROOT / "pages").glob("*.py"):
        assert "st.stop()" not in page.read_text(), page.name


def test_the_readme_names_that_rnn_core_offers_exist():
    """Each `rnn_core.<name>` the README names is the package's own: an attribute of it or one of its modules."""
    import importlib


    names = set(re.findall(r"`rnn_core((?:\.\w+)+)", README))
    assert {".Trainer", ".ExperimentConfig", ".make_task", ".RNN"} <= names
    for name in names:
        parts = name.strip(".").split(".")
        try:
            target = importlib.import_module("rnn_core." + ".".join(parts))
        except ModuleNotFoundError:
            target = importlib.import_module(".".join(("rnn_core", *parts[:-1])))
            assert hasattr(target, parts[-1]), f"README names rnn_core{name}, which does not exist"


def test_the_page_list_holds_every_page_once():
    """ui/pages.py is the one list of pages: app.py's navigation, the tests and the presets read it."""
    from ui.pages import PAGE_PATHS

    assert sorted(PAGE_PATHS) == sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
    assert "PAGES" in (ROOT / "app.py").read_text(encoding="utf-8") and "st.Page(\"pages/" not in (ROOT / "app.py").read_text()


def _session_state_keys(tree: ast.AST) -> list[ast.expr]:
    """The key expressions of every ``st.session_state[k]``, ``.get(k)``, ``.pop(k)`` and ``k in st.session_state``."""
    def is_state(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "session_state"

    keys = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and is_state(node.value):
            keys.append(node.slice)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "pop"):
            if is_state(node.func.value):
                keys.append(node.args[0])
        elif isinstance(node, ast.Compare) and any(is_state(c) for c in node.comparators):
            keys.append(node.left)
    return keys


def test_session_state_keys_are_named_in_ui_keys_only():
    """No key is a bare string, and no module names a key of its own: the keys code meets at are in ui/keys.py."""
    offenders = []
    for path in [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py")), *sorted((ROOT / "pages").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
        for key in _session_state_keys(tree):
            if isinstance(key, ast.Constant) or (isinstance(key, ast.Name) and key.id in own and path.name != "keys.py"):
                offenders.append(f"{path.relative_to(ROOT)}:{key.lineno}: {ast.unparse(key)}")
    assert not offenders, offenders
    assert len(_session_state_keys(ast.parse((ROOT / "ui" / "state.py").read_text(encoding="utf-8")))) >= 3  # the check sees them


def test_the_process_is_set_up_once_not_on_every_run_of_app_py(monkeypatch):
    """app.py runs again on every click and page; asking Python on each run whether the imports' objects were frozen
    (gc.get_freeze_count counts them one by one) cost 40 ms a run. The set-up is a cached function instead."""
    import gc

    import torch

    from ui import process

    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    monkeypatch.setattr(gc, "get_freeze_count", lambda: pytest.fail("counted the frozen objects"))
    process.set_up_once.cache_clear()
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        for _ in range(3):
            process.set_up_once()
        assert frozen == [1] and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
    assert "get_freeze_count" not in (ROOT / "app.py").read_text()
