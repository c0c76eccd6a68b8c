"""Arithmetic chains on a temporary the calling function owns: each step written into that temporary's buffer.

A vectorized evaluation spends most of its time in NumPy's elementwise loops over sample arrays; a chain such as
``a * b * c / d`` makes a new 512 KiB array at each step (65,536 samples), and a fresh buffer costs a third to a
half of the step itself (an allocation and a first write to memory not in cache). Here each step after the first
writes into the first step's result instead: the same ufunc on the same operands in the same order, so the same
values bitwise, with one buffer.

Only ever pass a *temporary*: an array the caller computed itself (the result of an arithmetic operation, never
an input, a field of a design or anything returned to a caller that may still hold it), and read it afterwards
only as the result. Scalars (a scalar scenario: NumPy scalars) take NumPy's scalar arithmetic, as before.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

#: The operator of each ufunc these chains take (scalar operands: NumPy's scalar arithmetic, the same values).
_OPERATORS = {
    np.add: operator.add,
    np.subtract: operator.sub,
    np.multiply: operator.mul,
    np.true_divide: operator.truediv,
}
_SCALARS = frozenset({float, int, np.float64})
#: float64's dtype: arrays made by NumPy's arithmetic carry this very object (``is`` instead of ``==``, which costs
#: a comparison call; a float64 dtype that is another object only takes the general path, with the same values).
_F64 = np.dtype(np.float64)


def _fits(shape: tuple[int, ...], x: Any) -> bool:
    """Whether operand ``x`` leaves a float64 result of ``shape``: one float value, or a float64 array of that
    shape."""
    if type(x) is np.ndarray:
        return x.dtype is _F64 and (x.shape == shape or x.ndim == 0)
    return type(x) in _SCALARS


def holds(buffer: Any, *operands: Any) -> bool:
    """Whether ``buffer`` can take the result of a ufunc of ``operands`` in place (``out=buffer``) with the values,
    shape and type the ufunc would return: a writeable float64 sample array (at least 1-d), each operand a float
    value or a float64 array of the buffer's shape (or 0-d)."""
    if type(buffer) is not np.ndarray or buffer.dtype is not _F64 or not buffer.ndim:
        return False
    if not buffer.flags.writeable:
        return False
    shape = buffer.shape
    for x in operands:  # a plain loop, no generator (these checks run on every chain)
        if not _fits(shape, x):
            return False
    return True


def into(buffer: Any, ufunc: np.ufunc, a: Any, b: Any) -> Any:
    """``ufunc(a, b)`` (one of add, subtract, multiply, true_divide), written into ``buffer`` where it
    :func:`holds` the result (a temporary of the caller's, usually ``a`` or ``b`` itself), else a new result.

    The same values either way: the operands keep their order (``into(t, np.subtract, x, t)`` is ``x - t``).
    """
    # holds(buffer, a, b), inline (one call fewer on every step; an operand that is the buffer itself fits)
    if type(buffer) is np.ndarray and buffer.dtype is _F64 and buffer.ndim and buffer.flags.writeable:
        shape = buffer.shape
        if (a is buffer or _fits(shape, a)) and (b is buffer or _fits(shape, b)):
            return ufunc(a, b, out=buffer)
    return _OPERATORS[ufunc](a, b)


def chain(first: Any, *steps: Any) -> Any:
    """``first`` followed by each step ``(ufunc, operand)`` as ``x = ufunc(x, operand)``, left to right, in
    ``first``'s buffer where it holds each result (``first``: a temporary of the caller's).

    ``chain(a * b, (np.multiply, c), (np.true_divide, d))`` is ``a * b * c / d``: the same values, one buffer.
    """
    x = first
    if holds(x):  # a buffer of samples: each step in it where the operand fits (_fits), else a new result
        shape, owned = x.shape, True
        for ufunc, operand in steps:
            if owned and _fits(shape, operand):
                ufunc(x, operand, out=x)
            else:
                x = into(x, ufunc, x, operand)
                owned = False  # (into checks each later step itself)
        return x
    for ufunc, operand in steps:
        x = into(x, ufunc, x, operand)
    return x


def unary_into(ufunc: np.ufunc, x: Any) -> Any:
    """``ufunc(x)`` (a float-to-float ufunc such as floor or ceil), in ``x``'s buffer where ``x`` is a float64
    sample array (a temporary of the caller's), else a new result."""
    if type(x) is np.ndarray and x.ndim > 0 and x.dtype == np.float64:
        return ufunc(x, out=x)
    return ufunc(x)
