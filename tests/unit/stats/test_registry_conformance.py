"""Conformance suite over every registered method (river's ``yield_checks`` style)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import monitor.stats
from monitor.stats import CORRECTIONS, METHODS, METRICS, Method, MethodResult, get_method

_NOT_METHODS = frozenset(
    {"ecdf_pair", "get_method", "benjamini_hochberg", "bonferroni", "fit_isotonic", "cbpe"}
)


def _inputs(method: Method, seed: int = 20240601) -> tuple[np.ndarray, np.ndarray]:
    """Two samples for samples-methods, two aligned count vectors for counts-methods."""
    rng = np.random.default_rng(seed)
    if method.inputs == "samples":
        return rng.normal(size=80), rng.normal(loc=0.3, scale=1.2, size=60)
    size = 2 if method.key == "ztest" else 6
    return (
        rng.integers(5, 200, size=size).astype(np.float64),
        rng.integers(5, 200, size=size).astype(np.float64),
    )


def _section_titles(doc: str) -> set[str]:
    """Numpydoc section titles: a line followed by a dashed underline of its length."""
    lines = inspect.cleandoc(doc).splitlines()
    return {
        title.strip()
        for title, rule in zip(lines, lines[1:], strict=False)
        if re.fullmatch(r"-{3,}", rule.strip()) and len(rule.strip()) == len(title.strip())
    }


_METHOD_PARAMS = [pytest.param(method, id=key) for key, method in METHODS.items()]


@pytest.mark.parametrize("method", _METHOD_PARAMS)
@pytest.mark.parametrize("section", ["Notes", "References", "Examples"])
def test_docstring_has_numpydoc_section(method: Method, section: str) -> None:
    assert section in _section_titles(method.run.__doc__ or "")


@pytest.mark.parametrize("method", _METHOD_PARAMS)
def test_is_deterministic_for_the_same_inputs(method: Method) -> None:
    first = method.run(*_inputs(method))
    second = method.run(*_inputs(method))
    assert first == second


@pytest.mark.parametrize("method", _METHOD_PARAMS)
def test_result_method_is_the_registry_key(method: Method) -> None:
    result = method.run(*_inputs(method))
    assert isinstance(result, MethodResult)
    assert result.method == method.key


@pytest.mark.parametrize("key", list(METHODS))
def test_entry_key_matches_its_mapping_key(key: str) -> None:
    assert METHODS[key].key == key
    assert get_method(key) is METHODS[key]


@pytest.mark.parametrize("method", _METHOD_PARAMS)
def test_role_matches_the_presence_of_a_p_value(method: Method) -> None:
    result = method.run(*_inputs(method))
    assert (result.p_value is not None) == (method.role == "test")


@pytest.mark.parametrize("method", _METHOD_PARAMS)
def test_result_round_trips_through_to_dict(method: Method) -> None:
    result = method.run(*_inputs(method))
    data = result.to_dict()
    assert "format_version" in data
    assert MethodResult.from_dict(data) == result


@pytest.mark.parametrize("method", _METHOD_PARAMS)
@pytest.mark.parametrize("empty_side", ["reference", "current"])
def test_empty_input_raises_value_error_naming_the_method(method: Method, empty_side: str) -> None:
    reference, current = _inputs(method)
    samples = {"reference": reference, "current": current, empty_side: np.array([])}
    with pytest.raises(ValueError) as raised:
        method.run(samples["reference"], samples["current"])
    message = str(raised.value)
    assert method.key in message or method.run.__name__ in message


def test_get_method_rejects_an_unknown_key_listing_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown method 'nope'.*'ks'"):
        get_method("nope")


def test_registry_mappings_are_read_only() -> None:
    with pytest.raises(TypeError):
        METHODS["new"] = METHODS["ks"]  # type: ignore[index]
    with pytest.raises(TypeError):
        CORRECTIONS["new"] = CORRECTIONS["bh"]  # type: ignore[index]


def _public_functions() -> dict[str, Callable[..., Any]]:
    return {
        name: getattr(monitor.stats, name)
        for name in monitor.stats.__all__
        if inspect.isfunction(getattr(monitor.stats, name))
    }


@pytest.mark.parametrize(
    "name", sorted(set(_public_functions()) - _NOT_METHODS), ids=lambda name: name
)
def test_every_public_method_function_is_registered(name: str) -> None:
    function = _public_functions()[name]
    registered = {method.run for method in METHODS.values()}
    assert function in registered | {metric.run for metric in METRICS.values()}


@pytest.mark.parametrize("name", ["benjamini_hochberg", "bonferroni"])
def test_every_correction_is_registered(name: str) -> None:
    assert getattr(monitor.stats, name) in {correction.run for correction in CORRECTIONS.values()}


def test_every_exported_function_is_a_method_or_a_known_helper() -> None:
    registered = {method.run for method in METHODS.values()}
    registered |= {metric.run for metric in METRICS.values()}
    helpers = {name for name, function in _public_functions().items() if function not in registered}
    assert helpers <= _NOT_METHODS


@pytest.mark.parametrize(
    "missing",
    [
        pytest.param(("statistic",), id="statistic"),
        pytest.param(("method", "n_current"), id="method-and-n_current"),
        pytest.param(("p_value", "effect_size"), id="p_value-and-effect_size"),
    ],
)
def test_from_dict_with_missing_keys_raises_value_error_listing_them(
    missing: tuple[str, ...],
) -> None:
    data = MethodResult("ks", 0.5, 0.01, None, 10, 12).to_dict()
    for key in missing:
        del data[key]
    with pytest.raises(ValueError, match="missing keys") as raised:
        MethodResult.from_dict(data)
    for key in missing:
        assert repr(key) in str(raised.value)
