"""Risk use cases, one module per concern (the app's services grew past one module):

- :mod:`.versions`: indicator model versions — build, create, compare, activate;
- :mod:`.enterprises`: four-colour assessment runs and re-scoring on input changes;
- :mod:`.area`: area risk per region and hazard type (五色图);
- :mod:`.control`: the monthly control index (管控力指数) per county.

Importing the package registers the job kinds.
"""

from yingji.risk.services import area, control, enterprises, versions

__all__ = ["area", "control", "enterprises", "versions"]
