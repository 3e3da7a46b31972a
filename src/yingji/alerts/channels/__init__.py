"""Dissemination channels (plug-ins): see :mod:`yingji.alerts.channels.base`."""
