"""Array type aliases shared by the risk kernels (methods, weights, normalise, scoring)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
CodeArray = NDArray[np.int8]
BoolArray = NDArray[np.bool_]
Direction = Literal["benefit", "cost"]
