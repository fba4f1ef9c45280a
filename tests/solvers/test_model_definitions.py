"""The model definitions: every model has one, every reference loads, and everything derives from them."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from solvers_reference import MAXIMISE, MODELS

from solvers import ModelKind, ProblemError, make_problem
from solvers.models import DEFINITIONS, MAXIMISE_MODELS, MODEL_NAMES, CountRule, definition, models_with, resolve
from solvers.models.base import ModelDefinition

ARITY = {"formulation": 1, "evaluator": 3, "objective_scale": 1, "heuristic": 2, "cpsat": 1, "presolve": 1,
         "check_data": 1, "infeasible_words": 1}
"""Positional parameters each kind of reference takes."""


def test_every_model_kind_has_one_definition() -> None:
    assert set(DEFINITIONS) == set(ModelKind)
    assert tuple(k.value for k in DEFINITIONS) == MODEL_NAMES
    assert all(d.kind is k for k, d in DEFINITIONS.items())


@pytest.mark.parametrize("model", list(DEFINITIONS.values()), ids=lambda d: d.name)
def test_every_reference_resolves_to_a_function_of_the_right_arity(model: ModelDefinition) -> None:
    refs = model.references()
    assert {"evaluator", "objective_scale"} <= set(refs)
    for field, ref in refs.items():
        fn = resolve(ref)
        params = inspect.signature(fn).parameters.values()
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        required = [p for p in positional if p.default is p.empty]
        assert len(required) <= ARITY[field] <= len(positional), (model.name, field, ref)


def test_a_bad_reference_fails_loudly() -> None:
    with pytest.raises(ValueError, match="module:function"):
        resolve("solvers.check.evaluate_mclp")
    with pytest.raises(AttributeError):
        resolve("solvers.check:no_such_function")


def test_maximised_models_agree_with_the_independent_reference() -> None:
    """The brute-force reference (tests/solvers/solvers_reference.py) states the direction on its own."""
    assert {k.value for k in MAXIMISE_MODELS} & set(MODELS) == MAXIMISE
    assert ModelKind.OUTREACH in MAXIMISE_MODELS


def test_backends_and_builders_follow_the_definitions() -> None:
    from solvers.backends.cpsat_backend import CPSAT_MODELS
    from solvers.backends.heuristic import HEURISTIC_MODELS
    from solvers.formulations.registry import mip_models

    assert models_with("cpsat") == CPSAT_MODELS and ModelKind.OUTREACH not in CPSAT_MODELS
    assert models_with("heuristic") == HEURISTIC_MODELS and ModelKind.OUTREACH in HEURISTIC_MODELS
    assert mip_models() == models_with("formulation") and ModelKind.OUTREACH in mip_models()


def test_command_line_and_scenarios_offer_every_model() -> None:
    from scenarios.commands.solve import MODELS as CLI_MODELS
    from scenarios.scenario_inputs import known_models

    assert CLI_MODELS == MODEL_NAMES == known_models()


def test_problem_validation_follows_the_count_rule_and_needs() -> None:
    cost = np.array([[1.0, 2.0], [2.0, 1.0]])
    for kind, model in DEFINITIONS.items():
        if model.count is CountRule.EXACT:
            with pytest.raises(ProblemError, match="needs p"):
                make_problem(kind, [1, 1], cost, radius=1.0, capacity=[2, 2])
        if model.needs_radius:
            with pytest.raises(ProblemError, match="needs radius"):
                make_problem(kind, [1, 1], cost, p=1, capacity=[2, 2])
        if model.needs_capacity:
            with pytest.raises(ProblemError, match="needs capacity"):
                make_problem(kind, [1, 1], cost, p=1, radius=1.0)
    assert make_problem("lscp", [1, 1], cost, radius=1.0).p is None


def test_infeasibility_words_come_from_the_definition() -> None:
    from solvers.presolve import infeasible_reason

    cost = np.array([[1.0, 2.0], [2.0, 1.0]])
    assert "at most p = 1 sites" in infeasible_reason(make_problem("lscp", [1, 1], cost, radius=1.0, p=1))
    assert "any set of sites" in infeasible_reason(make_problem("lscp", [1, 1], cost, radius=1.0))
    assert "reach an open site" in infeasible_reason(make_problem("pmedian", [1, 1], cost, p=1))
    assert "p = 1 and the must-open" in infeasible_reason(make_problem("mclp", [1, 1], cost, p=1, radius=1.0))


def test_an_unknown_model_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="choose from mclp, pmedian"):
        definition("cflp-typo")


def test_opening_cost_is_validated() -> None:
    cost = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ProblemError, match="opening_cost has shape"):
        make_problem("pmedian", [1, 1], cost, p=1, opening_cost=[1.0])
    with pytest.raises(ProblemError, match="finite and non-negative"):
        make_problem("pmedian", [1, 1], cost, p=1, opening_cost=[1.0, -1.0])
    assert make_problem("pmedian", [1, 1], cost, p=1, opening_cost=[1, 2]).opening_cost is not None
