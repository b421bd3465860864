"""What a notebook cell does to the notebook's names, read from its code (no kernel).

The grader uses it to know where each name a test reads comes from (the instructor's cells, the
student's answers or the test cells themselves) and which statements of an instructor cell
compute it (``slice_statements``); the test suite uses it to pack wrong catalogue answers into
shared graded students. The analysis errs on the side of seeing a dependency:

- a cell *binds* the names it assigns in the notebook's namespace (a plain statement rebinds for
  certain; one inside ``if``/``for``/``try`` may not);
- it *mutates* a notebook name when it stores an attribute or item on it (``Layer.backward = f``,
  ``params["W"] = w``), calls a method on it, or passes it to a function that is not imported (a
  student's function may change its arguments in place) — in functions too, for the names they
  do not hold locally;
- it *uses* every notebook name it reads before binding it, and every name its functions read
  from the notebook's namespace, unless the cell binds that name itself.

Names bound by imports are modules or course functions: calling them changes nothing, storing on
them (``np.allclose = ...``) does. Calling a method of ``PURE_METHODS`` (``X.copy()``,
``X.sum()``) changes nothing either, nor does calling a notebook function that *keeps its
arguments* (``keeps_arguments``: no store, in-place operation or unknown call can reach them), and
a function passed as an argument (``check(forward)``) is not changed by it. A cell the analysis cannot follow (``exec``, ``globals()``,
``setattr``, ``global``, ``del``, imports of ``builtins``/``sys``/``os``..., a syntax error) is
*opaque*: it may change everything.
"""

import ast
import functools

OPAQUE_NAMES = {"exec", "eval", "compile", "globals", "locals", "vars", "setattr", "delattr",
                "__import__", "open", "__builtins__", "get_ipython"}
OPAQUE_MODULES = {"builtins", "sys", "os", "importlib", "ctypes", "gc", "inspect", "shutil",
                  "subprocess", "signal", "resource", "threading", "multiprocessing", "pathlib"}
PURE_BUILTINS = {"len", "print", "range", "float", "int", "bool", "str", "repr", "format", "list",
                 "tuple", "dict", "set", "frozenset", "sorted", "zip", "enumerate", "abs", "min",
                 "max", "sum", "round", "isinstance", "issubclass", "type", "any", "all", "map",
                 "filter", "hasattr", "getattr", "callable", "divmod", "pow", "id", "hash", "reversed"}
# Methods of arrays, lists and dicts that return something new and change nothing.
PURE_METHODS = {"copy", "sum", "mean", "std", "var", "min", "max", "argmin", "argmax", "reshape",
                "ravel", "flatten", "transpose", "astype", "dot", "item", "tolist", "squeeze",
                "round", "cumsum", "any", "all", "nonzero", "keys", "values", "items", "get",
                "count", "index", "format", "startswith", "endswith", "split", "join", "strip"}
# Library calls that return a new object (so a name bound by them is the function's own).
FRESH_CALLS = {"zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like",
               "full_like", "array", "copy", "arange", "linspace", "eye", "identity", "deepcopy"}
# Library calls that change an argument in place (besides any call given ``out=``).
MUTATING_CALLS = {"shuffle", "copyto", "put", "place", "putmask", "fill_diagonal", "at", "resize",
                  "put_along_axis"}
EVERYTHING = "*"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
           ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@functools.lru_cache(maxsize=4096)
def _parse(source):
    """A cell's syntax tree, parsed once (the analysis reads it and never changes it)."""
    return ast.parse(source)


def _base_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _imports_opaque_module(node):
    """Whether an import statement brings in a module that can change anything (sys, os...)."""
    modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    return any(m.split(".")[0] in OPAQUE_MODULES for m in modules)


def imported_names(source):
    """Names a cell binds by ``import`` at top level."""
    try:
        tree = _parse(source)
    except SyntaxError:
        return set()
    return {alias.asname or alias.name.split(".")[0]
            for stmt in tree.body if isinstance(stmt, (ast.Import, ast.ImportFrom)) for alias in stmt.names}


def _scope_locals(node):
    """Names local to a function, lambda, class body or comprehension."""
    names = set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = node.args
        names |= {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
        names |= {x.arg for x in (a.vararg, a.kwarg) if x}
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        body = [g.target for g in node.generators]
    else:
        body = node.body if isinstance(node.body, list) else [node.body]
    todo = list(body)
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            names.add(n.id)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
            continue
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            names |= {a.asname or a.name.split(".")[0] for a in n.names}
        if not isinstance(n, _SCOPES):
            todo.extend(ast.iter_child_nodes(n))
    return names


def _fresh_value(node, imported):
    """Whether an expression certainly makes a new object (a literal, arithmetic, a copy)."""
    if isinstance(node, (ast.Constant, ast.List, ast.Dict, ast.Set, ast.Tuple, ast.ListComp,
                         ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.JoinedStr, ast.BinOp,
                         ast.UnaryOp, ast.Compare, ast.BoolOp)):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in FRESH_CALLS:
            return func.attr == "copy" or _base_name(func) in imported
        if isinstance(func, ast.Name):
            return func.id in imported and func.id in FRESH_CALLS or func.id in {"list", "dict", "set"}
    return False


def keeps_arguments(fn, keeping=frozenset(), imported=frozenset()):
    """Whether calling the function ``fn`` (an ``ast.FunctionDef``) leaves every argument as it
    was: nothing is stored on or done in place to a name that is not the function's own new
    object (``grads = {}``, ``Z = X @ W``), and every call it makes is a library call that changes
    nothing, a method of ``PURE_METHODS``, or a function of ``keeping``. Errs towards False."""
    ok, callees = _argument_facts(fn, imported)
    return ok and callees <= keeping


def _argument_facts(fn, imported):
    """(whether ``fn`` keeps its arguments provided the functions it calls by name do, the
    names of those functions)."""
    fresh, other, judged = set(), set(), set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            (fresh if _fresh_value(node.value, imported) else other).update(t.id for t in node.targets)
            judged.update(id(t) for t in node.targets)
        elif isinstance(node, ast.AugAssign):   # in place on what the name holds: judged below
            judged.add(id(node.target))
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and id(node) not in judged:
            other.add(node.id)      # for-loop targets, unpacking, with ... as: maybe not new
        elif isinstance(node, ast.arg):
            other.add(node.arg)
    own, callees = fresh - other, set()
    for node in ast.walk(fn):
        if isinstance(node, (ast.Global, ast.Nonlocal, ast.Delete)):
            return False, frozenset()
        if isinstance(node, (ast.Import, ast.ImportFrom)) and _imports_opaque_module(node):
            return False, frozenset()
        if isinstance(node, ast.Name) and node.id in OPAQUE_NAMES:
            return False, frozenset()
        if isinstance(node, ast.AugAssign) and _base_name(node.target) not in own:
            return False, frozenset()
        if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if _base_name(node) not in own:
                return False, frozenset()
        if isinstance(node, ast.Call):
            if any(k.arg == "out" for k in node.keywords):
                return False, frozenset()
            func, base = node.func, _base_name(node.func)
            if isinstance(func, ast.Attribute):
                if base in imported and isinstance(func.value, (ast.Name, ast.Attribute)):
                    ok = func.attr not in MUTATING_CALLS
                else:
                    ok = func.attr in PURE_METHODS or (base in own and isinstance(func.value, ast.Name))
            elif isinstance(func, ast.Name):
                ok = func.id in PURE_BUILTINS or (func.id in imported and func.id not in MUTATING_CALLS)
                if not ok and func.id not in imported:
                    callees.add(func.id)      # fine if it keeps its arguments too
                    ok = True
            else:
                ok = False
            if not ok:
                return False, frozenset()
    return True, frozenset(callees)


@functools.lru_cache(maxsize=4096)
def _cell_functions(source, imported):
    """(top-level defs as (name, keeps-if-its-callees-do, callees), other names the cell binds)."""
    try:
        tree = _parse(source)
    except SyntaxError:
        return (), frozenset()
    top = [st for st in tree.body if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef))]
    names = CellNames(source, imported)
    return (tuple((st.name, *_argument_facts(st, imported)) for st in top),
            frozenset(names.binds | names.maybe_binds) - {st.name for st in top})


def notebook_functions(sources, imported=frozenset(), known=None):
    """(functions, keeping) for a notebook's code cells: the names only ever bound by a top-level
    ``def``, and those of them whose every definition keeps its arguments (``keeps_arguments``;
    a function calling another one relies on that one keeping them too). ``known``: {name: keeps}
    for functions defined in cells whose code is not in ``sources``."""
    known = known or {}
    facts, others = {name: [(keeps, frozenset())] for name, keeps in known.items()}, set()
    for source in sources:
        defs, bound = _cell_functions(source, frozenset(imported))
        for name, ok, callees in defs:
            facts.setdefault(name, []).append((ok, callees))
        others |= bound
    functions = frozenset(facts) - others
    keeping = {name for name in functions if all(ok for ok, _ in facts[name])}
    while True:
        drop = {name for name in keeping if not all(callees <= keeping for _, callees in facts[name])}
        if not drop:
            return functions, frozenset(keeping)
        keeping -= drop


class CellNames:
    """What one cell binds, may bind, mutates and uses of the notebook's names; ``opaque`` when
    it cannot be followed. ``imported`` is every name the notebook binds by import; ``keeping``
    the notebook functions that keep their arguments (``notebook_functions``)."""

    def __init__(self, source, imported=frozenset(), keeping=frozenset()):
        self.imported = imported
        self.keeping = keeping
        self.binds, self.maybe_binds, self.mutates, self.uses = set(), set(), set(), set()
        self.stored = set()          # names with an attribute or item stored on them
        self.inner_uses = set()      # notebook names read inside functions, at call time
        self.opaque = False
        try:
            tree = _parse(source)
        except SyntaxError:
            self.opaque = True
            return
        self._block(tree.body, certain=True)
        self.uses |= self.inner_uses - self.binds - self.maybe_binds

    # -- the notebook's namespace, statement by statement ---------------------------------------
    def _block(self, stmts, certain):
        for stmt in stmts:
            self._statement(stmt, certain)

    def _statement(self, stmt, certain):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for d in stmt.decorator_list:
                self._expr(d, None)
            if not isinstance(stmt, ast.ClassDef):
                for d in stmt.args.defaults + [d for d in stmt.args.kw_defaults if d]:
                    self._expr(d, None)
            else:
                for b in stmt.bases:
                    self._expr(b, None)
            self._inner(stmt, set())
            self._bind(stmt.name, certain)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.opaque |= _imports_opaque_module(stmt)
            for alias in stmt.names:
                self._bind(alias.asname or alias.name.split(".")[0], certain)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            if stmt.value is not None:
                self._expr(stmt.value, None)
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                if isinstance(stmt, ast.AugAssign):
                    self._expr(t if not isinstance(t, ast.Name) else ast.Name(t.id, ast.Load()), None)
                self._target(t, certain)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._expr(stmt.iter, None)
            self._target(stmt.target, False)
            self._block(stmt.body + stmt.orelse, False)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self._expr(item.context_expr, None)
                if item.optional_vars is not None:
                    self._target(item.optional_vars, certain)
            self._block(stmt.body, certain)
        elif isinstance(stmt, (ast.If, ast.While)):
            self._expr(stmt.test, None)
            self._block(stmt.body + stmt.orelse, False)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self._block(stmt.body, False)
            for h in stmt.handlers:
                if h.type is not None:
                    self._expr(h.type, None)
                if h.name:
                    self._bind(h.name, False)
                self._block(h.body, False)
            self._block(stmt.orelse + stmt.finalbody, False)
        elif isinstance(stmt, (ast.Global, ast.Nonlocal, ast.Delete)):
            self.opaque = True
        else:   # Expr, Assert, Raise, Return, Pass, Match...: read what they read
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self._expr(child, None)
                elif isinstance(child, ast.stmt):
                    self._statement(child, False)

    def _bind(self, name, certain):
        (self.binds if certain else self.maybe_binds).add(name)

    def _target(self, target, certain):
        if isinstance(target, ast.Name):
            self._bind(target.id, certain)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._target(t, certain)
        elif isinstance(target, ast.Starred):
            self._target(target.value, certain)
        else:   # x.attr = ..., x[i] = ...: mutates x
            self._expr(target, None)

    # -- expressions, in the notebook's namespace (local is None) or in a function's ------------
    def _is_notebook_name(self, name, local):
        return local is None or name not in local

    def _expr(self, node, local):
        if isinstance(node, _SCOPES):
            self._inner(node, local or set())
            return
        if isinstance(node, ast.Name):
            if node.id in OPAQUE_NAMES:
                self.opaque = True
            if isinstance(node.ctx, ast.Load) and self._is_notebook_name(node.id, local):
                if local is None:
                    if node.id not in self.binds | self.maybe_binds:
                        self.uses.add(node.id)
                else:
                    self.inner_uses.add(node.id)
            return
        if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            base = _base_name(node)
            if base and self._is_notebook_name(base, local):
                self.mutates.add(base)
                self.stored.add(base)
        elif isinstance(node, ast.Call):
            callee = _base_name(node.func)
            method_on = callee if isinstance(node.func, ast.Attribute) else None
            if method_on and method_on not in self.imported and self._is_notebook_name(method_on, local) \
                    and node.func.attr not in PURE_METHODS:
                self.mutates.add(method_on)   # a method may change its object
            trusted = callee in self.imported or (
                isinstance(node.func, ast.Name) and (callee in PURE_BUILTINS or callee in self.keeping))
            trusted = trusted and not any(k.arg == "out" for k in node.keywords) and \
                not (isinstance(node.func, ast.Attribute) and node.func.attr in MUTATING_CALLS)
            if not trusted:
                for arg in list(node.args) + [k.value for k in node.keywords]:
                    base = _base_name(arg)
                    # A module passed along (np.float32) is changed only by a store, seen as such.
                    if base and base not in self.imported and self._is_notebook_name(base, local):
                        self.mutates.add(base)
        elif isinstance(node, ast.NamedExpr):
            self._expr(node.value, local)
            if local is None:
                self._bind(node.target.id, False)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self._expr(child, local)
            elif isinstance(child, ast.keyword):
                self._expr(child.value, local)

    def _inner(self, node, enclosing):
        """A function, lambda, class body or comprehension: what it reads from and does to the
        notebook's namespace when it runs."""
        local = enclosing | _scope_locals(node)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            parts = [node.elt] if not isinstance(node, ast.DictComp) else [node.key, node.value]
            for gen in node.generators:
                parts += [gen.iter] + gen.ifs
        elif isinstance(node, ast.Lambda):
            parts = [node.body] + node.args.defaults
        else:
            parts = node.body
        todo = list(parts)
        while todo:
            n = todo.pop()
            if isinstance(n, (ast.Global, ast.Nonlocal)):
                self.opaque = True
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._inner(n, local)
            elif isinstance(n, ast.expr):
                self._expr(n, local)
            else:
                if isinstance(n, (ast.Import, ast.ImportFrom)):
                    self.opaque |= _imports_opaque_module(n)
                if isinstance(n, ast.Delete):
                    self.opaque = True
                todo.extend(ast.iter_child_nodes(n))

    def changes(self, functions=frozenset()):
        """Notebook names this cell may rebind or change (EVERYTHING when opaque). A name of
        ``functions`` (only ever bound by ``def``) is changed only by storing on it: passing
        it to a function changes the function's arguments' values, not the function."""
        if self.opaque:
            return {EVERYTHING}
        return self.binds | self.maybe_binds | (self.mutates - (functions - self.stored))


def python_source(source):
    """A cell's source as plain Python (IPython magics and shell escapes turned into calls)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:
        return source


def _statement_source(lines, stmt):
    first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
    return "\n".join(lines[first - 1:stmt.end_lineno])


def slice_statements(source, needed, imported=frozenset(), keeping=frozenset(), functions=frozenset()):
    """The top-level statements of ``source`` that bind or may change a name in ``needed`` (and
    the ones those read from), as source text in their order; and the notebook names that text
    reads from before it. A statement the analysis cannot follow is always kept. ``keeping`` and
    ``functions``: see ``notebook_functions``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source, set(needed)
    lines = source.split("\n")
    # What a library call made here (fig, ax = plt.subplots()) is the library's: drawing with it
    # changes none of the notebook's data.
    trusted = set(imported)
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and \
                _base_name(stmt.value.func) in imported:
            for target in stmt.targets:
                trusted |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    trusted = frozenset(trusted)
    want, keep = set(needed), []
    for stmt in reversed(tree.body):
        text = _statement_source(lines, stmt)
        names = CellNames(text, trusted, keeping)
        if names.opaque or names.changes(functions) & want:
            keep.append(text)
            want -= names.binds
            want |= names.uses
    return "\n".join(reversed(keep)), want
