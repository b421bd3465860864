"""Plain data across the boundary between the tests and the student's kernel.

The tests run in a process of their own; the student's code runs in a sandboxed kernel. Between
the two, only data crosses by value: None, booleans, integers, floats, complex numbers,
strings, bytes, numpy arrays and scalars of a numeric or boolean dtype, numpy random Generators
(their state), and lists, tuples, named tuples, sets and dicts of these. Everything else stays
where it lives and crosses as a reference ({"t": "ref", ...}), which the caller turns into a
stand-in (``encode``'s ``refer``, ``decode``'s ``resolve``).

``decode`` is strict: it builds only the types above, checks every array's dtype, shape and
size, and refuses deep or huge structures, so whatever a lying kernel sends, the tests receive
plain numbers or a clear ``BoundaryError``. The kernel runs this same file (sent as source), so
it depends on the standard library and numpy only.
"""

import base64
import collections
import json
import keyword

import numpy as np

MAX_DEPTH = 64
MAX_BYTES = 256 * 1024 * 1024      # decoded array bytes per message
NUMERIC_KINDS = "biufc"
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class BoundaryError(Exception):
    """What came across is not plain data (or is too big); the message says why."""


def _is_namedtuple(value):
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


# -- encoding (both sides) ------------------------------------------------------------------------

def encode(value, refer, tag=None):
    """JSON text for ``value``. ``refer(obj)`` gives the reference dict for what is not data;
    ``tag(obj)`` (optional) extra fields for an array or a Generator, so that what the other
    side does to it in place can be copied back."""
    return json.dumps(_enc(value, refer, tag, 0), allow_nan=True, separators=(",", ":"))


def _array(a):
    a = a if a.flags.c_contiguous else a.copy(order="C")   # (ascontiguousarray makes 0-d 1-d)
    return {"t": "a", "d": a.dtype.str, "s": list(a.shape), "b": base64.b64encode(a.tobytes()).decode("ascii")}


def _enc(v, refer, gen, depth):
    if depth > MAX_DEPTH:
        return refer(v)
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is int:
        return v if abs(v) < 2 ** 63 else {"t": "bigint", "v": str(v)}
    if t is float:
        return v if v == v and v not in (float("inf"), float("-inf")) else {"t": "f", "v": repr(v)}
    if t is complex:
        return {"t": "c", "v": [_enc(v.real, refer, gen, depth), _enc(v.imag, refer, gen, depth)]}
    if t is bytes:
        return {"t": "bytes", "b": base64.b64encode(v).decode("ascii")}
    if isinstance(v, np.ndarray) and v.dtype.kind in NUMERIC_KINDS and not v.dtype.fields:
        return {**_array(v), **(gen(v) if gen else {})}
    if isinstance(v, np.generic) and v.dtype.kind in NUMERIC_KINDS:
        return {"t": "s", **{k: x for k, x in _array(np.asarray(v)).items() if k != "t"}}
    if isinstance(v, np.random.Generator):
        return {"t": "g", "s": _enc(v.bit_generator.state, refer, gen, depth + 1), **(gen(v) if gen else {})}
    if _is_namedtuple(v):
        return {"t": "nt", "n": type(v).__name__, "f": list(type(v)._fields),
                "v": [_enc(x, refer, gen, depth + 1) for x in v]}
    if isinstance(v, list):
        return [_enc(x, refer, gen, depth + 1) for x in v]
    if isinstance(v, tuple):
        return {"t": "tu", "v": [_enc(x, refer, gen, depth + 1) for x in v]}
    if isinstance(v, (set, frozenset)):
        return {"t": "set", "v": [_enc(x, refer, gen, depth + 1) for x in v]}
    if isinstance(v, dict):
        return {"t": "d", "k": [_enc(k, refer, gen, depth + 1) for k in v],
                "v": [_enc(x, refer, gen, depth + 1) for x in v.values()]}
    return refer(v)


# -- decoding (strict) ------------------------------------------------------------------------------

_NAMEDTUPLES = {}


def _namedtuple(name, fields):
    if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name) and len(name) <= 64):
        raise BoundaryError("a named tuple with an invalid type name")
    if not (isinstance(fields, list) and len(fields) <= 64 and len(set(fields)) == len(fields) and all(
            isinstance(f, str) and f.isidentifier() and not keyword.iskeyword(f) and not f.startswith("_")
            for f in fields)):
        raise BoundaryError("a named tuple with invalid field names")
    key = (name, tuple(fields))
    if key not in _NAMEDTUPLES:
        _NAMEDTUPLES[key] = collections.namedtuple(name, fields)
    return _NAMEDTUPLES[key]


def make_generator(state):
    """A numpy Generator in ``state`` (a bit generator's state dict)."""
    if not isinstance(state, dict) or state.get("bit_generator") not in BIT_GENERATORS:
        raise BoundaryError("a random generator of an unknown kind")
    rng = np.random.Generator(getattr(np.random, state["bit_generator"])())
    try:
        rng.bit_generator.state = state
    except Exception:
        raise BoundaryError("a random generator with an invalid state") from None
    return rng


class _Budget:
    def __init__(self):
        self.bytes = 0


def decode(text, resolve, tagged=None):
    """The value ``text`` encodes. ``resolve(ref_dict)`` turns references into stand-ins;
    ``tagged(obj, raw)`` (optional) is told about every array and Generator built from a tagged
    encoding (see ``encode``)."""
    if isinstance(text, (bytes, bytearray)):
        text = text.decode("utf-8", errors="strict")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise BoundaryError(f"not valid data ({type(error).__name__})") from None
    return _dec(raw, resolve, tagged, 0, _Budget())


def _b64(text, budget):
    if not isinstance(text, str):
        raise BoundaryError("bytes that are not base64 text")
    budget.bytes += len(text) * 3 // 4
    if budget.bytes > MAX_BYTES:
        raise BoundaryError(f"more than {MAX_BYTES // 2 ** 20} MiB of data")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise BoundaryError("bytes that are not base64 text") from None


def _dec_array(r, budget):
    try:
        dtype = np.dtype(r["d"]) if isinstance(r.get("d"), str) and len(r["d"]) <= 8 else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in NUMERIC_KINDS or dtype.fields or dtype.hasobject:
        raise BoundaryError("an array of a type that is not numbers")
    shape = r.get("s")
    if not (isinstance(shape, list) and len(shape) <= 32 and all(type(n) is int and n >= 0 for n in shape)):
        raise BoundaryError("an array with an invalid shape")
    data = _b64(r.get("b"), budget)
    count = 1
    for n in shape:
        count *= n
    if count * dtype.itemsize != len(data):
        raise BoundaryError("an array whose size does not match its shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def _dec(r, resolve, generator, depth, budget):
    if depth > MAX_DEPTH:
        raise BoundaryError("data nested too deeply")
    t = type(r)
    if r is None or t in (bool, str, int):
        return r
    if t is float:
        return r
    if t is list:
        return [_dec(x, resolve, generator, depth + 1, budget) for x in r]
    if t is not dict:
        raise BoundaryError("unknown data")
    kind = r.get("t")

    def items(key="v"):
        v = r.get(key)
        if type(v) is not list:
            raise BoundaryError("malformed data")
        return [_dec(x, resolve, generator, depth + 1, budget) for x in v]

    if kind == "f":
        if r.get("v") not in ("nan", "inf", "-inf"):
            raise BoundaryError("malformed number")
        return float(r["v"])
    if kind == "bigint":
        try:
            return int(r["v"])
        except (KeyError, TypeError, ValueError):
            raise BoundaryError("malformed number") from None
    if kind == "c":
        parts = items()
        if len(parts) != 2 or not all(type(p) in (int, float) for p in parts):
            raise BoundaryError("malformed number")
        return complex(*parts)
    if kind == "bytes":
        return _b64(r.get("b"), budget)
    if kind == "a":
        value = _dec_array(r, budget)
        if generator is not None and "tag" in r:
            generator(value, r)
        return value
    if kind == "s":
        value = _dec_array(r, budget)
        if value.shape != ():
            raise BoundaryError("a scalar with a shape")
        return value[()]
    if kind == "tu":
        return tuple(items())
    if kind == "set":
        try:
            return set(items())
        except TypeError:
            raise BoundaryError("a set of unhashable values") from None
    if kind == "nt":
        values = items()
        cls = _namedtuple(r.get("n"), r.get("f"))
        if len(values) != len(cls._fields):
            raise BoundaryError("a named tuple with the wrong number of values")
        return cls(*values)
    if kind == "d":
        keys, values = items("k"), items("v")
        if len(keys) != len(values):
            raise BoundaryError("malformed dict")
        try:
            return dict(zip(keys, values))
        except TypeError:
            raise BoundaryError("a dict with unhashable keys") from None
    if kind == "g":
        rng = make_generator(_dec(r.get("s"), resolve, generator, depth + 1, budget))
        if generator is not None and "tag" in r:
            generator(rng, r)
        return rng
    if kind == "ref":
        return resolve(r)
    raise BoundaryError("unknown data")
