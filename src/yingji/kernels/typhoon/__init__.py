"""The physical core of a typhoon replay: track, wind field, rain field, station readings.

Pure numpy (shapely for the landfall helper), no Django. The simulation engine
(:mod:`yingji.simulation`) loads a best track (``data/simulation/lekima_2019_track.csv``),
asks :func:`readings` for every station's values and posts them through the real ingest
path. Each model's equations and references are in its module:

- :mod:`.track` — best-track CSV, strict validation, interpolation, :func:`entry_time`;
- :mod:`.wind` — Holland (1980) vortex, B from the track's Vmax, Vickery & Wadhera (2008)
  Rmax, surface factor 0.8, inflow 20°, Lin & Chavas (2012) motion asymmetry;
- :mod:`.rain` — R-CLIPER (Tuleya et al. 2007 coefficients), front-right asymmetry, terrain;
- :mod:`.readings` — wind, rain, water level and landslide readings, seeded noise.
"""

from yingji.kernels.typhoon.rain import DEFAULT_RAIN, RainModel, rain_rate, rcliper_rate
from yingji.kernels.typhoon.readings import (
    DEFAULT_REPLAY,
    KINDS,
    SENSOR_TYPES,
    UNITS,
    GaugeModel,
    Kind,
    NoiseModel,
    Readings,
    ReplayModel,
    SlopeModel,
    readings,
)
from yingji.kernels.typhoon.track import Track, TrackState, as_datetime64, entry_time, load_track
from yingji.kernels.typhoon.wind import (
    DEFAULT_WIND,
    VmaxCheck,
    WindModel,
    compare_vmax,
    gradient_wind,
    holland_b,
    rmax_km,
    wind_field,
)

__all__ = [
    "DEFAULT_RAIN",
    "DEFAULT_REPLAY",
    "DEFAULT_WIND",
    "KINDS",
    "SENSOR_TYPES",
    "UNITS",
    "GaugeModel",
    "Kind",
    "NoiseModel",
    "RainModel",
    "Readings",
    "ReplayModel",
    "SlopeModel",
    "Track",
    "TrackState",
    "VmaxCheck",
    "WindModel",
    "as_datetime64",
    "compare_vmax",
    "entry_time",
    "gradient_wind",
    "holland_b",
    "load_track",
    "rain_rate",
    "rcliper_rate",
    "readings",
    "rmax_km",
    "wind_field",
]
