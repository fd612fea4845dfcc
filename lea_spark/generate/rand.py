"""Partition-independent random draws as Spark column expressions.

Every draw is a function of ``(seed, purpose, entity key...)`` through ``xxhash64``, so the
same seed gives the same value for the same entity whatever the partitioning, the number of
cores or the order of rows. ``F.rand`` is never used: it depends on the partition layout.
"""
from __future__ import annotations

import math
from typing import Sequence

from pyspark.sql import Column
from pyspark.sql import functions as F

_MASK = 0x7FFFFFFFFFFFFFFF
_TWO63 = float(2**63)


def _hash(seed: int, purpose: str, *keys) -> Column:
    """``xxhash64`` of (seed, purpose, keys): the one source of every draw."""
    return F.xxhash64(F.lit(seed), F.lit(purpose), *[F.col(k) if isinstance(k, str) else k for k in keys])


def uniform(seed: int, purpose: str, *keys) -> Column:
    """Uniform on [0, 1) from a hash of (seed, purpose, keys)."""
    return (_hash(seed, purpose, *keys).bitwiseAND(F.lit(_MASK)).cast("double") / F.lit(_TWO63))


def normal(seed: int, purpose: str, *keys) -> Column:
    """Approximately standard normal (sum of four uniforms, rescaled)."""
    total = sum((uniform(seed, f"{purpose}#{i}", *keys) for i in range(4)), F.lit(0.0))
    return (total - F.lit(2.0)) * F.lit(math.sqrt(3.0))


def normal_one_hash(seed: int, purpose: str, *keys) -> Column:
    """As :func:`normal` (a sum of four uniforms, rescaled), the four uniforms taken from the
    four 16-bit quarters of one hash instead of four hashes: for draws made on every one of
    hundreds of millions of event rows. Values are multiples of 2^-16 before rescaling."""
    h = _hash(seed, purpose, *keys)
    quarters = [F.shiftright(h, 16 * i).bitwiseAND(F.lit(0xFFFF)) for i in range(4)]
    total = sum(quarters[1:], quarters[0]).cast("double") / F.lit(65536.0)
    return (total - F.lit(2.0)) * F.lit(math.sqrt(3.0))


def categorical(u: Column, values: Sequence, probs) -> Column:
    """The value whose cumulative-probability interval holds ``u``.

    ``probs`` is a sequence of floats or of Columns (e.g. group-dependent parameters); the
    last value takes the remainder.
    """
    acc = F.lit(0.0)
    expr = None
    for value, p in zip(values[:-1], probs[:-1]):
        acc = acc + (p if isinstance(p, Column) else F.lit(float(p)))
        expr = F.when(u < acc, F.lit(value)) if expr is None else expr.when(u < acc, F.lit(value))
    last = F.lit(values[-1])
    return last if expr is None else expr.otherwise(last)


def poisson(lam: Column, u: Column, kmax: int = 12) -> Column:
    """Inverse-CDF Poisson draw (capped at ``kmax``) for a rate column ``lam``: the number
    of k in 0..kmax-1 whose cumulative probability P(N <= k) is still below ``u``.
    Written with higher-order functions so that ``lam`` appears once in the plan."""
    def cdf(k):
        return F.aggregate(F.sequence(F.lit(0), k), F.lit(0.0),
                           lambda acc, i: acc + F.exp(-lam) * F.pow(lam, i) / F.factorial(i))
    return F.size(F.filter(F.sequence(F.lit(0), F.lit(kmax - 1)), lambda k: cdf(k) < u))


def lookup(values: dict, key: Column, default=None) -> Column:
    """``values[key]`` as a column (a literal map lookup), ``default`` when absent."""
    pairs = []
    for k, v in values.items():
        pairs += [F.lit(k), F.lit(v)]
    out = F.try_element_at(F.create_map(*pairs), key) if pairs else F.lit(None)
    return out if default is None else F.coalesce(out, F.lit(default))
