"""A sync-only AxesMiddleware for ``bench_web.py --proposed`` (see proposed_settings.py)."""

from axes.middleware import AxesMiddleware


class SyncAxesMiddleware(AxesMiddleware):
    """django-axes' middleware without its async mode: as the innermost middleware it makes
    Django run the whole chain synchronously, in the one thread of the request."""

    async_capable = False
