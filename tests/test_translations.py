"""Every text of the interface has its English translation, with the same placeholders."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "survey" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def test_every_message_in_the_code_is_in_the_catalog_and_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).with_name("pybabel")), "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True, timeout=120,
    )
    extracted = {m.id for m in _read(pot) if m.id}
    catalog = {m.id: m for m in _read(CATALOG) if m.id}
    missing = sorted(str(i) for i in extracted - catalog.keys())
    assert not missing, f"run pybabel update: {missing[:5]}"
    untranslated = sorted(str(i) for i in extracted if not all(_strings(catalog[i])))
    assert not untranslated, untranslated[:5]


def test_translations_keep_their_placeholders():
    for message in _read(CATALOG):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        for translated in _strings(message):
            if translated:
                assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(source)), source
