"""Ball arithmetic for JAX functions: rigorous enclosures by interpreting their jaxprs.

`verify.landscape.certify` proves statements about a loss from enclosures of its gradient
and Hessian in python-flint's ``arb`` balls, but takes them as callables it knows nothing
about. This module builds those callables from the JAX function itself: it traces the
function (or ``jax.grad`` / ``jax.hessian`` of it: the traced derivative programs, not a
symbolic differentiation) with `jax.make_jaxpr` on float64 shapes, and interprets the
jaxpr equation by equation with every float array held as a numpy object array of
``arb`` balls. Every arb operation returns a ball that contains its exact result [1, 2],
so every output ball contains the exact real result of the program: the function the
jaxpr denotes with its operations on real numbers (float64 rounding left out), at the
exact binary64 values of the inputs and constants, or at every point of a box of them.

What is held how:

* float arrays (any precision): numpy object arrays of ``arb``. Float64 inputs and
  constants convert exactly; ``convert_element_type`` between float types is the identity
  (the exact real does not change; float32 rounding is not modelled).
* integer and boolean arrays: plain numpy arrays of their dtype, exact. A primitive with no
  float operand or result and no inner jaxpr (index arithmetic, ``iota``, random bits) runs
  in numpy or, for the rest, through JAX itself (integer arithmetic is exact).
* comparisons of balls (``lt``, ``le``, ``gt``, ``ge``, ``eq``, ``ne``, ``is_finite``,
  ``argmax``, ``argmin``) return exact booleans where the balls decide them, and raise
  `UndecidedComparisonError` where they overlap. Control flow on them (``select_n`` and
  so ``jnp.where``, ``cond``, ``while``) is then exact.
* the same ball object reaching an operation twice is the same exact value: ``x - x`` is 0,
  ``x / x`` is 1 where x excludes 0, ``x == x`` is True. ``max``, ``min``, ``abs`` and
  ``clamp`` return their operand itself where the balls decide which one it is, so the
  derivative programs JAX writes for them (``eq(x, max(x, y))``) stay decidable.
  Where the balls do not decide, ``max``, ``min``, ``abs``, ``sign``, ``floor`` and
  ``ceil`` return an enclosure of the values over the balls instead of raising.

Limits: a primitive outside `SUPPORTED_PRIMITIVES` raises `UnsupportedPrimitiveError`
(``cumsum``, ``sort``, ``gather``, ``scatter``, float-to-integer conversion,
``reduce_precision``, complex numbers among them). Balls widen with every operation
(cancellation of large terms costs precision bits, the dependency problem costs width on
boxes), so a deep program on a wide box gives wide or non-finite balls: ``log`` or ``sqrt``
of a ball reaching below 0, and a division by a ball containing 0, give non-finite balls
(check ``is_finite()``), never an exception. Evaluation is a Python loop over elements:
fine for the small instances certificates are run on, not for large arrays.

References:
  [1] F. Johansson. Arb: efficient arbitrary-precision midpoint-radius interval
      arithmetic. IEEE Transactions on Computers 66 (2017) 1281-1292.
  [2] R. E. Moore, R. B. Kearfott, M. J. Cloud. Introduction to Interval Analysis. SIAM
      (2009), chapters 5-6 (interval extensions of functions and their enclosure property).
"""

from __future__ import annotations

import math
from typing import Callable

from verify import _x64  # noqa: F401

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend import core as jcore

__all__ = [
    "UnsupportedPrimitiveError",
    "UndecidedComparisonError",
    "SUPPORTED_PRIMITIVES",
    "MAX_WHILE_ITERATIONS",
    "evaluate",
    "loss_gradient_hessian",
    "arb_gradient",
    "arb_hessian",
]

#: A ``while`` loop whose predicate is still true after this many iterations is stopped
#: with a RuntimeError: a loop that float64 ends by rounding (``while x + e != x``) never
#: ends on exact values, and the loops in this package's programs run a few hundred times.
MAX_WHILE_ITERATIONS = 1_000_000
#: Digits of the balls that error messages show.
_DIGITS = 8
#: Characters of a jaxpr equation that error messages show (an inner jaxpr can be long).
_EQUATION_CHARS = 300


class UnsupportedPrimitiveError(NotImplementedError):
    """The jaxpr holds a primitive (or a use of one) that ball arithmetic does not support."""


class UndecidedComparisonError(ArithmeticError):
    """A comparison of balls that overlap: its exact outcome may differ between points.

    Attributes: ``primitive`` (its name), ``left`` and ``right`` (the balls as strings;
    ``right`` is None for a test of one ball)."""

    def __init__(self, primitive: str, left, right=None, detail: str = ""):
        self.primitive = primitive
        self.left = _ball_str(left)
        self.right = None if right is None else _ball_str(right)
        balls = f"the ball {self.left}" if right is None else f"the balls {self.left} and {self.right}"
        super().__init__(
            f"ball arithmetic cannot decide {primitive!r} on {balls}{detail}: the outcome can "
            f"differ between the exact values they enclose (use a smaller box, a higher "
            f"precision, or a point away from the boundary)"
        )


# ------------------------------------------------------------------------------ public API


def evaluate(fun: Callable, *args, prec: int = 128):
    """Enclose ``fun(*args)`` in arb balls by interpreting the jaxpr of `fun`.

    Args:
      fun: a JAX-traceable function of arrays (its output a pytree of arrays).
      args: each a float array or number (float64 values, converted to arb exactly), an
        ``arb``, a nested list or numpy object array of ``arb`` (a box; numbers among them
        convert exactly), or an integer / boolean array (held exactly). `fun` is traced on
        float64 ``ShapeDtypeStruct``s of the float arguments' shapes.
      prec: working precision in bits (``flint.ctx.workprec``).

    Returns:
      The outputs of `fun` in its pytree structure, every float array a numpy object array
      of ``arb`` balls of the output's shape: a scalar output is a 0-d object array (its
      ball is ``out[()]``). Integer and boolean outputs are numpy arrays.

    Raises:
      UnsupportedPrimitiveError: the jaxpr holds a primitive this module cannot interpret.
      UndecidedComparisonError: a comparison the program branches on is not decided by the
        balls.
    """
    from flint import ctx

    _validate_prec(prec)
    values = [_argument(f"args[{i}]", a) for i, a in enumerate(args)]
    closed, tree = _trace(fun, [_struct(v) for v in values])
    with ctx.workprec(prec):
        outs = _eval_closed(closed, values)
    return jax.tree_util.tree_unflatten(tree, outs)


def loss_gradient_hessian(loss: Callable, x, prec: int = 128):
    """Enclosures ``(f, g, H)`` of a scalar loss, its gradient and its Hessian at `x`.

    Args:
      loss: a scalar JAX function of a flat float64 vector.
      x: the point, a (d,) float vector (exact binary64 values), or a box, a list of d arb
        balls (then each enclosure holds the value at every point of the box).
      prec: working precision in bits.

    Returns:
      ``f`` an arb ball, ``g`` a list of d arb balls, ``H`` a list of d rows of d arb balls,
      from the jaxprs of `loss`, ``jax.grad(loss)`` and ``jax.hessian(loss)``.
    """
    from flint import ctx

    _validate_prec(prec)
    v = _vector_argument("x", x)
    with ctx.workprec(prec):
        f = _Program(loss, "loss")(v)
        g = _Program(jax.grad(loss), "gradient")(v)
        h = _Program(jax.hessian(loss), "hessian")(v)
    return f[()], list(g), [list(row) for row in h]


def arb_gradient(loss: Callable) -> Callable[[list], list]:
    """``v -> g(v)``: the gradient of `loss` on a list of d arb balls, as d arb balls.

    The `verify.landscape.certify` contract (``ArbFunction``): it runs at the caller's
    working precision (``certify_minimum`` sets it per retry), and the jaxpr of
    ``jax.grad(loss)`` is traced once per dimension d."""
    program = _Program(jax.grad(loss), "gradient")
    return lambda v: list(program(_vector_argument("v", v)))


def arb_hessian(loss: Callable) -> Callable[[list], list]:
    """``v -> H(v)``: the Hessian of `loss` on a list of d arb balls, as d rows of d arb
    balls (``jax.hessian``'s jaxpr; the `verify.landscape.certify` contract, as
    `arb_gradient`)."""
    program = _Program(jax.hessian(loss), "hessian")
    return lambda v: [list(row) for row in program(_vector_argument("v", v))]


class _Program:
    """A function of one float vector, traced once per length and interpreted on balls at
    the current working precision."""

    def __init__(self, fun, name):
        self.fun, self.name, self.traced = fun, name, {}

    def __call__(self, v):
        d = v.shape[0]
        if d not in self.traced:
            closed, tree = _trace(self.fun, [jax.ShapeDtypeStruct((d,), np.float64)])
            if tree.num_leaves != 1:
                raise ValueError(f"the {self.name} must return one array; got {tree.num_leaves} outputs")
            self.traced[d] = closed
        (out,) = _eval_closed(self.traced[d], [v])
        return out


# ------------------------------------------------------------------------------ arguments


def _validate_prec(prec):
    if isinstance(prec, bool) or not isinstance(prec, (int, np.integer)) or prec < 2:
        raise ValueError(f"prec must be an integer >= 2 (bits); got {prec!r}")


def _argument(name, arg):
    """The interpreter's value of the argument `name`: an object array of arb, or an exact
    integer / boolean array."""
    from flint import arb

    if isinstance(arg, arb):
        return _object_array(arg)
    if isinstance(arg, (list, tuple)) or (isinstance(arg, np.ndarray) and arg.dtype == object):
        return _ball_array(name, arg)
    if isinstance(arg, int):  # and bool: exact integers, traced as such
        return np.asarray(arg)
    a = np.asarray(arg)
    if _floating(a.dtype):
        if not np.all(np.isfinite(a.astype(np.float64))):
            raise ValueError(f"{name} must be finite (its values are converted to arb exactly); got {a.tolist()!r}")
        return _balls(a)
    if np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_:
        return a
    raise TypeError(
        f"{name} must be a float array or number, an arb, a (nested) list or object array of "
        f"arb, or an integer / boolean array; got {type(arg).__name__} of dtype {a.dtype}"
    )


def _ball_array(name, values):
    """A nested list (or object array) of arb and exact numbers as an object array of arb."""
    from flint import arb

    try:
        a = np.array(values, dtype=object)
    except ValueError as err:
        raise ValueError(f"{name} must be a rectangular (nested) list of arb balls; {err}") from None

    def ball(t):
        if isinstance(t, arb):
            return t
        if isinstance(t, (float, int, np.floating, np.integer)) and not isinstance(t, (bool, np.bool_)) \
                and math.isfinite(float(t)):
            return arb(int(t)) if isinstance(t, (int, np.integer)) else arb(float(t))
        raise TypeError(f"{name} must hold arb balls or finite real numbers; got {t!r} of type {type(t).__name__}")

    return _map(ball, a)


def _vector_argument(name, x):
    """A point (float vector) or box (list of arb) as a (d,) object array of arb."""
    v = _balls(_argument(name, x))  # integers too, exactly
    if v.ndim != 1 or v.shape[0] < 1 or v.dtype != object:
        raise ValueError(f"{name} must be a vector of d >= 1 numbers or arb balls; got shape {v.shape}")
    return v


def _struct(value):
    dtype = np.float64 if value.dtype == object else value.dtype
    return jax.ShapeDtypeStruct(value.shape, dtype)


def _trace(fun, structs):
    closed, shapes = jax.make_jaxpr(fun, return_shape=True)(*structs)
    return closed, jax.tree_util.tree_structure(shapes)


# ------------------------------------------------------------------------------ arrays


def _object_array(value):
    """A 0-d object array holding `value`, or `value` itself if it is an array already."""
    if isinstance(value, np.ndarray):
        return value
    out = np.empty((), dtype=object)
    out[()] = value
    return out


def _map(fn, *arrays):
    """`fn` applied elementwise (with numpy broadcasting) into an object array."""
    return _object_array(np.frompyfunc(fn, len(arrays), 1)(*arrays))


def _balls(a):
    """An array of numbers or arb as an object array of arb (exact conversion)."""
    from flint import arb

    if a.dtype == object:
        return a
    if _floating(a.dtype):  # every float (bfloat16 to float64) is exact in float64
        return _map(lambda t: arb(float(t)), a.astype(np.float64))
    return _map(lambda t: arb(int(t)), a)


def _floating(dtype) -> bool:
    """Real floating point, bfloat16 included (numpy's issubdtype misses it)."""
    return jnp.issubdtype(dtype, jnp.floating)


def _is_float(aval) -> bool:
    return _floating(aval.dtype)


def _is_complex(aval) -> bool:
    return jnp.issubdtype(aval.dtype, jnp.complexfloating)


def _constant(value, aval):
    """A jaxpr literal or constant (exact float or integer values) as an interpreter value."""
    a = np.asarray(value)
    return _balls(a) if _is_float(aval) else a.astype(aval.dtype)


def _ball_str(x):
    return x.str(_DIGITS) if hasattr(x, "str") else repr(x)


# ------------------------------------------------------------------------------ interpreter


def _eval_closed(closed, args):
    return _eval_jaxpr(closed.jaxpr, closed.consts, args)


def _eval_jaxpr(jaxpr, consts, args):
    env = {}

    def read(v):
        return _constant(v.val, v.aval) if isinstance(v, jcore.Literal) else env[v]

    for v, c in zip(jaxpr.constvars, consts):
        env[v] = _constant(c, v.aval)
    for v, a in zip(jaxpr.invars, args):
        env[v] = a
    for eqn in jaxpr.eqns:
        outs = _apply(eqn, [read(v) for v in eqn.invars])
        for v, out in zip(eqn.outvars, outs):
            env[v] = out
    return [read(v) for v in jaxpr.outvars]


def _apply(eqn, invals):
    """The outputs (a list) of one equation on interpreter values."""
    name = eqn.primitive.name
    avals = [v.aval for v in (*eqn.invars, *eqn.outvars)]
    if any(_is_complex(a) for a in avals if hasattr(a, "dtype")):
        raise UnsupportedPrimitiveError(f"ball arithmetic does not support complex values (primitive {name!r}, "
                                        f"in jaxpr equation: {_equation(eqn)})")
    floats = any(_is_float(a) for a in avals if hasattr(a, "dtype"))
    if name in _CALL_RULES:
        return _CALL_RULES[name](eqn, invals)
    if name in _ANY_DTYPE_RULES:
        outs = _ANY_DTYPE_RULES[name](eqn, *invals)
    elif floats and name in _BALL_RULES:  # every operand as balls (pow's integer exponent too)
        outs = _BALL_RULES[name](eqn, *[_balls(v) for v in invals])
    elif not floats and name in _EXACT_RULES:
        outs = _EXACT_RULES[name](*invals)
    elif not floats and not any(True for _ in jcore.jaxprs_in_params(eqn.params)):
        outs = eqn.primitive.bind(*invals, **eqn.params)
    else:
        raise UnsupportedPrimitiveError(
            f"ball arithmetic does not support the primitive {name!r} (in jaxpr equation: {_equation(eqn)}); "
            f"supported: {sorted(SUPPORTED_PRIMITIVES)}"
        )
    outs = list(outs) if eqn.primitive.multiple_results else [outs]
    return [_typed(out, v.aval) for out, v in zip(outs, eqn.outvars)]


def _typed(value, aval):
    """`value` as the interpreter holds a value of `aval` (object arb array / exact array)."""
    if _is_float(aval):
        value = _balls(_object_array(value))
    else:
        value = np.asarray(value)
        value = value if value.dtype == aval.dtype else value.astype(aval.dtype)
    if value.shape != tuple(aval.shape):
        raise RuntimeError(
            f"ball arithmetic produced an array of shape {value.shape} where the jaxpr has "
            f"{aval.str_short()} (a bug in a primitive rule of verify.landscape.balls)"
        )
    return value


def _equation(eqn):
    text = " ".join(str(eqn).split())
    return text if len(text) <= _EQUATION_CHARS else text[:_EQUATION_CHARS] + " ..."


# ------------------------------------------------------------------------------ calls and control flow


def _inner(params):
    for key in ("jaxpr", "call_jaxpr", "fun_jaxpr"):
        if key in params:
            return params[key]
    raise UnsupportedPrimitiveError(f"a call primitive without an inner jaxpr (params {sorted(params)})")


def _run(jaxpr, args):
    if isinstance(jaxpr, jcore.ClosedJaxpr):
        return _eval_closed(jaxpr, args)
    return _eval_jaxpr(jaxpr, [], args)


def _call(eqn, invals):
    """jit / closed_call / checkpoint / custom_jvp_call / custom_vjp_call: the primal
    program (a custom derivative rule is irrelevant to values; in a traced derivative
    program it is already inlined)."""
    return _run(_inner(eqn.params), invals)


def _cond(eqn, invals):
    branches = eqn.params["branches"]
    index = int(np.asarray(invals[0]))
    return _run(branches[min(max(index, 0), len(branches) - 1)], invals[1:])


def _scan(eqn, invals):
    p = eqn.params
    n_consts, n_carry, length = p["num_consts"], p["num_carry"], p["length"]
    consts, carry, xs = invals[:n_consts], invals[n_consts:n_consts + n_carry], invals[n_consts + n_carry:]
    y_avals = [v.aval for v in eqn.outvars[n_carry:]]
    ys = [np.empty(a.shape, dtype=object if _is_float(a) else a.dtype) for a in y_avals]
    for i in (reversed(range(length)) if p["reverse"] else range(length)):
        outs = _run(p["jaxpr"], [*consts, *carry, *(x[i, ...] for x in xs)])
        carry = outs[:n_carry]
        for y, out in zip(ys, outs[n_carry:]):
            y[i, ...] = out
    return [*carry, *ys]


def _while(eqn, invals):
    p = eqn.params
    nc, nb = p["cond_nconsts"], p["body_nconsts"]
    cond_consts, body_consts, carry = invals[:nc], invals[nc:nc + nb], invals[nc + nb:]
    for _ in range(MAX_WHILE_ITERATIONS):
        (go,) = _run(p["cond_jaxpr"], [*cond_consts, *carry])
        if not bool(np.asarray(go)):
            return carry
        carry = _run(p["body_jaxpr"], [*body_consts, *carry])
    raise RuntimeError(
        f"a while loop ran {MAX_WHILE_ITERATIONS} iterations on balls without its predicate "
        f"turning false (a loop float64 ends by rounding never ends on exact values)"
    )


_CALL_RULES = {
    **dict.fromkeys(
        ["jit", "pjit", "closed_call", "core_call", "remat2", "checkpoint", "custom_jvp_call",
         "custom_vjp_call", "custom_vjp_call_jaxpr"], _call),
    "cond": _cond,
    "scan": _scan,
    "while": _while,
}


# ------------------------------------------------------------------------------ shapes (any dtype)


def _broadcast_in_dim(eqn, x, *_dyn):
    shape, dims = eqn.params["shape"], eqn.params["broadcast_dimensions"]
    expanded = [1] * len(shape)
    for axis, d in zip(dims, x.shape):
        expanded[axis] = d
    return np.array(np.broadcast_to(x.reshape(expanded), shape))


def _reshape(eqn, x, *_dyn):
    if eqn.params.get("dimensions") is not None:
        x = np.transpose(x, eqn.params["dimensions"])
    return x.reshape(eqn.params["new_sizes"])


def _slice(eqn, x):
    p = eqn.params
    strides = p["strides"] or (1,) * x.ndim
    return x[tuple(slice(s, e, k) for s, e, k in zip(p["start_indices"], p["limit_indices"], strides))]


def _starts(indices, shape, sizes):
    """JAX's dynamic indices, clamped so that the window fits."""
    return [min(max(int(np.asarray(i)), 0), n - s) for i, n, s in zip(indices, shape, sizes)]


def _dynamic_slice(eqn, x, *indices):
    sizes = eqn.params["slice_sizes"]
    starts = _starts(indices[:x.ndim], x.shape, sizes)
    return x[tuple(slice(s, s + n) for s, n in zip(starts, sizes))]


def _dynamic_update_slice(eqn, x, update, *indices):
    starts = _starts(indices, x.shape, update.shape)
    out = x.copy()
    out[tuple(slice(s, s + n) for s, n in zip(starts, update.shape))] = update
    return out


def _pad(eqn, x, value):
    fill = value[()]
    for axis, (low, high, interior) in enumerate(eqn.params["padding_config"]):
        x = _pad_axis(x, fill, axis, int(low), int(high), int(interior))
    return x


def _pad_axis(x, fill, axis, low, high, interior):
    n = x.shape[axis]
    if interior > 0 and n > 1:
        shape = list(x.shape)
        shape[axis] = (n - 1) * (interior + 1) + 1
        spread = np.full(shape, fill, dtype=x.dtype)
        index = [slice(None)] * x.ndim
        index[axis] = slice(None, None, interior + 1)
        spread[tuple(index)] = x
        x = spread
    index = [slice(None)] * x.ndim
    index[axis] = slice(max(-low, 0), x.shape[axis] - max(-high, 0))
    x = x[tuple(index)]
    parts = []
    for count in (max(low, 0), max(high, 0)):
        shape = list(x.shape)
        shape[axis] = count
        parts.append(np.full(shape, fill, dtype=x.dtype))
    return np.concatenate([parts[0], x, parts[1]], axis=axis)


def _split(eqn, x):
    cuts = np.cumsum(eqn.params["sizes"])[:-1]
    return np.split(x, cuts, axis=eqn.params["axis"])


def _select_n(eqn, which, *cases):
    which = np.asarray(which)
    out = cases[0]
    for k, case in enumerate(cases[1:], start=1):
        out = np.where(which == k if which.dtype != np.bool_ else which, case, out)
    return out


def _convert_element_type(eqn, x):
    new = np.dtype(eqn.params["new_dtype"])
    if _floating(new):
        return x if x.dtype == object else _balls(x)
    if x.dtype == object:
        raise UnsupportedPrimitiveError(
            f"ball arithmetic does not support convert_element_type from a float to {new} (rounding a "
            f"ball to an integer or a boolean; in jaxpr equation: {_equation(eqn)})"
        )
    return x.astype(new)


def _iota(eqn):
    p = eqn.params
    shape, axis = p["shape"], p["dimension"]
    expanded = [1] * len(shape)
    expanded[axis] = shape[axis]
    values = np.broadcast_to(np.arange(shape[axis]).reshape(expanded), shape)
    dtype = np.dtype(p["dtype"])
    return _balls(values) if _floating(dtype) else values.astype(dtype)


def _empty(eqn, *_):
    """Uninitialised buffers (residuals of a branch not taken): NaN balls, zeros."""
    from flint import arb

    aval = eqn.outvars[0].aval
    if _is_float(aval):
        return np.full(aval.shape, arb.nan(), dtype=object)
    return np.zeros(aval.shape, aval.dtype)


def _identity(eqn, *xs):
    return list(xs) if eqn.primitive.multiple_results else xs[0]


_ANY_DTYPE_RULES = {
    "broadcast_in_dim": _broadcast_in_dim,
    "reshape": _reshape,
    "squeeze": lambda eqn, x: np.squeeze(x, axis=tuple(eqn.params["dimensions"])),
    "expand_dims": lambda eqn, x: np.expand_dims(x, tuple(eqn.params["dimensions"])),
    "transpose": lambda eqn, x: np.transpose(x, eqn.params["permutation"]),
    "concatenate": lambda eqn, *xs: np.concatenate(xs, axis=eqn.params["dimension"]),
    "stack": lambda eqn, *xs: np.stack(xs, axis=eqn.params["axis"]),
    "slice": _slice,
    "dynamic_slice": _dynamic_slice,
    "dynamic_update_slice": _dynamic_update_slice,
    "pad": _pad,
    "split": _split,
    "rev": lambda eqn, x: np.flip(x, axis=tuple(eqn.params["dimensions"])),
    "select_n": _select_n,
    "convert_element_type": _convert_element_type,
    "iota": _iota,
    "empty2": _empty,
    "empty": _empty,
    **dict.fromkeys(
        ["copy", "copy_p", "stop_gradient", "device_put", "optimization_barrier", "sharding_constraint",
         "pvary"], _identity),
}


# ------------------------------------------------------------------------------ balls


def _sub(a, b):
    return a - b if a is not b else a * 0  # the same exact value: 0 (a NaN ball stays NaN)


def _div(a, b):
    from flint import arb

    if a is b and (a > 0 or a < 0):
        return arb(1)
    return a / b


def _max(a, b):
    """max(a, b): `a` or `b` itself where the balls decide it, else an enclosure."""
    if a is b or a >= b:
        return a
    if b >= a:
        return b
    return a.max(b)


def _min(a, b):
    if a is b or a <= b:
        return a
    if b <= a:
        return b
    return a.min(b)


def _abs(x):
    from flint import arb

    if x >= 0:
        return x
    if x <= 0:
        return -x
    return arb(0).union(x.abs_upper())  # [0, max |x|]


def _logistic(x):
    """1 / (1 + exp(-x)), exponentiating the side that stays bounded (x large and positive
    gives exp(-x) tiny; large and negative, x's own exp), as `verify.claims.auer.count`."""
    if x.mid() >= 0:
        return 1 / (1 + (-x).exp())
    e = x.exp()
    return e / (1 + e)


def _integer(y):
    """The exact integer `y` holds, or None (a ball with radius, or not an integer)."""
    if y.is_exact() and y.is_integer():
        return int(y.unique_fmpz())
    return None


def _integer_power(x, n: int):
    """x ** n by binary powering with arb products (python-flint's ``x ** n`` is NaN where
    the ball x contains 0)."""
    from flint import arb

    if n < 0:
        return 1 / _integer_power(x, -n)
    out, base = arb(1), x
    while n:
        if n & 1:
            out = out * base
        n >>= 1
        if n:
            base = base * base
    return out


def _pow(x, y):
    """x ** y: exact integer powers (any sign of x), else exp(y log x) (non-finite where x
    reaches 0 or below)."""
    from flint import arb

    n = _integer(y)
    if n is not None:
        return _integer_power(x, n)
    if x.is_zero() and y > 0:
        return arb(0)
    return (y * x.log()).exp()


def _exp2(x):
    from flint import arb

    return (x * arb.const_log2()).exp()


def _atan2(y, x):
    from flint import arb

    return arb.atan2(y, x)


def _unary(method):
    return lambda eqn, x: _map(method, x)


def _binary(fn):
    return lambda eqn, a, b: _map(fn, a, b)


def _integer_pow(eqn, x):
    n = int(eqn.params["y"])
    return _map(lambda t: _integer_power(t, n), x)


def _clamp(eqn, low, x, high):
    return _map(lambda lo, t, hi: _min(_max(t, lo), hi), low, x, high)


_REFLEXIVE = {"lt": False, "le": True, "gt": False, "ge": True, "eq": True, "ne": False}
_DECISIONS = {  # (certainly true, certainly false), each as arb's certain comparisons
    "lt": (lambda a, b: a < b, lambda a, b: a >= b),
    "le": (lambda a, b: a <= b, lambda a, b: a > b),
    "gt": (lambda a, b: a > b, lambda a, b: a <= b),
    "ge": (lambda a, b: a >= b, lambda a, b: a < b),
    "eq": (lambda a, b: a == b, lambda a, b: a != b),
    "ne": (lambda a, b: a != b, lambda a, b: a == b),
}


def _decide(name, a, b) -> bool:
    """The exact outcome of comparison `name` of the values the balls a, b enclose."""
    if a is b:
        return _REFLEXIVE[name]
    certainly, certainly_not = _DECISIONS[name]
    if certainly(a, b):
        return True
    if certainly_not(a, b):
        return False
    raise UndecidedComparisonError(name, a, b)


def _comparison(name):
    def rule(eqn, a, b):
        return np.asarray(np.frompyfunc(lambda s, t: _decide(name, s, t), 2, 1)(a, b), dtype=bool)
    return rule


def _is_finite(eqn, x):
    def decide(t):
        if t.is_finite():
            return True
        raise UndecidedComparisonError("is_finite", t, detail=" (not a finite ball)")
    return np.asarray(np.frompyfunc(decide, 1, 1)(x), dtype=bool)


def _dot_general(eqn, lhs, rhs):
    """Contract lhs with rhs as (batch, m, k) x (batch, k, n) products of object arrays."""
    from flint import arb

    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    lf = [d for d in range(lhs.ndim) if d not in lc and d not in lb]
    rf = [d for d in range(rhs.ndim) if d not in rc and d not in rb]
    sizes = lambda x, dims: [x.shape[d] for d in dims]
    batch, m, k, n = sizes(lhs, lb), sizes(lhs, lf), sizes(lhs, lc), sizes(rhs, rf)
    nb, nm, nk, nn = (math.prod(s) for s in (batch, m, k, n))
    a = np.transpose(lhs, [*lb, *lf, *lc]).reshape(nb, nm, nk)
    b = np.transpose(rhs, [*rb, *rc, *rf]).reshape(nb, nk, nn)
    if nk == 0:
        out = np.full((nb, nm, nn), arb(0), dtype=object)
    else:
        out = np.matmul(a, b)
    return out.reshape([*batch, *m, *n])


def _reduce(fn, eqn, x):
    """Reduce over the axes one at a time with the binary ball operation `fn`."""
    ufunc = np.frompyfunc(fn, 2, 1)
    for axis in sorted(eqn.params["axes"], reverse=True):
        if x.shape[axis] == 0:
            raise UnsupportedPrimitiveError(f"ball arithmetic does not reduce an empty axis ({_equation(eqn)})")
        x = _object_array(ufunc.reduce(x, axis=axis))
    return x


def _reduce_sum(eqn, x):
    from flint import arb

    if any(x.shape[axis] == 0 for axis in eqn.params["axes"]):
        shape = [s for i, s in enumerate(x.shape) if i not in eqn.params["axes"]]
        return np.full(shape, arb(0), dtype=object)
    return _reduce(lambda a, b: a + b, eqn, x)


def _argmax(eqn, x, better):
    """Index of the first element that the balls decide to be the maximum (better=gt) or
    the minimum (better=lt) of its lane."""
    (axis,) = eqn.params["axes"]
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape[:-1], dtype=np.dtype(eqn.params["index_dtype"]))
    name = "argmax" if better == "gt" else "argmin"
    for lane in np.ndindex(out.shape):
        values = moved[lane]
        out[lane] = _winner(name, better, values)
    return out


def _winner(name, better, values):
    for i, v in enumerate(values):
        # first index: strictly better than every earlier one, at least as good as every later one
        before = all(v is not w and _decide(better, v, w) for w in values[:i])
        after = all(v is w or _decide("ge" if better == "gt" else "le", v, w) for w in values[i + 1:])
        if before and after:
            return i
    raise UndecidedComparisonError(name, values[0], values[-1], detail=" (no element is decided the winner)")


_BALL_RULES = {
    "add": _binary(lambda a, b: a + b),
    "add_any": _binary(lambda a, b: a + b),
    "sub": _binary(_sub),
    "mul": _binary(lambda a, b: a * b),
    "div": _binary(_div),
    "max": _binary(_max),
    "min": _binary(_min),
    "pow": _binary(_pow),
    "atan2": _binary(_atan2),
    "neg": _unary(lambda t: -t),
    "abs": _unary(_abs),
    "sign": _unary(lambda t: t.sgn()),
    "floor": _unary(lambda t: t.floor()),
    "ceil": _unary(lambda t: t.ceil()),
    "square": _unary(lambda t: t * t),
    "integer_pow": _integer_pow,
    "sqrt": _unary(lambda t: t.sqrt()),
    "rsqrt": _unary(lambda t: t.rsqrt()),
    "exp": _unary(lambda t: t.exp()),
    "exp2": _unary(_exp2),
    "log": _unary(lambda t: t.log()),
    "log1p": _unary(lambda t: t.log1p()),
    "expm1": _unary(lambda t: t.expm1()),
    "logistic": _unary(_logistic),
    "tanh": _unary(lambda t: t.tanh()),
    "sinh": _unary(lambda t: t.sinh()),
    "cosh": _unary(lambda t: t.cosh()),
    "asinh": _unary(lambda t: t.asinh()),
    "acosh": _unary(lambda t: t.acosh()),
    "atanh": _unary(lambda t: t.atanh()),
    "sin": _unary(lambda t: t.sin()),
    "cos": _unary(lambda t: t.cos()),
    "tan": _unary(lambda t: t.tan()),
    "asin": _unary(lambda t: t.asin()),
    "acos": _unary(lambda t: t.acos()),
    "atan": _unary(lambda t: t.atan()),
    "erf": _unary(lambda t: t.erf()),
    "erfc": _unary(lambda t: t.erfc()),
    "erf_inv": _unary(lambda t: t.erfinv()),
    "lgamma": _unary(lambda t: t.lgamma()),
    "digamma": _unary(lambda t: t.digamma()),
    "clamp": _clamp,
    "is_finite": _is_finite,
    **{name: _comparison(name) for name in _DECISIONS},
    "dot_general": _dot_general,
    "reduce_sum": _reduce_sum,
    "reduce_max": lambda eqn, x: _reduce(_max, eqn, x),
    "reduce_min": lambda eqn, x: _reduce(_min, eqn, x),
    "reduce_prod": lambda eqn, x: _reduce(lambda a, b: a * b, eqn, x),
    "argmax": lambda eqn, x: _argmax(eqn, x, "gt"),
    "argmin": lambda eqn, x: _argmax(eqn, x, "lt"),
}

#: Integer and boolean operations run in numpy (JAX's own would compile a program each).
_EXACT_RULES = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "neg": np.negative,
    "max": np.maximum, "min": np.minimum, "abs": np.abs, "sign": np.sign,
    "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
    "gt": np.greater, "ge": np.greater_equal,
    "and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor, "not": np.invert,
    "clamp": lambda low, x, high: np.minimum(np.maximum(x, low), high),
}

#: Every primitive name the interpreter handles on float (ball) values.
SUPPORTED_PRIMITIVES = frozenset(_CALL_RULES) | frozenset(_ANY_DTYPE_RULES) | frozenset(_BALL_RULES)
