"""Registry models, one module per aggregate; import models from their module.

Importing the modules here registers their models with Django.
"""

from yingji.registry.models import depot, enterprise, hazard, people, rescue, shelter

__all__ = ["depot", "enterprise", "hazard", "people", "rescue", "shelter"]
