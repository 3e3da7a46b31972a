"""Placeholder: this aggregate's models are being written."""
