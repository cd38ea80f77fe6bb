"""Reading and writing definition documents as JSON or YAML text."""
from __future__ import annotations

import json
from typing import Any

import yaml

from .problems import DefinitionError, Problem
from .safe_input import BoundedSafeLoader, check_json, load_yaml

FORMATS = ('json', 'yaml')


class _DefinitionYamlLoader(BoundedSafeLoader):
    """SafeLoader (depth and alias expansion bounded) that keeps dates as strings and refuses repeated keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """Build a mapping, failing on a key written twice (PyYAML would silently keep the last)."""
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(None, None, f'duplicate key {key!r}', key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# Definitions hold dates as ISO strings; YAML's timestamp tag would turn them into date objects.
_DefinitionYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != 'tag:yaml.org,2002:timestamp']
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _normalise_format(fmt: str) -> str:
    fmt = fmt.lower().lstrip('.')
    fmt = 'yaml' if fmt == 'yml' else fmt
    if fmt not in FORMATS:
        raise ValueError(f'unknown definition format {fmt!r} (use json or yaml)')
    return fmt


def _parse_error(message: str, line: int | None) -> DefinitionError:
    return DefinitionError([Problem(f'line {line}' if line else '', 'parse_error', message)])


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f'duplicate key {key!r}')
        result[key] = value
    return result


def read_document(data: bytes | str, fmt: str) -> dict:
    """Parse a JSON or YAML definition into a plain dict (not yet validated: pass it to ``load``).

    :raise DefinitionError: with a ``parse_error`` problem whose place names the line.
    :raise InputLimitError: for a document nested too deep or too large (YAML aliases expanded).
    :raise ValueError: when ``fmt`` is neither json nor yaml.
    """
    fmt = _normalise_format(fmt)
    if isinstance(data, bytes):
        try:
            data = data.decode('utf-8-sig')
        except UnicodeDecodeError as exc:
            raise _parse_error(f'the file is not UTF-8 text ({exc.reason} at byte {exc.start})', None) from None
    if fmt == 'json':
        check_json(data)
        try:
            document = json.loads(data, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            raise _parse_error(f'invalid JSON: {exc.msg} (column {exc.colno})', exc.lineno) from None
        except ValueError as exc:
            raise _parse_error(f'invalid JSON: {exc}', None) from None
    else:
        try:
            document = load_yaml(data, _DefinitionYamlLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, 'problem_mark', None)
            problem = getattr(exc, 'problem', None) or str(exc)
            raise _parse_error(f'invalid YAML: {problem}', mark.line + 1 if mark else None) from None
    if not isinstance(document, dict):
        raise DefinitionError([Problem('', 'wrong_type', 'a definition must be a mapping at the top level')])
    return document


def dump_document(doc: dict, fmt: str) -> str:
    """Write a definition document as JSON (indented, UTF-8 text) or YAML (block style, key order kept)."""
    if _normalise_format(fmt) == 'json':
        return json.dumps(doc, ensure_ascii=False, indent=2) + '\n'
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=False, width=120)
