"""The result type every statistical method returns."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

FORMAT_VERSION: Final = 1

_KEYS: Final = ("method", "statistic", "p_value", "effect_size", "n_reference", "n_current")


@dataclass(frozen=True, slots=True)
class MethodResult:
    """Outcome of one method on one column.

    ``statistic`` is the method's own statistic (D for KS, T for Cramér–von Mises,
    the raw distance for distances); ``p_value`` is ``None`` for pure distances;
    ``effect_size`` is the scale-free size of the shift, ``None`` for tests without one.
    """

    method: str
    statistic: float
    p_value: float | None
    effect_size: float | None
    n_reference: int
    n_current: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "method": self.method,
            "statistic": _json_float(self.statistic),
            "p_value": _json_float(self.p_value),
            "effect_size": _json_float(self.effect_size),
            "n_reference": self.n_reference,
            "n_current": self.n_current,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MethodResult:
        missing = [key for key in _KEYS if key not in data]
        if missing:
            raise ValueError(
                f"MethodResult.from_dict: missing keys {missing}; expected all of {list(_KEYS)}"
            )
        version = data.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise ValueError(
                f"MethodResult.from_dict: format_version {version!r} is not supported; "
                f"expected {FORMAT_VERSION}"
            )
        return cls(
            method=str(data["method"]),
            statistic=_from_json_float(data["statistic"]),
            p_value=None if data["p_value"] is None else _from_json_float(data["p_value"]),
            effect_size=(
                None if data["effect_size"] is None else _from_json_float(data["effect_size"])
            ),
            n_reference=int(data["n_reference"]),
            n_current=int(data["n_current"]),
        )


def _json_float(value: float | None) -> float | str | None:
    """Floats for JSON: infinities become the strings ``"inf"``/``"-inf"``."""
    if value is None:
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float(value)


def _from_json_float(value: Any) -> float:
    return float(value)
