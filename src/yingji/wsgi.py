"""WSGI entry point: `yingji serve` (gunicorn, processes of threads) or any WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

from yingji.proxyheaders import ProxyHeaders

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
application = ProxyHeaders(get_wsgi_application())
