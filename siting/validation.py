"""All input validation, in one place.

Every check raises :class:`~siting.errors.InputError` with the file, the line (header = line 1)
and the field. Nothing downstream re-validates.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting.domain import DEMAND_COLUMNS, OPTIONAL_SITE_COLUMNS, SITE_COLUMNS, Budget, DemandAreas, Sites, TravelMatrix
from siting.errors import InputError
from siting.geo import to_bng, to_wgs84

#: 2011 rural-urban classes whose code starts with these letters are rural (ONS RUC2011).
RURAL_CODE_PREFIXES = ("D", "E", "F")
#: Counts above this are not people in an area (more than the world's children under five): a typo or a unit error.
MAX_COUNT = 1e9
SITE_KINDS = ("building", "outreach_only")


def line_of(frame: pd.DataFrame, position: int) -> int:
    """File line of the row at ``position`` (header is line 1)."""
    return int(position) + 2


def require_columns(frame: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"missing column (have: {', '.join(map(str, frame.columns[:12]))})",
                         source=source, row=1, field=missing[0])


def _first_bad(mask: NDArray[np.bool_]) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


def numeric(frame: pd.DataFrame, column: str, source: str, *, min_value: float | None = None,
            max_value: float | None = None, allow_nan: bool = False, what: str = "value") -> NDArray[np.float64]:
    """A numeric column, checked for non-numbers, NaN and range; errors name the line and field."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    not_number = np.isnan(values) & raw.notna().to_numpy()
    if (k := _first_bad(not_number)) is not None:
        raise InputError(f"not a number: {raw.iloc[k]!r}", source=source, row=line_of(frame, k), field=column)
    if not allow_nan and (k := _first_bad(np.isnan(values))) is not None:
        raise InputError(f"missing {what}", source=source, row=line_of(frame, k), field=column)
    finite = ~np.isnan(values)
    if min_value is not None and (k := _first_bad(finite & (values < min_value))) is not None:
        raise InputError(f"{what} {values[k]:g} is below {min_value:g}", source=source, row=line_of(frame, k),
                         field=column)
    if max_value is not None and (k := _first_bad(finite & (values > max_value))) is not None:
        raise InputError(f"{what} {values[k]:g} is above {max_value:g}", source=source, row=line_of(frame, k),
                         field=column)
    if (k := _first_bad(np.isinf(values))) is not None:
        raise InputError(f"{what} is infinite", source=source, row=line_of(frame, k), field=column)
    return values


def unique_ids(frame: pd.DataFrame, column: str, source: str) -> list[str]:
    ids = frame[column]
    if (k := _first_bad(ids.isna().to_numpy())) is not None:
        raise InputError("missing id", source=source, row=line_of(frame, k), field=column)
    text = ids.astype(str).str.strip()
    if (k := _first_bad((text == "").to_numpy())) is not None:
        raise InputError("empty id", source=source, row=line_of(frame, k), field=column)
    dup = text.duplicated().to_numpy()
    if (k := _first_bad(dup)) is not None:
        first = int(np.flatnonzero((text == text.iloc[k]).to_numpy())[0])
        raise InputError(f"duplicate id {text.iloc[k]!r} (first on line {line_of(frame, first)})",
                         source=source, row=line_of(frame, k), field=column)
    return text.tolist()


def coordinates(frame: pd.DataFrame, source: str, *, lon: str | None, lat: str | None, x: str | None,
                y: str | None) -> tuple[NDArray[np.float64], ...]:
    """Longitude/latitude and BNG metres, from whichever pair is given (both checked for range)."""
    if lon and lat and lon in frame.columns and lat in frame.columns:
        lo = numeric(frame, lon, source, min_value=-180, max_value=180, what="longitude")
        la = numeric(frame, lat, source, min_value=-90, max_value=90, what="latitude")
        if x and y and x in frame.columns and y in frame.columns:
            xm = numeric(frame, x, source, min_value=-1e6, max_value=2e6, what="easting")
            ym = numeric(frame, y, source, min_value=-1e6, max_value=2e6, what="northing")
        else:
            xm, ym = to_bng(lo, la)
        return lo, la, xm, ym
    if x and y and x in frame.columns and y in frame.columns:
        xm = numeric(frame, x, source, min_value=-1e6, max_value=2e6, what="easting")
        ym = numeric(frame, y, source, min_value=-1e6, max_value=2e6, what="northing")
        lo, la = to_wgs84(xm, ym)
        return lo, la, xm, ym
    raise InputError("no coordinates: need lon/lat or easting/northing columns", source=source, row=1,
                     field=f"{lon or 'lon'}/{lat or 'lat'}")


def check_districts(values: pd.Series, known: Collection[str] | None, source: str, column: str) -> list[str]:
    text = values.astype(str).str.strip()
    if (k := _first_bad((values.isna() | (text == "")).to_numpy())) is not None:
        raise InputError("missing district", source=source, row=k + 2, field=column)
    if known is not None:
        bad = ~text.isin(list(known)).to_numpy()
        if (k := _first_bad(bad)) is not None:
            raise InputError(f"unknown district {text.iloc[k]!r} (known: {', '.join(sorted(known))})",
                             source=source, row=k + 2, field=column)
    return text.tolist()


def demand_areas(frame: pd.DataFrame, *, source: str, columns: Mapping[str, str] | None = None,
                 districts: Collection[str] | None = None) -> DemandAreas:
    """Validate a demand table. ``columns`` maps canonical names (:data:`DEMAND_COLUMNS`) to the file's."""
    col = {c: c for c in DEMAND_COLUMNS} | dict(columns or {})
    frame = frame.reset_index(drop=True)
    require_columns(frame, [col["id"], col["children_0_4"], col["district"]], source)
    ids = unique_ids(frame, col["id"], source)
    lo, la, xm, ym = coordinates(frame, source, lon=col["lon"], lat=col["lat"], x=col["x_m"], y=col["y_m"])
    children = numeric(frame, col["children_0_4"], source, min_value=0, max_value=MAX_COUNT, what="count")
    dist = check_districts(frame[col["district"]], districts, source, col["district"])
    names = frame[col["name"]].astype(str).tolist() if col["name"] in frame.columns else ids
    ruc = (frame[col["ruc"]].astype(str).str.strip() if col["ruc"] in frame.columns
           else pd.Series(["unknown"] * len(frame)))
    if "rural" in col and col["rural"] in frame.columns and col["rural"] != "rural":
        rural = frame[col["rural"]].astype(bool).to_numpy()
    elif col.get("ruc_code", "") in frame.columns:
        rural = frame[col["ruc_code"]].astype(str).str[:1].isin(RURAL_CODE_PREFIXES).to_numpy()
    else:
        rural = ruc.str.lower().str.startswith("rural").to_numpy()
    idaci = (numeric(frame, col["idaci"], source, min_value=0, max_value=1, what="IDACI score")
             if col["idaci"] in frame.columns else np.zeros(len(frame)))
    weight = (numeric(frame, col["weight"], source, min_value=0, max_value=MAX_COUNT, what="weight")
              if col["weight"] in frame.columns else children.copy())
    out = pd.DataFrame({
        "id": ids, "name": names, "lon": lo, "lat": la, "x_m": xm, "y_m": ym, "district": dist,
        "ruc": ruc.to_numpy(), "rural": rural, "children_0_4": children, "idaci": idaci, "weight": weight,
    })
    if len(out) == 0:
        raise InputError("no demand areas", source=source)
    return DemandAreas(out, source)


def _bool_column(frame: pd.DataFrame, column: str, source: str) -> NDArray[np.bool_]:
    truth = {"true": True, "yes": True, "y": True, "1": True, "t": True,
             "false": False, "no": False, "n": False, "0": False, "f": False}
    text = frame[column].astype(str).str.strip().str.lower()
    bad = ~text.isin(list(truth)).to_numpy()
    if (k := _first_bad(bad)) is not None:
        raise InputError(f"expected yes/no, got {frame[column].iloc[k]!r}", source=source, row=k + 2, field=column)
    return text.map(truth).to_numpy(dtype=bool)


def sites(frame: pd.DataFrame, *, source: str, columns: Mapping[str, str] | None = None,
          districts: Collection[str] | None = None) -> Sites:
    """Validate a candidate-site table (see :data:`SITE_COLUMNS`; ``columns`` maps names)."""
    col = {c: c for c in SITE_COLUMNS} | dict(columns or {})
    frame = frame.reset_index(drop=True)
    require_columns(frame, [col["id"]], source)
    ids = unique_ids(frame, col["id"], source)
    lo, la, xm, ym = coordinates(frame, source, lon=col["lon"], lat=col["lat"], x=col["x_m"], y=col["y_m"])
    dist = (check_districts(frame[col["district"]], districts, source, col["district"])
            if col["district"] in frame.columns else ["unknown"] * len(frame))
    names = frame[col["name"]].astype(str).tolist() if col["name"] in frame.columns else ids
    if col["kind"] in frame.columns:
        kind = frame[col["kind"]].astype(str).str.strip().str.lower().str.replace("-", "_")
        bad = ~kind.isin(list(SITE_KINDS)).to_numpy()
        if (k := _first_bad(bad)) is not None:
            raise InputError(f"kind must be one of {', '.join(SITE_KINDS)}, got {frame[col['kind']].iloc[k]!r}",
                             source=source, row=k + 2, field=col["kind"])
        kinds = kind.tolist()
    else:
        kinds = ["building"] * len(frame)
    suitable = (_bool_column(frame, col["suitable_base"], source) if col["suitable_base"] in frame.columns
                else np.ones(len(frame), dtype=bool))
    cost = (numeric(frame, col["running_cost_gbp"], source, min_value=0, allow_nan=True, what="running cost")
            if col["running_cost_gbp"] in frame.columns else np.full(len(frame), np.nan))
    out = pd.DataFrame({
        "id": ids, "name": names, "lon": lo, "lat": la, "x_m": xm, "y_m": ym, "district": dist,
        "kind": kinds, "suitable_base": suitable, "running_cost_gbp": cost,
    })
    if len(out) == 0:
        raise InputError("no candidate sites", source=source)
    for name in OPTIONAL_SITE_COLUMNS:
        if col.get(name, name) in frame.columns:
            out[name] = site_amount(frame, col.get(name, name), source, allow_inf=name == "capacity")
    return Sites(out, source)


def site_amount(frame: pd.DataFrame, column: str, source: str, *, allow_inf: bool) -> NDArray[np.float64]:
    """A per-site capacity or cost: a number >= 0 on every row (``inf``, no limit, where ``allow_inf``)."""
    raw = frame[column]
    text = raw.astype(str).str.strip().str.lower()
    values = np.array(pd.to_numeric(raw, errors="coerce"), dtype=np.float64)
    infinite = text.isin(["inf", "infinity"]).to_numpy()
    values[infinite] = np.inf
    blank = raw.isna().to_numpy() | text.isin(["", "nan"]).to_numpy()
    if (k := _first_bad(blank)) is not None:
        hint = " (write inf for no limit)" if allow_inf else ""
        raise InputError(f"missing {column}{hint}", source=source, row=line_of(frame, k), field=column)
    if (k := _first_bad(np.isnan(values))) is not None:
        raise InputError(f"not a number: {raw.iloc[k]!r}", source=source, row=line_of(frame, k), field=column)
    if not allow_inf and (k := _first_bad(np.isinf(values))) is not None:
        raise InputError(f"{column} is infinite", source=source, row=line_of(frame, k), field=column)
    if (k := _first_bad(values < 0)) is not None:
        raise InputError(f"{column} {values[k]:g} is negative", source=source, row=line_of(frame, k), field=column)
    return values


def bases_count(p: int, sites: Sites, *, source: str = "--bases") -> int:
    """Check a number of bases against the sites that can be bases."""
    able = int(sites.can_be_base.sum())
    if p < 1:
        raise InputError(f"the number of bases must be at least 1, got {p}", source=source)
    if p > able:
        raise InputError(f"{p} bases asked for but only {able} sites can be bases", source=source)
    return p


def travel_matrix(minutes: NDArray[np.floating], demand_ids: Sequence[str], site_ids: Sequence[str], *,
                  source: str) -> TravelMatrix:
    """Validate a demand x site matrix of minutes (NaN or negative is an error; ``inf`` unreachable)."""
    arr = np.asarray(minutes, dtype=np.float32)
    if arr.shape != (len(demand_ids), len(site_ids)):
        raise InputError(f"matrix has shape {arr.shape}, expected ({len(demand_ids)} areas, {len(site_ids)} sites)",
                         source=source)
    bad = np.isnan(arr) | (arr < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(f"travel time {arr[i, j]} for area {demand_ids[i]!r} is not a non-negative number",
                         source=source, row=int(i) + 2, field=str(site_ids[j]))
    return TravelMatrix(arr, tuple(demand_ids), tuple(site_ids), source)


def read_table(path: Path) -> pd.DataFrame:
    """Read CSV (optionally gzipped) or Parquet; errors name the file."""
    if not path.exists():
        raise InputError("file not found", source=str(path))
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read table: {' '.join(str(exc).split())}", source=str(path)) from exc


def travel_matrix_file(path: Path, demand_ids: Sequence[str], site_ids: Sequence[str], *,
                       notes: list[str] | None = None) -> TravelMatrix:
    """Load a precomputed matrix: long (``demand_id, site_id, minutes``) or wide (first column ids).

    Long: a pair given twice is an error naming both lines; pairs not given are unreachable, and how
    many there are is appended to ``notes`` (one line).
    """
    frame = read_table(path)
    source = str(path)
    if {"demand_id", "site_id", "minutes"} <= set(frame.columns):
        numeric(frame, "minutes", source, min_value=0, what="minutes")
        pairs = frame[["demand_id", "site_id"]].astype(str)
        dup = pairs.duplicated().to_numpy()
        if (k := _first_bad(dup)) is not None:
            d, s_ = pairs.iloc[k]
            same = (pairs["demand_id"] == d) & (pairs["site_id"] == s_)
            first = int(np.flatnonzero(same.to_numpy())[0])
            raise InputError(f"pair (area {d!r}, site {s_!r}) given twice (first on line {line_of(frame, first)})",
                             source=source, row=line_of(frame, k), field="site_id")
        d_pos = {d: k for k, d in enumerate(demand_ids)}
        s_pos = {s: k for k, s in enumerate(site_ids)}
        di = frame["demand_id"].astype(str).map(d_pos)
        si = frame["site_id"].astype(str).map(s_pos)
        if (k := _first_bad(di.isna().to_numpy())) is not None:
            raise InputError(f"unknown demand area {frame['demand_id'].iloc[k]!r}", source=source, row=k + 2,
                             field="demand_id")
        if (k := _first_bad(si.isna().to_numpy())) is not None:
            raise InputError(f"unknown site {frame['site_id'].iloc[k]!r}", source=source, row=k + 2, field="site_id")
        out = np.full((len(demand_ids), len(site_ids)), np.inf, dtype=np.float32)
        out[di.to_numpy(dtype=np.int64), si.to_numpy(dtype=np.int64)] = frame["minutes"].to_numpy(dtype=np.float32)
        absent = len(demand_ids) * len(site_ids) - len(frame)
        if absent and notes is not None:
            notes.append(f"{source}: {absent:,} of {len(demand_ids) * len(site_ids):,} (area, site) pairs are not in "
                         "the matrix file and are taken as unreachable")
        return TravelMatrix(out, tuple(demand_ids), tuple(site_ids), source)
    id_col = frame.columns[0]
    frame = frame.set_index(frame[id_col].astype(str)).drop(columns=[id_col])
    frame.columns = [str(c) for c in frame.columns]
    missing_sites = [s for s in site_ids if s not in frame.columns]
    if missing_sites:
        raise InputError(f"matrix has no column for site {missing_sites[0]!r} (wrong shape?)", source=source, row=1,
                         field=missing_sites[0])
    missing_areas = [d for d in demand_ids if d not in frame.index]
    if missing_areas:
        raise InputError(f"matrix has no row for area {missing_areas[0]!r} (wrong shape?)", source=source,
                         field=str(id_col))
    sub = frame.loc[list(demand_ids), list(site_ids)].apply(pd.to_numeric, errors="coerce")
    return travel_matrix(sub.to_numpy(dtype=np.float32), demand_ids, site_ids, source=source)


def budget(frame: pd.DataFrame, *, source: str, model: str) -> Budget:
    """A budget from a table with columns ``model, category, amount_gbp``."""
    require_columns(frame, ["model", "category", "amount_gbp"], source)
    sub = frame[frame["model"] == model].reset_index(drop=True)
    if sub.empty:
        raise InputError(f"no rows for budget model {model!r}", source=source, field="model")
    amounts = numeric(sub, "amount_gbp", source, min_value=0, what="amount")
    return Budget(model, dict(zip(sub["category"].astype(str), amounts.tolist(), strict=True)))
