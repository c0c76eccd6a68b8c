"""Input errors: one :class:`FieldError` per bad field, collected into one :class:`ScenarioError`.

Every loader (scenarios, trajectories, validation cases) and every range check raises these, so that the command
line can report all problems at once and exit 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One invalid field: dotted path and what is wrong with it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ScenarioError(ValueError):
    """Invalid scenario input; carries every :class:`FieldError` found."""

    def __init__(self, errors: Sequence[FieldError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))
