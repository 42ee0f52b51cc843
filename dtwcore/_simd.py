"""Explicit SIMD vectors of ``WIDTH`` float64 for the numba kernels (private).

A :data:`f64v` value is one LLVM vector ``<WIDTH x double>`` held in a register. Kernels
written with these operations say exactly which loads, stores and vector operations a
step costs, instead of hoping that LLVM's loop vectoriser finds them, and can use
instructions it would not pick (see :func:`vcell`). The operations do what the scalar
code they replace does, lane by lane, in the same order: no reassociation, no fused
multiply-add, so results are bit for bit those of the scalar code.
"""

from __future__ import annotations

from collections.abc import Callable

from llvmlite import ir
from numba.core import types
from numba.core.base import BaseContext
from numba.core.extending import intrinsic, models, register_model
from numba.core.typing.context import BaseContext as TypingContext
from numba.core.typing.templates import Signature

#: An intrinsic's code generator: the LLVM IR of one call, from its arguments.
Codegen = Callable[[BaseContext, ir.IRBuilder, Signature, tuple[ir.Value, ...]], ir.Value]

#: float64 values per vector (one 512-bit register).
WIDTH = 8


class F64Vector(types.Type):
    """The numba type of a vector of :data:`WIDTH` float64."""

    def __init__(self) -> None:
        super().__init__(name=f"f64x{WIDTH}")


f64v = F64Vector()
_VEC = ir.VectorType(ir.DoubleType(), WIDTH)
_IVEC = ir.VectorType(ir.IntType(64), WIDTH)


@register_model(F64Vector)
class _F64VectorModel(models.PrimitiveModel):
    def __init__(self, dmm: models.DataModelManager, fe_type: F64Vector) -> None:
        super().__init__(dmm, fe_type, _VEC)


def _element_pointer(
    context: BaseContext, builder: ir.IRBuilder, arrty: types.Array, arr: ir.Value, index: ir.Value
) -> ir.Value:
    """Pointer to element ``index`` of a 1-D array, typed as a pointer to a vector."""
    data = context.make_array(arrty)(context, builder, arr).data
    return builder.bitcast(builder.gep(data, [index]), _VEC.as_pointer())


@intrinsic
def vload(
    typingctx: TypingContext, arr: types.Array, index: types.Integer
) -> tuple[Signature, Codegen]:
    """``arr[index : index + WIDTH]`` of a contiguous 1-D float64 array as a vector."""
    sig = f64v(arr, types.intp)

    def codegen(
        context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: tuple
    ) -> ir.Value:
        ptr = _element_pointer(context, builder, signature.args[0], args[0], args[1])
        return builder.load(ptr, align=8)

    return sig, codegen


@intrinsic
def vstore(
    typingctx: TypingContext, arr: types.Array, index: types.Integer, value: F64Vector
) -> tuple[Signature, Codegen]:
    """Write a vector to ``arr[index : index + WIDTH]`` (contiguous 1-D float64)."""
    sig = types.none(arr, types.intp, f64v)

    def codegen(
        context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: tuple
    ) -> ir.Value:
        ptr = _element_pointer(context, builder, signature.args[0], args[0], args[1])
        builder.store(args[2], ptr, align=8)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def vsplat(typingctx: TypingContext, x: types.Float) -> tuple[Signature, Codegen]:
    """A vector with every lane equal to the float64 ``x``."""
    sig = f64v(types.float64)

    def codegen(
        context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: tuple
    ) -> ir.Value:
        one = builder.insert_element(ir.Constant(_VEC, None), args[0], ir.IntType(32)(0))
        mask = ir.Constant(ir.VectorType(ir.IntType(32), WIDTH), [0] * WIDTH)
        return builder.shuffle_vector(one, ir.Constant(_VEC, None), mask)

    return sig, codegen


@intrinsic
def vcell(
    typingctx: TypingContext,
    q: F64Vector,
    x: F64Vector,
    diag: F64Vector,
    down: F64Vector,
    left: F64Vector,
) -> tuple[Signature, Codegen]:
    """One DTW cell for every lane: ``(q - x) ** 2 + min(min(diag, down), left)``.

    The steps are accumulated costs: non-negative or +inf, whose order is the order of
    their bit patterns read as signed integers, so the minima are taken on the integer
    pipes (the float ones are busy with the square and the sum) and pick the same value
    as ``a if a < b else b``; the result is bit for bit the scalar one. A NaN step is
    never smaller than inf unless its sign bit is set, in which case it wins: either way
    the cell stays non-finite when every step is.
    """
    sig = f64v(f64v, f64v, f64v, f64v, f64v)

    def codegen(
        context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: tuple
    ) -> ir.Value:
        qv, xv, a, b, c = (builder.bitcast(v, _IVEC) if k > 1 else v for k, v in enumerate(args))
        best = builder.select(builder.icmp_signed("<", a, b), a, b)
        best = builder.select(builder.icmp_signed("<", best, c), best, c)
        diff = builder.fsub(qv, xv)
        return builder.fadd(builder.fmul(diff, diff), builder.bitcast(best, _VEC))

    return sig, codegen
