"""Package layout: code packages plus the top-level templates/ and migrations/ trees.

Those two trees live at the top of the repository (as the product design fixes) and
are shipped inside the wheel as ``survey/_templates`` and ``survey/_migrations``, so a
plain ``pip install .`` is complete (see ``survey.resource_dir``).
"""
from pathlib import Path

from setuptools import find_namespace_packages, setup

HERE = Path(__file__).resolve().parent
# Namespace discovery also picks up the data folders (static/, translations/, definitions/).
CODE = find_namespace_packages(
    include=["survey", "survey.*", "questionnaires", "questionnaires.*", "workers", "workers.*"],
    exclude=["*.__pycache__"],
)
TREES = {"survey._templates": "templates", "survey._migrations": "migrations"}


def data_packages() -> tuple[list[str], dict[str, str], dict[str, list[str]]]:
    """Every folder of the data trees as a package, each with all its files as data."""
    packages, dirs, data = [], {}, {}
    for package, folder in TREES.items():
        for path in sorted([HERE / folder, *(p for p in (HERE / folder).rglob("*") if p.is_dir())]):
            if "__pycache__" in path.parts:
                continue
            relative = path.relative_to(HERE)
            name = ".".join([package, *relative.parts[1:]])
            packages.append(name)
            dirs[name] = str(relative)
            data[name] = ["*"]
    return packages, dirs, data


PACKAGES, DIRS, DATA = data_packages()

setup(
    packages=CODE + PACKAGES,
    package_dir=DIRS,
    package_data={"": ["*.json", "*.yaml", "*.txt", "*.js", "*.css", "*.svg", "*.mo", "*.po"], **DATA},
)
