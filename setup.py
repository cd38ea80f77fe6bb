"""Package layout: code packages plus the top-level templates/ and migrations/ trees.

Those two trees live at the top of the repository (as the product design fixes) and
are shipped inside the wheel as ``survey/_templates`` and ``survey/_migrations``, so a
plain ``pip install .`` is complete (see ``survey.resource_dir``).
"""
from setuptools import find_packages, setup

CODE = find_packages(include=["survey", "survey.*", "questionnaires", "questionnaires.*", "workers", "workers.*"])

setup(
    packages=CODE + ["survey._templates", "survey._migrations"],
    package_dir={"survey._templates": "templates", "survey._migrations": "migrations"},
    package_data={
        "": ["*.json", "*.yaml", "*.txt", "*.js", "*.css", "*.svg"],
        "questionnaires": ["definitions/*.json", "definitions/*.yaml"],
        "survey": ["static/*", "static/**/*", "translations/*/LC_MESSAGES/*.mo", "translations/*/LC_MESSAGES/*.po"],
        "survey._templates": ["*.html", "**/*.html", "**/*.txt"],
        "survey._migrations": ["*.ini", "*.mako", "*.py", "README", "versions/*.py"],
    },
)
