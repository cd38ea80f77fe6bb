"""The rehearsal drives the session-wide Chromium of tests/conftest.py, shared with the browser tests."""
