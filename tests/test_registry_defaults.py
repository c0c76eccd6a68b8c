"""Registry defaults are central estimates: each lies inside its own uncertainty distribution."""

from __future__ import annotations

import pytest

from terawatt.params.spec import load_registry

REGISTRY = load_registry()
WITH_DISTRIBUTION = [n for n, s in REGISTRY.items() if s.distribution is not None]


def test_there_are_distributions():
    assert len(WITH_DISTRIBUTION) >= 20


@pytest.mark.parametrize("name", WITH_DISTRIBUTION)
def test_default_inside_its_distribution(name):
    spec, dist = REGISTRY[name], REGISTRY[name].distribution
    if dist.kind in ("uniform", "triangular"):
        assert dist.low is not None and dist.high is not None and dist.low < dist.high
        if dist.kind == "triangular":
            assert dist.mode is not None and dist.low <= dist.mode <= dist.high
        if spec.default is not None:
            assert dist.low <= spec.default <= dist.high, f"default {spec.default} outside [{dist.low}, {dist.high}]"
    else:
        assert dist.mean is not None and dist.sd is not None and dist.sd > 0
