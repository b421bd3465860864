"""Static scan of the cells a student wrote, for the instructor: monkeypatching of libraries or
of the course, edits to sys.modules or builtins, IPython hooks, reads outside the working
directory, changing directory and running commands. A flag is a reason to look, not a grade."""

import ast

from IPython.core.inputtransformer2 import TransformerManager

from course.grading import cells as marks

WATCHED = {"np", "numpy", "math", "builtins", "__builtins__", "checks", "course", "gradcheck",
           "activations", "sys", "os", "IPython", "scipy", "sklearn", "torch"}
HOOKS = {"register", "register_magic_function", "set_custom_exc", "set_hook", "settrace",
         "setprofile", "excepthook", "displayhook", "input_transformers_post",
         "input_transformers_cleanup", "ast_transformers", "register_magics", "atexit"}
FILE_CALLS = {"open", "Path", "listdir", "scandir", "walk", "glob", "iglob", "read_csv", "load",
              "loadtxt", "genfromtxt", "read_text", "read_bytes", "stat", "exists", "chdir", "rmtree",
              "remove", "unlink", "copy", "copyfile", "rename"}
SHELL_CALLS = {"system", "popen", "Popen", "run", "call", "check_call", "check_output", "spawn",
               "execv", "execve", "fork", "getoutput"}


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _outside(value):
    return isinstance(value, str) and (value.startswith(("/", "~")) or ".." in value.split("/"))


class _Scanner(ast.NodeVisitor):
    def __init__(self):
        self.found = []

    def flag(self, node, text):
        self.found.append((getattr(node, "lineno", 0), text))

    def _target(self, target, node):
        if isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._target(t, node)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            root, name = _root(target), _dotted(target) or _root(target)
            if root in WATCHED:
                what = "sys.modules" if name.startswith("sys.modules") or (
                    isinstance(target, ast.Subscript) and _dotted(target.value) == "sys.modules") else name
                self.flag(node, f"replaces {what}")
        elif isinstance(target, ast.Name) and target.id in ("__builtins__",):
            self.flag(node, "replaces __builtins__")

    def visit_Assign(self, node):
        for target in node.targets:
            self._target(target, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._target(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            self._target(target, node)
        self.generic_visit(node)

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name in ("builtins", "ctypes", "gc", "inspect", "importlib", "subprocess"):
                self.flag(node, f"imports {alias.name}")
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if node.module in ("builtins", "ctypes", "gc", "inspect", "importlib", "subprocess"):
            self.flag(node, f"imports from {node.module}")
        self.generic_visit(node)

    def visit_Call(self, node):
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        if last in ("setattr", "delattr") and node.args and _root(node.args[0]) in WATCHED | {"sys"}:
            self.flag(node, f"{last} on {_dotted(node.args[0]) or _root(node.args[0])}")
        elif last in HOOKS or name.startswith(("sys.settrace", "sys.setprofile", "atexit.")):
            self.flag(node, f"installs a hook ({name})")
        elif last in ("run_line_magic", "run_cell_magic", "system", "getoutput") and (
                _root(node.func) is None or _root(node.func) == "get_ipython"):
            arg = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else ""
            self.flag(node, f"runs a magic or shell command ({arg or name})")
        elif last == "chdir":
            self.flag(node, "changes directory")
        elif last in SHELL_CALLS and _root(node.func) in ("os", "subprocess", "pty", "shutil"):
            self.flag(node, f"runs a command ({name})")
        elif last in FILE_CALLS and any(_outside(a.value) for a in node.args if isinstance(a, ast.Constant)):
            self.flag(node, f"reads or writes outside the working directory ({name})")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in ("__file__", "__globals__", "__code__", "__closure__", "__subclasses__") \
                and isinstance(node.ctx, ast.Load):
            self.flag(node, f"uses {node.attr}")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in ("In", "_ih", "Out", "_oh", "__builtins__") and isinstance(node.ctx, ast.Load):
            self.flag(node, f"reads {node.id}")
        self.generic_visit(node)


def scan_source(source):
    """[(line, what)] for one cell's source (IPython magics included)."""
    try:
        code = TransformerManager().transform_cell(source)
        tree = ast.parse(code)
    except Exception:
        return [(0, "does not parse as Python")]
    scanner = _Scanner()
    scanner.visit(tree)
    return sorted(set(scanner.found))


def scan_notebook(nb, is_student_cell):
    """['cell <id> line <n>: <what>'] for the student's code cells of ``nb``."""
    out = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not is_student_cell(cell):
            continue
        label = marks.grade_id(cell) or f"#{index + 1}"
        for line, what in scan_source(cell.source):
            out.append(f"cell {label} line {line}: {what}")
    return out
