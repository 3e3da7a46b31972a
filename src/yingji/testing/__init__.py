"""Helpers for the test suite (loaded by pytest as a plugin; not used at run time)."""
