"""Is the optimum really better than the plan in hand? The difference against the travel-time error.

Each draw adds to every area-site time an error resampled from the Norfolk estimator's held-out residuals of
the same distance band (:mod:`siting.significance`); the optimum counts as better only if it wins in at least
95% of draws (and, for minutes, by at least the estimator's mean absolute error). Only the Norfolk case has the
routed times these residuals come from; elsewhere nothing is claimed either way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from siting.domain import Case, TravelMatrix
from siting.geo import distance_km
from siting.significance import compare, perturbed_columns

DRAWS = 200
SEED = 0


def _measures(w: np.ndarray, minutes: np.ndarray, cols: Sequence[int], limit: float) -> tuple[float, float]:
    best = minutes[:, list(cols)].min(axis=1)
    return float(w[best <= limit].sum() / w.sum()), float((w * best).sum() / w.sum())


def versus_plan(case: Case, matrix: TravelMatrix, bases: Sequence[str], plan_bases: Sequence[str], *,
                minutes: float) -> dict[str, object] | None:
    """Need covered and mean travel of ``bases`` against ``plan_bases`` with their significance (Norfolk only)."""
    if case.name != "norfolk" or not bases or not plan_bases:
        return None
    from scenarios import norfolk

    residuals = norfolk.heldout_residuals()
    a = case.sites.index_of(list(bases))
    b = case.sites.index_of(list(plan_bases))
    km = distance_km(case.demand.x_m, case.demand.y_m, case.sites.x_m, case.sites.y_m)
    # only the two plans' sites matter: their columns of each draw (the same draws as the whole matrices)
    used = sorted(set(a) | set(b))
    at = {j: k for k, j in enumerate(used)}
    a_sub, b_sub = [at[j] for j in a], [at[j] for j in b]
    draws = perturbed_columns(matrix.minutes, km, residuals, used, draws=DRAWS, seed=SEED)
    t = np.asarray(matrix.minutes, dtype=np.float64)
    w = case.demand.weight.astype(np.float64)
    a_cov, a_mean = _measures(w, t, a, minutes)
    b_cov, b_mean = _measures(w, t, b, minutes)
    ad = np.array([_measures(w, m, a_sub, minutes) for m in draws])
    bd = np.array([_measures(w, m, b_sub, minutes) for m in draws])
    cov = compare("need covered", a_cov, b_cov, ad[:, 0], bd[:, 0], higher_is_better=True)
    mean = compare("mean minutes", a_mean, b_mean, ad[:, 1], bd[:, 1], higher_is_better=False,
                   minutes_mae=residuals.mae_minutes)
    need = float(case.demand.weight.sum())
    return {
        "rule": (f"better only if it wins in at least 95% of {DRAWS} travel-time draws (errors resampled from the "
                 f"estimator's held-out residuals; minutes also by at least {residuals.mae_minutes:.1f} min)"),
        "need_covered_difference": (a_cov - b_cov) * need,
        "need_covered_verdict": cov.verdict, "need_covered_share_optimum_better": cov.share_a_better,
        "mean_minutes_difference": a_mean - b_mean,
        "mean_minutes_verdict": mean.verdict, "mean_minutes_share_optimum_better": mean.share_a_better,
    }


def text(v: dict[str, object], *, minutes: float) -> str:
    """One line for the terminal."""
    d = float(v["need_covered_difference"])  # type: ignore[arg-type]
    m = float(v["mean_minutes_difference"])  # type: ignore[arg-type]
    share = float(v["need_covered_share_optimum_better"])  # type: ignore[arg-type]
    return (f"optimum against the plan in hand: {d:+,.0f} need within {minutes:g} min "
            f"({v['need_covered_verdict']}: better in {share:.0%} of draws), "
            f"mean travel {m:+.1f} min ({v['mean_minutes_verdict']}); significant only if better in 95% of "
            "travel-time draws")
