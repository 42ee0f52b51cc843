"""NumPy arrays to and from Arrow arrays without importing pandas.

``pa.array`` on a NumPy array, ``pa.scalar`` on a Python value and ``Array.to_numpy``
all import pandas first (about 0.2 s, more than a million products take to score), to
check for pandas objects or to set up pandas' date types. The ``score`` command never
meets a pandas object, so its hot path goes through these instead: fixed-width numbers
and booleans share or unpack the Arrow buffers directly; anything else (dates,
dictionaries) falls back on ``to_numpy``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["from_numpy", "to_numpy"]


def from_numpy(values: np.ndarray) -> pa.Array:
    """A 1-D numeric (not boolean) NumPy array as an Arrow array, sharing its memory."""
    values = np.ascontiguousarray(values)
    kind = pa.from_numpy_dtype(values.dtype)
    return pa.Array.from_buffers(kind, values.shape[0], [None, pa.py_buffer(values)])


def _valid(array: pa.Array) -> np.ndarray:
    """Which entries of ``array`` are not null, as booleans."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    return _bits(array.buffers()[0], array.offset, len(array))


def _bits(buffer: pa.Buffer, offset: int, n: int) -> np.ndarray:
    """``n`` bits of an Arrow bitmap from bit ``offset``, as booleans."""
    raw = np.frombuffer(buffer, dtype=np.uint8)
    bits = np.unpackbits(raw, bitorder="little")
    return bits[offset : offset + n].astype(bool)


def to_numpy(array: pa.Array) -> np.ndarray:
    """``array.to_numpy(zero_copy_only=False)``, pandas-free for numbers and booleans.

    Integers and floating-point numbers come out as their own dtype (a view of the Arrow
    buffer when there are no nulls); with nulls, as float64 with NaN for the nulls.
    Booleans come out as bool, or as object with None for the nulls. As ``to_numpy``
    does.
    """
    kind = array.type
    n = len(array)
    if pa.types.is_boolean(kind):
        values = _bits(array.buffers()[1], array.offset, n)
        if array.null_count == 0:
            return values
        out = values.astype(object)
        out[~_valid(array)] = None
        return out
    integer = pa.types.is_integer(kind)
    if integer or pa.types.is_floating(kind):
        code = "f" if not integer else "u" if pa.types.is_unsigned_integer(kind) else "i"
        dtype = np.dtype(f"{code}{kind.bit_width // 8}")
        data = np.frombuffer(array.buffers()[1], dtype=dtype)[array.offset : array.offset + n]
        if array.null_count == 0:
            return data
        out = data.astype(np.float64 if integer else dtype)
        out[~_valid(array)] = np.nan
        return out
    return array.to_numpy(zero_copy_only=False)
