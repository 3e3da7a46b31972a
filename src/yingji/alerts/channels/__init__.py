"""Dissemination channels (plug-ins): see :mod:`yingji.alerts.channels.base`.

Built in (registered in ``pyproject.toml`` under ``yingji.channels``, found by
:func:`yingji.alerts.channels.registry.available`), each configured by
``settings.CHANNELS[name]`` and documented in its module:

- ``sms``: a generic HTTP SMS gateway (:mod:`.http_sms`);
- ``smpp``: SMS over SMPP 3.4 (:mod:`.smpp`);
- ``email``: SMTP (:mod:`.email`);
- ``webhook``: signed JSON POSTs (:mod:`.webhook`);
- ``broadcast``: emergency broadcast terminals, text-to-speech (:mod:`.broadcast`).

SMS text follows carrier limits through :mod:`yingji.kernels.sms`.
"""
