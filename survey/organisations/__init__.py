"""The registry of organisations in the browser: list, create, change, merge, deactivate, import."""
