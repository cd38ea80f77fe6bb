"""Policy frameworks: the axes a questionnaire's sections and scores are grouped by."""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from .bilingual import Text


@dataclass(frozen=True)
class Axis:
    """One axis of a policy framework (e.g. prevention); its key tags sections and score indices."""

    key: str
    name: Text

    def to_document(self) -> dict:
        """Return the axis as a definition-document fragment."""
        return {'key': self.key, 'name': self.name.to_document()}


@dataclass(frozen=True)
class Framework:
    """A named, ordered set of axes; scores are reported per axis in this order."""

    key: str
    name: Text
    axes: tuple[Axis, ...]

    @property
    def axis_keys(self) -> tuple[str, ...]:
        """The axis keys in framework order."""
        return tuple(axis.key for axis in self.axes)

    def axis(self, key: str) -> Axis:
        """Return the axis with ``key``; raise KeyError if the framework has none."""
        for axis in self.axes:
            if axis.key == key:
                return axis
        raise KeyError(key)

    def to_document(self) -> dict:
        """Return the framework as an inline definition-document fragment."""
        return {'key': self.key, 'name': self.name.to_document(),
                'axes': [axis.to_document() for axis in self.axes]}


PNAT_2017_2021 = Framework(
    key='pnat-2017-2021',
    name=Text('Plan Nacional contra la Trata de Personas 2017-2021',
              'National Plan against Trafficking in Persons 2017-2021'),
    axes=(
        Axis('governance', Text('Gobernanza institucional', 'Institutional governance')),
        Axis('prevention', Text('Prevención y sensibilización', 'Prevention and awareness')),
        Axis('prosecution', Text('Fiscalización y persecución del delito', 'Inspection and prosecution')),
        Axis('protection', Text('Atención, protección y reintegración',
                                'Attention, protection and reintegration')),
    ),
)

#: Frameworks a definition may name by key instead of declaring inline.
BUILTIN_FRAMEWORKS: MappingProxyType[str, Framework] = MappingProxyType({PNAT_2017_2021.key: PNAT_2017_2021})
