"""The location models, one definition each, and the registry every other part derives from.

Each module here declares one model (:class:`~solvers.models.base.ModelDefinition`). The command-line
choices, scenario validation, problem validation, the checker, presolve, heuristics, warm starts,
the MIP and CP-SAT builders and the backends' lists of models all read :data:`DEFINITIONS`; adding
a model is one module here, its name in :class:`~solvers.models.base.ModelKind` and its line below
(``docs/adding-a-model.md``).
"""

from __future__ import annotations

from solvers.models import bclp, cflp, cmclp, cpmedian, lscp, mclp, outreach, pcenter, pmedian
from solvers.models.base import CountRule, ModelDefinition, ModelKind, resolve

DEFINITIONS: dict[ModelKind, ModelDefinition] = {
    d.kind: d
    for d in (
        mclp.DEFINITION,
        pmedian.DEFINITION,
        lscp.DEFINITION,
        pcenter.DEFINITION,
        cpmedian.DEFINITION,
        cmclp.DEFINITION,
        cflp.DEFINITION,
        bclp.DEFINITION,
        outreach.DEFINITION,
    )
}
"""Every model's definition, by kind (in the order users see them)."""

if set(DEFINITIONS) != set(ModelKind):  # pragma: no cover - a model added without its definition
    raise ImportError(f"models without a definition: {sorted(set(ModelKind) - set(DEFINITIONS))}")

MODEL_NAMES: tuple[str, ...] = tuple(k.value for k in DEFINITIONS)
"""The model names, as users type them."""

MAXIMISE_MODELS: frozenset[ModelKind] = frozenset(k for k, d in DEFINITIONS.items() if d.maximise)
"""Models whose objective is maximised (every other model minimises)."""


def definition(kind: ModelKind | str) -> ModelDefinition:
    """The definition of ``kind`` (``ValueError`` naming the known models for an unknown name)."""
    try:
        return DEFINITIONS[ModelKind(kind)]
    except ValueError:
        raise ValueError(f"unknown model {kind!r}; choose from {', '.join(MODEL_NAMES)}") from None


def models_with(predicate_field: str) -> frozenset[ModelKind]:
    """The models whose definition names a ``predicate_field`` (``"formulation"``, ``"cpsat"``, ...)."""
    return frozenset(k for k, d in DEFINITIONS.items() if getattr(d, predicate_field))


def choosing_count() -> str:
    """The models that choose their own number of sites (``bases: auto``), in words: "the outreach model"."""
    names = [d.name for d in DEFINITIONS.values() if d.count is CountRule.AT_MOST]
    return "the " + " and ".join(names) + (" models" if len(names) > 1 else " model")


__all__ = ["DEFINITIONS", "MAXIMISE_MODELS", "MODEL_NAMES", "CountRule", "ModelDefinition", "ModelKind",
           "choosing_count", "definition", "models_with", "resolve"]
