"""Definition problems: every fault found while loading a definition, reported together."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One fault in a definition: where (``place``), what kind (``code``) and an English ``message``."""

    place: str
    code: str
    message: str

    def __str__(self) -> str:
        return f'{self.place}: {self.message} [{self.code}]' if self.place else f'{self.message} [{self.code}]'


class DefinitionError(ValueError):
    """Raised when a definition cannot be loaded; ``problems`` lists every fault found in one pass."""

    def __init__(self, problems: list[Problem]) -> None:
        """Keep ``problems`` (at least one) and build a message with one problem per line."""
        self.problems = list(problems)
        super().__init__('\n'.join(str(problem) for problem in self.problems))


def join_place(*parts: str) -> str:
    """Join place fragments with `` / ``, skipping empty ones."""
    return ' / '.join(part for part in parts if part)


class Problems:
    """Collects problems while a document is walked, so the loader never stops at the first one."""

    def __init__(self) -> None:
        """Start with no problems."""
        self.items: list[Problem] = []

    def add(self, place: str, code: str, message: str) -> None:
        """Record one problem."""
        self.items.append(Problem(place, code, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise DefinitionError when at least one problem was recorded."""
        if self.items:
            raise DefinitionError(self.items)
