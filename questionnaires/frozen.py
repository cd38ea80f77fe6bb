"""Immutable stand-ins for JSON containers, so definition objects stay hashable and frozen."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class FrozenMap(Mapping):
    """A read-only, hashable mapping that keeps insertion order (used for informational extras)."""

    __slots__ = ('_data', '_hash')

    def __init__(self, data: Mapping | None = None) -> None:
        """Copy ``data``; values are expected to be frozen already (see :func:`freeze`)."""
        self._data = dict(data or {})
        self._hash: int | None = None

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        # Order-insensitive, matching Mapping equality.
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __repr__(self) -> str:
        return f'FrozenMap({self._data!r})'


def freeze(value: Any) -> Any:
    """Return an immutable copy of a JSON-like value (dict -> FrozenMap, list -> tuple)."""
    if isinstance(value, Mapping):
        return FrozenMap({key: freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value: Any) -> Any:
    """Return a plain JSON-like copy of a frozen value (FrozenMap -> dict, tuple -> list)."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(item) for item in value]
    return value
