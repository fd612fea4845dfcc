"""The linked-table model: count cells and the additive relations an attacker knows.

Every relation reads ``sum(children) + offset == parent``. ``offset`` is a constant the
attacker is assumed to know (worst case): for postal areas within a municipality it is the
number of families counted in the municipality but living in postal areas keyed to other
municipalities, minus the reverse, so the audit never relies on that number being secret.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Iterable

import numpy as np


@dataclass(frozen=True)
class Relation:
    """``sum(values[children]) + offset == values[parent]``."""

    parent: int
    children: tuple[int, ...]
    offset: int = 0

    @property
    def members(self) -> tuple[int, ...]:
        return (self.parent, *self.children)


@dataclass
class LinkedTable:
    """Cells (key -> non-negative integer count) and the relations that bind them."""

    keys: list[Hashable] = field(default_factory=list)
    values: list[int] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    _index: dict[Hashable, int] = field(default_factory=dict, repr=False)

    def add_cell(self, key: Hashable, value: int) -> int:
        """Add a cell (or return the existing one, which must hold the same value)."""
        if key in self._index:
            i = self._index[key]
            if self.values[i] != int(value):
                raise ValueError(f"cell {key!r} added twice with different values")
            return i
        if value < 0:
            raise ValueError(f"cell {key!r} has a negative count {value}")
        i = len(self.keys)
        self._index[key] = i
        self.keys.append(key)
        self.values.append(int(value))
        return i

    def index(self, key: Hashable) -> int:
        return self._index[key]

    def has(self, key: Hashable) -> bool:
        return key in self._index

    def add_relation(self, parent: Hashable, children: Iterable[Hashable], offset: int | None = None) -> Relation | None:
        """Relate ``parent`` to ``children``; ``offset`` defaults to what makes it hold.

        A relation with no children is skipped (it constrains nothing an attacker does not
        already see). Returns the relation added, or None.
        """
        p = self._index[parent]
        kids = tuple(self._index[c] for c in children)
        if not kids:
            return None
        gap = self.values[p] - sum(self.values[k] for k in kids)
        if offset is None:
            offset = gap
        elif offset != gap:
            # no values in the message: they are the unprotected cells, and messages reach the log
            raise ValueError(f"relation of {parent!r} does not add up: its children and the given offset "
                             f"sum to {'less' if gap > offset else 'more'} than the parent")
        rel = Relation(p, kids, int(offset))
        self.relations.append(rel)
        return rel

    @property
    def n(self) -> int:
        return len(self.keys)

    def value_array(self) -> np.ndarray:
        return np.asarray(self.values, dtype=np.int64)

    def subtable(self, cells: Iterable[int]) -> tuple["LinkedTable", np.ndarray]:
        """The given cells and the relations wholly among them; also, for every cell of the
        subtable, its index here."""
        idx = np.asarray(sorted(set(int(c) for c in cells)), dtype=np.int64)
        inside = set(idx.tolist())
        sub = LinkedTable()
        for c in idx:
            sub.add_cell(self.keys[c], self.values[c])
        for rel in self.relations:
            if all(m in inside for m in rel.members):
                sub.add_relation(self.keys[rel.parent], [self.keys[c] for c in rel.children], offset=rel.offset)
        return sub, idx

    def relations_of(self) -> list[list[int]]:
        """For every cell, the indices of the relations it belongs to."""
        out: list[list[int]] = [[] for _ in range(self.n)]
        for r_i, rel in enumerate(self.relations):
            for m in rel.members:
                out[m].append(r_i)
        return out
