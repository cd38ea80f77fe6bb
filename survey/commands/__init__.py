"""Command-line groups of the ``survey`` command."""
