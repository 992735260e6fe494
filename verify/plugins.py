"""Loading user-defined claims (``verify check --import``).

A user states a claim in a module or a ``.py`` file (copy `verify/claims/template.py`) and
registers it with `verify.register`; `load_claims` imports it, so that its claims run
through ``verify check`` exactly like built-in ones, and remembers which file a module came
from, so that records can name it and ``verify reproduce`` can load it again.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from types import ModuleType

__all__ = ["load_claims", "module_file"]


_FILE_OF_MODULE: dict[str, str] = {}  # module name -> absolute path it was loaded from
_MODULE_OF_FILE: dict[str, ModuleType] = {}


def load_claims(spec: str) -> ModuleType:
    """Import a module of user-defined claims, by module name or by ``.py`` file path.

    Importing registers the claims it defines (with `verify.register`), so they run through
    ``verify check`` exactly like built-in ones. A file is imported once per process under
    the module name ``_verify_user_<stem>``; its absolute path is remembered so that
    records of its claims name the file and ``verify reproduce`` can load it again.

    Raises:
      ImportError: the module or file cannot be found, or importing it raised; the
        message names `spec` and the cause.
    """
    is_path = spec.endswith(".py") or os.sep in spec or (os.altsep or "\0") in spec
    if not is_path:
        try:
            return importlib.import_module(spec)
        except Exception as e:  # noqa: BLE001  (user code: report any failure the same way)
            raise ImportError(
                f"--import {spec!r}: cannot import module {spec!r}: {type(e).__name__}: {e}"
            ) from e
    path = os.path.abspath(spec)
    if path in _MODULE_OF_FILE:
        return _MODULE_OF_FILE[path]
    if not os.path.isfile(path):
        raise ImportError(f"--import {spec!r}: expected a .py file; no file at {path}")
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    name = f"_verify_user_{stem}"
    if name in sys.modules:
        other = getattr(sys.modules[name], "__file__", None)
        raise ImportError(
            f"--import {spec!r}: a different file with the same name is already loaded "
            f"({other}); rename one of them"
        )
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"--import {spec!r}: cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # dataclasses and typing look the module up while it runs
    try:
        module_spec.loader.exec_module(module)
    except Exception as e:  # noqa: BLE001
        del sys.modules[name]
        raise ImportError(f"--import {spec!r}: importing {path} raised {type(e).__name__}: {e}") from e
    _FILE_OF_MODULE[name] = path
    _MODULE_OF_FILE[path] = module
    return module


def module_file(name: str) -> str | None:
    """The absolute path a module of user claims was loaded from by `load_claims` (a
    ``.py`` file), or None (a module imported by name, or not loaded here)."""
    return _FILE_OF_MODULE.get(name)
