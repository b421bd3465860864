"""Kernel-side tamper guard, started by the grader before any notebook cell runs.

``install()`` records the functions the tests rely on (numpy and numpy.testing, math, key
builtins, the course's checks, the modules in sys.modules) and IPython's hooks; the returned
function says what has been replaced since (``replaced``) and what else changed (``notes``:
hooks added by the student's code, the working directory). The grader calls it after every test
cell: a test that ran with a replaced function scores zero. This complements ``course.checks``,
which fails a check when it notices a replacement itself.
"""


TRUSTED = ("IPython", "ipykernel", "matplotlib", "matplotlib_inline", "ipywidgets", "traitlets",
           "comm", "jupyter")
BUILTINS = ("abs", "all", "any", "bool", "dict", "enumerate", "float", "getattr", "hasattr",
            "int", "isinstance", "iter", "len", "list", "map", "max", "min", "next", "range",
            "repr", "round", "sorted", "str", "sum", "tuple", "type", "zip", "print", "setattr",
            "callable", "abs", "pow", "divmod", "id", "issubclass", "super", "object", "__import__")


def install():
    import builtins
    import math
    import os
    import sys

    import numpy
    import numpy.linalg
    import numpy.testing

    from course import activations, checks, gradcheck

    spaces = {"numpy": numpy, "numpy.testing": numpy.testing, "numpy.linalg": numpy.linalg,
              "math": math, "course.checks": checks, "course.gradcheck": gradcheck,
              "course.activations": activations}
    saved = []
    for label, module in spaces.items():
        for name in dir(module):
            obj = getattr(module, name, None)
            if callable(obj) and not name.startswith("__"):
                saved.append((label, module.__dict__, name, obj))
    for name in BUILTINS:   # not input/print helpers the kernel itself swaps per request
        saved.append(("builtins", builtins.__dict__, name, getattr(builtins, name)))
    for name in ("numpy", "numpy.testing", "math", "builtins", "course.checks", "course"):
        if name in sys.modules:
            saved.append(("sys.modules", sys.modules, name, sys.modules[name]))
    saved = tuple(saved)
    shell = get_ipython()  # noqa: F821 (defined in the kernel)
    cwd = os.getcwd()
    getcwd, missing = os.getcwd, object()

    def foreign(callbacks):
        return [getattr(f, "__qualname__", repr(f)) for f in callbacks
                if not str(getattr(f, "__module__", "") or "").startswith(TRUSTED)]

    def changed():
        replaced = [f"{label}.{name}" for label, space, name, obj in saved
                    if space.get(name, missing) is not obj]
        notes = []
        hooks = [name for callbacks in shell.events.callbacks.values() for name in foreign(callbacks)]
        hooks += foreign(shell.input_transformers_post) + foreign(shell.input_transformers_cleanup)
        hooks += [type(t).__qualname__ for t in shell.ast_transformers
                  if not type(t).__module__.startswith(TRUSTED)]
        if hooks:
            notes.append("IPython hooks added: " + ", ".join(sorted(set(hooks))[:5]))
        try:
            if getcwd() != cwd:
                notes.append("changed the working directory")
        except OSError:
            notes.append("changed the working directory")
        return {"replaced": replaced, "notes": notes}

    return changed
