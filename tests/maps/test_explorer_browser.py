"""The plan explorer in a real browser: the page's figures equal the Python evaluator's on random plans.

The page (built from the Norfolk case with hostile names) is opened from a ``file://`` URL in
headless Debian Chromium. Every request is intercepted: anything that is not ``file:``, ``data:``
or ``blob:`` is aborted and recorded, and the test fails if one was made. Plans are changed by real
clicks (site check boxes, map markers), by the limit input and by the address (``#bases=...``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from map_testdata import HOSTILE_CLOSED, HOSTILE_SITE

from maps.explorer import explorer_html
from maps.explorer_data import (
    Optimum,
    budget_split,
    compute_optima,
    cut_matrix,
    explorer_data,
    minutes_key,
    reference_figures,
)
from siting.coverage import evaluate
from siting.domain import Case, TravelMatrix

pytestmark = pytest.mark.browser

#: 17.5: a half minute; 22.123456789: more digits than ``f"{x:g}"`` keeps (it would write the key "22.1235").
OPTIMA_LIMITS = (17.5, 20.0, 22.123456789)
LIMITS = (15.0, *OPTIMA_LIMITS, 27.5)
OPTIMA_BASES = range(5, 21)


@pytest.fixture(scope="module")
def optima(hostile: tuple[Case, TravelMatrix]) -> list[Optimum]:
    case, matrix = hostile
    return compute_optima(case, matrix, limits=OPTIMA_LIMITS, counts=OPTIMA_BASES)


@pytest.fixture(scope="module")
def explorer_file(hostile: tuple[Case, TravelMatrix], boundaries: Any, optima: list[Optimum],
                  tmp_path_factory: pytest.TempPathFactory) -> Path:
    case, matrix = hostile
    plan = case.plan_in_hand
    assert plan is not None
    data = explorer_data(case, matrix, initial_bases=plan.site_ids, minutes=20.0, limits=LIMITS, optima=optima,
                         title="Norfolk <script>alert(9)</script>")
    path = tmp_path_factory.mktemp("explorer") / "explorer.html"
    path.write_text(explorer_html(data, boundaries, case.demand.frame), encoding="utf-8")
    return path


class Offline:
    """A page whose every request outside the file is aborted and recorded."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def assert_clean(self) -> None:
        assert self.outside == [], f"requests leaving the machine: {self.outside}"
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.dialogs == [], f"dialogs (script ran): {self.dialogs}"


@pytest.fixture
def open_explorer(browser: Any) -> Iterator[Callable[..., Offline]]:
    contexts: list[Any] = []

    def _open(path: Path, *, fragment: str = "", width: int = 1400) -> Offline:
        context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        w = Offline(page)

        def route(r: Any) -> None:
            if r.request.url.startswith(("file:", "data:", "blob:", "about:")):
                r.continue_()
            else:
                w.outside.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: w.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: w.errors.append(f"page error: {e}"))
        page.on("dialog", lambda d: (w.dialogs.append(d.message), d.dismiss()))
        page.goto(path.resolve().as_uri() + fragment, wait_until="load")
        page.wait_for_function("window.explorer !== undefined && window.explorer.figures !== null")
        return w

    yield _open
    for c in contexts:
        c.close()


def close(a: float, b: float, *, rel: float = 1e-9) -> bool:
    if isinstance(a, float) and isinstance(b, float) and (math.isnan(a) or math.isnan(b)):
        return math.isnan(a) and math.isnan(b)
    return a == b or math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-9)


def rows(frame: Any, key: str) -> list[tuple[Any, ...]]:
    return [(str(r[key]), float(r["weight"]), float(r["covered_weight"]), float(r["share"]))
            for _, r in frame.iterrows()]


def assert_same(page_figures: dict[str, Any], case: Case, matrix: TravelMatrix, optima: list[Optimum]) -> None:
    """The page's figures of its current plan equal the Python evaluator's."""
    ids = [case.sites.ids[j] for j in page_figures["bases"]]
    ref = reference_figures(case, matrix, ids, minutes=page_figures["minutes"], optima=optima)
    cov = ref.coverage
    for key in ("need_total", "need_covered", "need_covered_share", "mean_minutes", "worst_minutes",
                "worst_rural_minutes"):
        assert close(page_figures[key], getattr(cov, key)), (key, page_figures[key], getattr(cov, key))
    page_d = [(r["district"], r["weight"], r["covered_weight"], r["share"], r["bases"])
              for r in page_figures["by_district"]]
    py_d = [(str(r["district"]), float(r["weight"]), float(r["covered_weight"]), float(r["share"]), int(r["bases"]))
            for _, r in cov.by_district.iterrows()]
    assert [d[0] for d in page_d] == [d[0] for d in py_d]
    for a, b in zip(page_d, py_d, strict=True):
        assert all(close(x, y) for x, y in zip(a[1:], b[1:], strict=True)), (a, b)
    for page_rows, frame, key in ((page_figures["by_class"], cov.by_class, "area_class"),
                                  (page_figures["quintiles"], ref.quintiles, "group"),
                                  (page_figures["ruc"], ref.ruc, "group")):
        got = [(r["group"], r["weight"], r["covered_weight"], r["share"]) for r in page_rows]
        want = rows(frame, key)
        assert [g[0] for g in got] == [w[0] for w in want]
        for a, b in zip(got, want, strict=True):
            assert all(close(x, y) for x, y in zip(a[1:], b[1:], strict=True)), (a, b)
    for r, (_, w) in zip(page_figures["quintiles"], ref.quintiles.iterrows(), strict=True):
        assert close(r["mean_minutes"], float(w["mean_minutes"]))
    assert ref.budget is not None and page_figures["budget"] is not None
    assert close(page_figures["budget"]["frontline_share"], ref.budget["frontline_share"])
    if ref.optimum_covered is None:
        assert page_figures["optimum"] is None
    else:
        assert close(page_figures["optimum"]["short"], ref.optimum_covered - cov.need_covered, rel=1e-7)


def figures(page: Any) -> dict[str, Any]:
    return dict(page.evaluate("window.explorer.figures"))


def kept_ids(page: Any, case: Case) -> set[str]:
    return {case.sites.ids[j] for j in figures(page)["bases"]}


def test_random_plans_equal_the_python_evaluator(open_explorer: Callable[..., Offline], explorer_file: Path,
                                                 hostile: tuple[Case, TravelMatrix], optima: list[Optimum],
                                                 artifacts: Path) -> None:
    case, matrix = hostile
    w = open_explorer(explorer_file)
    page = w.page
    assert_same(figures(page), case, matrix, optima)  # the plan in hand
    rng = random.Random(20190122)
    buildable = [j for j in range(len(case.sites)) if case.sites.can_be_base[j]]
    plans = 0
    for step in range(24):
        if step % 6 == 5:  # a shared address
            chosen = sorted(rng.sample(buildable, rng.randint(3, 25)))
            minutes = rng.choice(LIMITS)
            frag = ",".join(case.sites.ids[j] for j in chosen)
            page.evaluate(f"location.hash = {f'#bases={frag}&minutes={minutes:g}'!r}")
            page.wait_for_function(f"window.explorer.figures.bases.length === {len(chosen)}")
            assert kept_ids(page, case) == {case.sites.ids[j] for j in chosen}
        else:
            for j in rng.sample(buildable, rng.randint(1, 4)):
                if rng.random() < 0.3:  # on the map
                    page.locator(f'.leaflet-marker-icon[data-site="{j}"]').dispatch_event("click")
                else:
                    page.locator(f'#ex-sites input[data-site="{j}"]').click()
            if step % 4 == 3:
                page.fill("#ex-minutes", f"{rng.choice(LIMITS):g}")
                page.press("#ex-minutes", "Enter")
        f = figures(page)
        assert_same(f, case, matrix, optima)
        shown = page.inner_text('[data-fig="share"]')
        assert shown == f"{100 * f['need_covered_share']:.1f}%"
        assert page.inner_text('[data-fig="bases"]') == str(len(f["bases"]))
        assert page.evaluate("location.hash") == page.evaluate("window.explorer.hash()")
        plans += 1
    assert plans >= 20
    page.screenshot(path=str(artifacts / "explorer_random_plan.png"))
    w.assert_clean()


def test_best_swap_matches_brute_force(open_explorer: Callable[..., Offline], explorer_file: Path,
                                       hostile: tuple[Case, TravelMatrix], optima: list[Optimum]) -> None:
    case, matrix = hostile
    w = open_explorer(explorer_file)
    page = w.page
    before = figures(page)
    kept = [case.sites.ids[j] for j in before["bases"]]
    base = evaluate(case, matrix, kept, minutes=20.0).need_covered
    closed = [case.sites.ids[j] for j in range(len(case.sites)) if case.sites.can_be_base[j]
              and case.sites.ids[j] not in kept]
    gains = {(a, b): evaluate(case, matrix, [x for x in kept if x != a] + [b], minutes=20.0).need_covered - base
             for a in kept for b in closed}
    best = max(gains.values())
    assert best > 0
    page.click("#ex-swap")
    after = figures(page)
    assert math.isclose(after["need_covered"] - before["need_covered"], best, rel_tol=1e-9)
    assert "Swapped" in page.inner_text("#ex-message")
    assert_same(after, case, matrix, optima)
    # iterate to a swap-optimal plan: the page then says no swap gains
    for _ in range(40):
        if page.evaluate("window.explorer.swap()") is None:
            break
    assert "No single swap" in page.inner_text("#ex-message")
    final = [case.sites.ids[j] for j in figures(page)["bases"]]
    cov = evaluate(case, matrix, final, minutes=20.0).need_covered
    rest = [case.sites.ids[j] for j in range(len(case.sites)) if case.sites.can_be_base[j]
            and case.sites.ids[j] not in final]
    assert all(evaluate(case, matrix, [x for x in final if x != a] + [b], minutes=20.0).need_covered <= cov + 1e-6
               for a in final[:3] for b in rest)
    w.assert_clean()


def test_best_swap_is_one_step_of_the_python_interchange(open_explorer: Callable[..., Offline], explorer_file: Path,
                                                         hostile: tuple[Case, TravelMatrix]) -> None:
    """On random plans and limits, the page's best swap gains what one steepest step of ``CoverSearch`` gains."""
    from solvers.pmedian.cover_search import CoverSearch
    from solvers.pmedian.data import SiteRules as SearchRules

    case, matrix = hostile
    w = open_explorer(explorer_file)
    cut = cut_matrix(matrix, 120.0).minutes
    weights = case.demand.frame["weight"].to_numpy(dtype=np.float64)
    able = np.asarray(case.sites.can_be_base, dtype=bool)
    buildable = np.flatnonzero(able)
    rng = np.random.default_rng(18)
    for trial in range(6):
        kept = np.zeros(len(case.sites), dtype=bool)
        kept[rng.choice(buildable, size=int(rng.integers(3, 25)), replace=False)] = True
        limit = float(rng.choice(LIMITS))
        rules = SearchRules(p=int(kept.sum()), allowed=able, must_open=np.zeros(len(able), dtype=bool),
                            member=np.zeros((0, len(able)), dtype=bool), gmin=np.zeros(0, dtype=np.int64),
                            gmax=np.zeros(0, dtype=np.int64))
        _, _, gain = CoverSearch(cut <= limit, weights, rules).best_swap(kept)
        got = w.page.evaluate("([kept, limit]) => window.explorer.model.bestSwap(Uint8Array.from(kept), limit)",
                              [kept.astype(int).tolist(), limit])
        if gain <= 1e-9 * weights.sum():
            assert got is None, (trial, got)
            continue
        assert got is not None and math.isclose(got["gain"], gain, rel_tol=1e-12), (trial, got, gain)
        swapped = [case.sites.ids[j] for j in np.flatnonzero(kept) if j != got["out"]] + [case.sites.ids[got["into"]]]
        before = evaluate(case, matrix, [case.sites.ids[j] for j in np.flatnonzero(kept)], minutes=limit).need_covered
        assert math.isclose(evaluate(case, matrix, swapped, minutes=limit).need_covered - before, gain, rel_tol=1e-9)
    w.assert_clean()


def test_resets_address_and_export(open_explorer: Callable[..., Offline], explorer_file: Path,
                                   hostile: tuple[Case, TravelMatrix], optima: list[Optimum],
                                   artifacts: Path) -> None:
    case, matrix = hostile
    plan = case.plan_in_hand
    assert plan is not None
    chosen = [*sorted(plan.site_ids)[:7], "NOT-A-SITE"]
    w = open_explorer(explorer_file, fragment=f"#bases={','.join(chosen)}&minutes=27.5", width=800)
    page = w.page
    f = figures(page)
    assert kept_ids(page, case) == set(chosen[:7]) and f["minutes"] == 27.5
    assert "NOT-A-SITE" in page.inner_text("#ex-message")
    assert_same(f, case, matrix, optima)
    page.click("#ex-reset-plan")
    assert kept_ids(page, case) == set(plan.site_ids)
    page.fill("#ex-minutes", "20")
    page.press("#ex-minutes", "Enter")
    page.click("#ex-reset-optimum")
    best = next(o for o in optima if o.minutes == 20.0 and len(o.bases) == len(plan.site_ids))
    assert kept_ids(page, case) == set(best.bases)
    assert page.inner_text('[data-fig="gap"]') == "0.0 pts"
    with page.expect_download() as info:
        page.click("#ex-export")
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert "summary,need_covered_share,," in text and text.count("plan,base,") == len(best.bases)
    share = next(line for line in text.splitlines() if line.startswith("summary,need_covered_share"))
    assert math.isclose(float(share.split(",")[3]), evaluate(case, matrix, best.bases, minutes=20.0).need_covered_share)
    # hostile names are text
    sites_text = page.inner_text("#ex-sites")
    assert HOSTILE_SITE in sites_text and HOSTILE_CLOSED in sites_text
    assert page.evaluate("document.querySelectorAll('#ex-sites img, .leaflet-tooltip img').length") == 0
    page.screenshot(path=str(artifacts / "explorer_800px.png"))
    w.assert_clean()


def test_page_model_alone_on_random_matrices(open_explorer: Callable[..., Offline], explorer_file: Path) -> None:
    """The page's model on hand-made data with a cut-off that drops pairs, against the Python evaluator."""
    rng = np.random.default_rng(7)
    w = open_explorer(explorer_file)
    from maps.explorer_data import b64, sparse_pairs

    for trial in range(5):
        n, m = 40, 9
        t = rng.uniform(1, 60, size=(n, m)).astype(np.float32)
        t[rng.random((n, m)) < 0.2] = np.inf
        t[0, :] = np.inf  # an area nothing reaches
        weights = rng.choice([0.0, 1.0, 2.5, 7.25], size=n)
        matrix = TravelMatrix(t, tuple(f"a{i}" for i in range(n)), tuple(f"s{j}" for j in range(m)))
        cutoff = 45.0
        ptr, site, mins = sparse_pairs(matrix, cutoff)
        kept = sorted(rng.choice(m, size=int(rng.integers(0, m)), replace=False).tolist())
        limit = float(rng.choice([10.0, 20.0, 30.0]))
        data = {"areas": {"ids": list(matrix.demand_ids), "weight": weights.tolist(),
                          "rural": [i % 2 for i in range(n)], "district": [0] * n, "quintile": ["1"] * n,
                          "ruc": [0] * n},
                "sites": {"ids": list(matrix.site_ids), "canBase": [1] * m, "district": [0] * m},
                "districts": ["d"], "rucClasses": ["r"], "optima": {}, "budget": None,
                "pairs": {"ptr": b64(ptr), "site": b64(site), "minutes": b64(mins)}}
        got = w.page.evaluate("([d, kept, limit]) => { const M = new window.SitingExplorerModel(d);"
                              " const k = new Uint8Array(d.sites.ids.length); kept.forEach(j => k[j] = 1);"
                              " const f = M.evaluate(k, limit); return [f.need_covered, f.mean_minutes,"
                              " f.worst_minutes, Array.from(M.best)]; }", [data, kept, limit])
        cut = cut_matrix(matrix, cutoff).minutes.astype(np.float64)
        best = cut[:, kept].min(axis=1) if kept else np.full(n, np.inf)
        assert np.array_equal(np.asarray(got[3], dtype=np.float64), best), trial
        covered = float(weights[best <= limit].sum())
        assert close(got[0], covered)
        finite = np.isfinite(best)
        mean = float(np.average(best[finite], weights=weights[finite])) if weights[finite].sum() > 0 else math.nan
        assert close(got[1], mean)
        pos = weights > 0
        assert close(got[2], float(best[pos].max()))
    w.assert_clean()


def set_limit(page: Any, minutes: float) -> None:
    page.fill("#ex-minutes", repr(minutes))
    page.press("#ex-minutes", "Enter")
    page.wait_for_function(f"window.explorer.figures.minutes === {minutes!r}")


def test_distance_to_the_optimum_at_every_precomputed_limit(open_explorer: Callable[..., Offline],
                                                            explorer_file: Path, hostile: tuple[Case, TravelMatrix],
                                                            optima: list[Optimum]) -> None:
    """The page finds the optimum written by Python for the default limit, a half minute and a long decimal."""
    case, matrix = hostile
    w = open_explorer(explorer_file)
    page = w.page
    # one key format on both sides: Python's minutes_key is JavaScript's String for every limit offered
    values = [*LIMITS, 0.5, 1.0, 7.25, 100.0, 0.1 + 0.2, 119.99999999999999, 33.333333333333336]
    keys = page.evaluate("vs => vs.map(v => window.SitingExplorerKeys.minutesKey(v))", values)
    assert keys == [minutes_key(v) for v in values]
    assert page.evaluate("Object.keys(window.explorer.d.optima).sort()") == sorted(minutes_key(m)
                                                                                   for m in OPTIMA_LIMITS)
    plan = case.plan_in_hand
    assert plan is not None
    # the default: the plan in hand (15 bases) at 20 minutes, short of the 15-base optimum
    best = next(o for o in optima if o.minutes == 20.0 and len(o.bases) == len(plan.site_ids))
    short = best.need_covered - evaluate(case, matrix, plan.site_ids, minutes=20.0).need_covered
    assert short > 0
    assert page.inner_text('[data-fig="gap"]') == f"{100 * short / figures(page)['need_total']:.1f} pts"
    assert page.inner_text('[data-fig="gap-need"]') == f"{short:,.0f} need"
    for minutes in OPTIMA_LIMITS:
        set_limit(page, minutes)
        f = figures(page)
        assert f["optimum"] is not None, minutes
        assert_same(f, case, matrix, optima)
        assert "no optimum" not in page.inner_text('[data-fig="gap-need"]')
        page.click("#ex-reset-optimum")
        want = next(o for o in optima if o.minutes == minutes and len(o.bases) == len(f["bases"]))
        assert kept_ids(page, case) == set(want.bases), minutes
        assert page.inner_text('[data-fig="gap"]') == "0.0 pts"
        assert f"at {minutes_key(minutes)} minutes" in page.inner_text("#ex-message")
    # a limit without optima says so, with the limit as typed
    set_limit(page, 27.5)
    assert page.inner_text('[data-fig="gap"]') == "–"
    assert "no optimum computed for" in page.inner_text('[data-fig="gap-need"]')
    assert "27.5 min" in page.inner_text('[data-fig="gap-need"]')
    w.assert_clean()


@pytest.fixture(scope="module")
def tight_budget_file(hostile: tuple[Case, TravelMatrix], boundaries: Any, optima: list[Optimum],
                      tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The explorer with Norfolk's calibrated costs on a smaller budget (£3.5m): 40 bases cost more than it."""
    case, matrix = hostile
    plan = case.plan_in_hand
    assert plan is not None
    data = explorer_data(case, matrix, initial_bases=plan.site_ids, minutes=20.0, limits=LIMITS, optima=optima)
    data["budget"] = {**data["budget"], "total_gbp": 3_500_000.0}
    path = tmp_path_factory.mktemp("explorer") / "tight.html"
    path.write_text(explorer_html(data, boundaries, case.demand.frame), encoding="utf-8")
    return path, data["budget"]


def test_over_budget_is_said_not_shown_as_a_negative_share(open_explorer: Callable[..., Offline],
                                                           tight_budget_file: tuple[Path, dict[str, Any]],
                                                           hostile: tuple[Case, TravelMatrix]) -> None:
    """When the overheads of a plan exceed the budget the page says "over budget" and by how much."""
    case, _ = hostile
    path, model = tight_budget_file
    every = [sid for sid, c in zip(case.sites.ids, case.sites.can_be_base, strict=True) if c][:40]
    split = budget_split(model, len(every))
    assert split["frontline_share"] < 0  # the premise: Python's split goes negative for this plan
    w = open_explorer(path, fragment=f"#bases={','.join(every)}&minutes=20")
    page = w.page
    f = figures(page)
    assert len(f["bases"]) == len(every)
    for key, value in split.items():  # the numbers behind the words are Python's
        assert close(f["budget"][key], value), key
    assert f["budget"]["over_budget"] is True
    assert page.inner_text('[data-fig="frontline"]') == "over budget"
    over = f"£{-split['frontline_delivery']:,.0f}"
    note = page.inner_text('[data-fig="frontline-note"]')
    assert note == f"overheads exceed the budget by {over}: no money left for frontline work"
    budget_text = page.inner_text("#ex-budget")
    assert f"over budget by {over}" in budget_text
    assert "-" not in page.inner_text('[data-fig="frontline"]') and "NaN" not in budget_text
    assert budget_text.count("%") == 5  # the four other categories and the total keep their shares
    csv = page.evaluate("window.explorer.csv()")
    assert "budget,over_budget,,yes" in csv
    # back under budget: the share again, and the note gone
    page.click("#ex-reset-plan")
    f = figures(page)
    assert f["budget"]["over_budget"] is False
    assert close(f["budget"]["frontline_share"], budget_split(model, len(f["bases"]))["frontline_share"])
    assert page.inner_text('[data-fig="frontline"]') == f"{100 * f['budget']['frontline_share']:.1f}%"
    assert page.inner_text('[data-fig="frontline-note"]') == ""
    w.assert_clean()
