"""Rows of the authorisation matrix contributed by each capability, one module per capability.

Each module defines `ROWS` (name → (method, expected answer per role)), `ELSEWHERE` (object URL →
answer for another territory's object, or (role, answer) to try it with a role that may act on
such objects at home) and `objects(territory, where, users)` returning the URL
arguments of its object URLs, built in `where` (our territory or another one). Modules here are
discovered: a new capability adds a module, not a line in the main test.
"""

import importlib
import pkgutil


def extensions():
    for info in pkgutil.iter_modules(__path__):
        yield importlib.import_module(f"{__name__}.{info.name}")
