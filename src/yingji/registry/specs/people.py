"""Placeholder: this registry's specs are being written."""
