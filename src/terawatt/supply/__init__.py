"""Supply chains of the build-out as capacity that is built: EUV tools, logic and DRAM fabs, advanced packaging,
HBM and solar-cell lines.

Pure, vectorized NumPy over samples x years (no scenario objects, no money beyond capital per unit of capacity):

- :mod:`terawatt.supply.lithography`: EUV tool deliveries and the wafer-layer exposures one tool makes per year.
- :mod:`terawatt.supply.fabs`: dies per wafer, die yield, the maturity curve of a fab (construction, volume and yield
  ramp) and the capacity of cohorts of fabs.
- :mod:`terawatt.supply.memory`: HBM gigabytes per DRAM wafer and stacks from bits.
- :mod:`terawatt.supply.cells`: solar-cell line capital and lead time by grade.
- :mod:`terawatt.supply.chain`: the year-by-year decision rule that starts fabs, packaging and cell lines (need with
  a lag, investment caps, one shared EUV supply, a Terafab programme, a cell programme), composed by
  :func:`terawatt.studies.buildout.buildout`.
"""

from terawatt.supply.chain import CAUSES, CHIP_LINKS, SupplyNeeds, simulate_supply

__all__ = ["CAUSES", "CHIP_LINKS", "SupplyNeeds", "simulate_supply"]
