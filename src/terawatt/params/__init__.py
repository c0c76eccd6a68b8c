"""The parameter registry: every default number of the model, with unit, range and source."""

from terawatt.params.spec import Distribution, ParamSpec, defaults, load_registry, names_in_file

__all__ = ["Distribution", "ParamSpec", "defaults", "load_registry", "names_in_file"]
