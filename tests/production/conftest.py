"""The rehearsal drives the same session-wide Chromium as the browser tests (Debian's, never downloaded)."""
from tests.browser.conftest import browser  # noqa: F401 - re-exported as a fixture of this folder
