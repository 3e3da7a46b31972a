"""Yingji (应急): open-source emergency-management platform."""

__version__ = "0.1.0"
