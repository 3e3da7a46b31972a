"""一企一档 demo: enterprises, their licences and training, and major hazard sources.

20,000 enterprises by default, 500,000 at province scale, so every column is drawn as a numpy
array and model rows are only assembled (and saved) in chunks. An enterprise sits in a village
or township of a county chosen by county population; ~3% handle hazardous chemicals, mostly in
chemical, trade, storage and gas industries. About 300 of those get a major hazard source
whose first unit qualifies under GB 18218 (S = Σq/Q ≥ 1) with a realistic inventory.
"""

from yingji.registry.demo.enterprises.companies import generate_enterprises
from yingji.registry.demo.enterprises.hazards import generate_hazards

__all__ = ["generate_enterprises", "generate_hazards"]
