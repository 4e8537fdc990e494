"""Architecture rules of the package, checked by reading its source.

* Public upstream APIs only: outside ``tiny_action/compat.py`` no module of
  ``projects/tiny_action`` imports a private name (``from mmengine.runner.
  checkpoint import _load_checkpoint``, ``import torch._utils``) or reaches a
  private attribute of anything but itself (``Config._merge_a_into_b``,
  ``torch.storage._load_from_bytes``, ``model._forward``), nor reaches one
  by name (``getattr(x, '_y')``, ``importlib.import_module('torch._utils')``).
* No ``../shared`` (a folder of the development machine) in ``configs/`` or
  the package.
* No function of the package longer than :data:`MAX_FUNCTION_LINES` lines.

Each rule is a function returning its findings, so the rule itself is tested
on small sources that break it.
"""
import ast
import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / 'projects' / 'tiny_action'
#: the one module allowed to work around upstream internals
COMPAT = PACKAGE / 'compat.py'
MAX_FUNCTION_LINES = 100
#: a dotted module name with a private (single underscore) part
PRIVATE_DOTTED = re.compile(r'^[A-Za-z]\w*(\.\w+)*\._(?!_)\w*(\.\w+)*$')


def _is_private(name: str) -> bool:
    return name.startswith('_') and not name.startswith('__')


def _module_parts(module: str) -> List[str]:
    return [part for part in module.split('.') if part]


def private_api_uses(source: str) -> List[Tuple[int, str]]:
    """``(line, code)`` of every use of a private name in ``source``: an
    import of a private name or from a private module, an attribute
    ``x._y`` where ``x`` is not ``self`` / ``cls``, or a string that names
    one (``getattr(obj, '_y')``, ``'torch._utils'``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            # relative imports are of our own modules
            if node.level == 0 and any(
                    _is_private(p) for p in _module_parts(node.module or '')
                    + [a.name for a in node.names]):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Import):
            if any(_is_private(p) for a in node.names
                   for p in a.name.split('.')):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Attribute):
            owner = ast.unparse(node.value)
            if _is_private(node.attr) and owner not in ('self', 'cls'):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Call) and _names_private(node):
            found.append((node.lineno, ast.unparse(node)))
    return sorted(found)


def _names_private(call: ast.Call) -> bool:
    """``getattr(x, '_y')`` (also ``setattr`` / ``hasattr``), or an import
    by name of a private module (``importlib.import_module('torch._utils')``,
    ``__import__('torch._utils')``). Other strings are data (e.g. the
    ``(module, name)`` allow-list of a restricted unpickler)."""
    func = ast.unparse(call.func)
    if func in ('getattr', 'setattr', 'hasattr', 'delattr'):
        arg, private = 1, _is_private
    elif func in ('importlib.import_module', 'import_module', '__import__'):
        arg, private = 0, PRIVATE_DOTTED.match
    else:
        return False
    return (len(call.args) > arg and isinstance(call.args[arg], ast.Constant)
            and isinstance(call.args[arg].value, str)
            and bool(private(call.args[arg].value)))


def long_functions(source: str,
                   limit: int = MAX_FUNCTION_LINES) -> List[Tuple[int, str,
                                                                  int]]:
    """``(line, name, length)`` of every function (nested ones too) longer
    than ``limit`` lines, decorators excluded, docstring included."""
    return sorted((node.lineno, node.name, node.end_lineno - node.lineno + 1)
                  for node in ast.walk(ast.parse(source))
                  if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.end_lineno - node.lineno + 1 > limit)


def _package_files() -> Iterator[Path]:
    return sorted(PACKAGE.rglob('*.py'))


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO))


# ---------------------------------------------------------- the rules hold
def test_no_private_upstream_api_outside_compat():
    uses = [f'{_rel(path)}:{line}: {code}' for path in _package_files()
            if path != COMPAT
            for line, code in private_api_uses(path.read_text())]
    assert not uses, ('private APIs used outside tiny_action/compat.py '
                      '(use the public API, or a named shim in compat.py):\n'
                      + '\n'.join(uses))


def test_no_machine_specific_shared_path():
    files = [p for p in sorted((REPO / 'configs').rglob('*')) if p.is_file()]
    files += list(_package_files())
    hits = [f'{_rel(p)}:{i}: {line.strip()}' for p in files
            for i, line in enumerate(p.read_text().splitlines(), 1)
            if '../shared' in line]
    assert not hits, ('configs and the package must not name ../shared '
                      '(pass the data location in instead):\n' +
                      '\n'.join(hits))


def test_no_function_over_100_lines():
    long = [f'{_rel(path)}:{line}: {name} has {length} lines'
            for path in _package_files()
            for line, name, length in long_functions(path.read_text())]
    assert not long, (f'functions over {MAX_FUNCTION_LINES} lines (split '
                      'them into steps with one job each):\n' +
                      '\n'.join(long))


def test_the_scan_reads_the_whole_package():
    names = {_rel(p) for p in _package_files()}
    for expected in ('projects/tiny_action/compat.py',
                     'projects/tiny_action/models/recognizers/'
                     'dual_resolution.py',
                     'projects/tiny_action/tools/distillation/student.py'):
        assert expected in names
    assert len(names) > 40


# ------------------------------------------------- the rules catch breakage
@pytest.mark.parametrize('code', [
    'from mmengine.runner.checkpoint import _load_checkpoint',
    'from mmengine.runner.checkpoint import load_checkpoint, _x',
    'from torch._utils import _rebuild_tensor_v2',
    'import torch._utils',
    'Config._merge_a_into_b({}, {})',
    'torch.storage._load_from_bytes(b)',
    'model.teacher._forward(x)',
    'model._is_init = True',
    "getattr(torch, '_C')",
    "importlib.import_module('torch._utils')",
    "__import__('torch._utils.x')",
])
def test_private_api_scan_finds(code):
    assert private_api_uses(code) == [(1, private_api_uses(code)[0][1])]


@pytest.mark.parametrize('code', [
    'from mmengine.runner import load_checkpoint',
    'from .version import __version__',
    'from ._helpers import _thing',  # our own modules, relative
    'self._cache = {}',
    'cls._registry[k] = v',
    'x.__class__.__name__',
    "'_private words in prose'",
    "'torch.utils.data'",
    "ALLOWED = {('torch._utils', '_rebuild_tensor_v2'): rebuild}",
    "importlib.import_module('torch.utils.data')",
    "getattr(obj, 'public', None)",
])
def test_private_api_scan_accepts(code):
    assert private_api_uses(code) == []


def test_long_function_scan():
    body = '\n'.join(f'    x{i} = {i}' for i in range(99))
    assert long_functions(f'def ok():\n{body}\n') == []
    assert long_functions(f'def f():\n{body}\n    y = 1\n') == [(1, 'f', 101)]
    nested = f'class A:\n    def m(self):\n        def g():\n' + '\n'.join(
        f'            x{i} = {i}' for i in range(100))
    assert long_functions(nested) == [(2, 'm', 102), (3, 'g', 101)]
