"""The README's Production section read as a script: its fenced blocks, in order, by language.

The rehearsal runs these blocks rather than its own copy of them, so the operator's instructions and
the test cannot drift apart. Example values (host names, ports, role names) are swapped for the test's
private ones by :func:`substitute`, which fails when an expected value is no longer in the text.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
_FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def production_section() -> str:
    """The text of the README from ``## Production`` to the next ``## `` heading."""
    text = README.read_text("utf-8")
    start = text.index("\n## Production\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def blocks(language: str) -> list[str]:
    """The fenced blocks of *language* (``sh``, ``nginx``) in the Production section, in order."""
    return [body for lang, body in _FENCE.findall(production_section()) if lang == language]


def environment_names(block: str) -> list[str]:
    """The variable names an ``export NAME=value ...`` block sets."""
    words = shlex.split(block.replace("\\\n", " "), comments=True)
    assert words[0] == "export", f"the environment block should start with export: {block!r}"
    return [word.split("=", 1)[0] for word in words[1:]]


def substitute(text: str, values: dict[str, str]) -> str:
    """Replace each example value of *values* by the test's value; every one must be in *text*."""
    for example, private in values.items():
        assert example in text, f"{example!r} is no longer in the README block:\n{text}"
        text = text.replace(example, private)
    return text


def commands(block: str) -> list[list[str]]:
    """The command lines of a block of long-running processes, one argv each (comments dropped)."""
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]
