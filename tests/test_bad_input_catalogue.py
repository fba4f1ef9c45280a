"""The bad-input catalogue: every way a user can get it wrong gives one line, the right exit status and writes nothing.

Each case runs the ``siting`` command in-process (click's CliRunner) in a working folder holding good
data files, a good scenario, a folder of the user's own (``d/thesis.docx``) and other files of theirs;
it asserts the exit status, exactly one line of output without a traceback, a working folder
identical before and after (a full recursive listing, hidden files included) and every pre-existing
file's content unchanged (hashes). A few data-loss cases also run as real subprocesses.

Exit statuses: 2 bad input (or options making the problem infeasible), 3 no solution within the limits.
"""

from __future__ import annotations

import copy
import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from scenarios import norfolk
from scenarios.cli import cli

ROOT = Path(__file__).resolve().parent.parent

#: The good scenario every scenario case starts from (Norwich's LSOAs and its seven children's centres).
BASE: dict[str, Any] = {
    "name": "norwich",
    "demand": {"file": "areas.csv"},
    "sites": {"file": "sites.csv"},
    "model": {"name": "mclp", "bases": 3, "minutes": 10},
}

BOMB = "\n".join(
    ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]" for k in range(1, 10)]
    + ["demand: {case: norfolk}"]
) + "\n"


@dataclass(frozen=True)
class Bad:
    """One bad input: the command line, the files it needs, and what must come out."""

    id: str
    args: tuple[str, ...]
    words: str
    code: int = 2
    files: dict[str, str] = field(default_factory=dict)
    scenario: dict[str, Any] | None = None
    """Changes to :data:`BASE` (``None`` values delete a key), written as ``bad.yaml``."""
    no_solution: bool = False
    """Make every solve stop without a solution (as a too-short time limit does)."""


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in changes.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merged(out[k], v)
        else:
            out[k] = v
    return out


SOLVE = ("solve", "norfolk")
RUN = ("run", "bad.yaml")
AREAS_HEAD = "id,children_0_4,district,lon,lat\n"
AREA_ROW = "E01026747,50,Norwich,1.28,52.63\n"
CAP_HEAD = "id,name,district,lon,lat,capacity\n"
CAP_ROW1 = "S1,a,Norwich,1.29,52.63,9000\n"
CAP_ROW2 = "S2,b,Norwich,1.30,52.62,"

OWN = ("solve", "--demand", "areas.csv", "--sites", "sites.csv", "--bases", "2")

CASES: list[Bad] = [
    # --- data loss: output folders and files ----------------------------------------------------
    Bad("solve-out-foreign-folder", (*SOLVE, "--out", "d"), "is not empty and was not written by siting"),
    Bad("run-out-foreign-folder", ("run", "good.yaml", "--out", "d"), "is not empty and was not written by siting"),
    Bad("alternatives-out-foreign-folder", ("alternatives", "good.yaml", "--out", "d"),
        "is not empty and was not written by siting"),
    Bad("sweep-out-foreign-folder", ("sweep", "good.yaml", "--bases", "2:3", "--scheduler", "none", "--out", "d"),
        "was not written by siting"),
    Bad("solve-out-dotdot", (*SOLVE, "--out", ".."), "was not written by siting"),
    Bad("solve-out-empty", (*SOLVE, "--out", ""), "--out"),
    Bad("solve-out-dot-with-files", (*SOLVE, "--out", "."), "was not written by siting"),
    Bad("solve-out-is-a-file", (*SOLVE, "--out", "notes.txt"), "notes.txt"),
    Bad("solve-out-under-a-file", (*SOLVE, "--out", "notes.txt/results"), "is not a folder"),
    Bad("run-out-is-a-file", ("run", "good.yaml", "--out", "notes.txt"), "notes.txt"),
    Bad("sweep-out-is-a-file", ("sweep", "good.yaml", "--bases", "2:3", "--scheduler", "none", "--out", "notes.txt"),
        "notes.txt"),
    Bad("scenario-outputs-folder-foreign", RUN, "was not written by siting", scenario={"outputs": {"folder": "d"}}),
    Bad("scenario-name-escapes", RUN, "name", scenario={"name": "../victim"}),
    Bad("scenario-name-absolute", RUN, "name", scenario={"name": "/tmp/victim"}),
    Bad("scenario-name-separator", RUN, "name", scenario={"name": "a/b"}),
    Bad("scenario-name-dotdot", RUN, "name", scenario={"name": ".."}),
    Bad("map-out-foreign-html", ("map", "norfolk", "-o", "page.html"), "was not written by siting"),
    Bad("map-out-is-a-folder", ("map", "norfolk", "-o", "d"), "d"),
    Bad("report-out-foreign-html", ("report", "d", "-o", "page.html"), "was not written by siting"),
    Bad("compare-csv-exists", ("compare", "d", "d", "--csv", "table.csv"), "was not written by siting"),
    Bad("travel-times-out-foreign-parquet",
        ("travel-times", "--network", "x.osm", "--demand", "areas.csv", "--sites", "sites.csv", "-o", "m.parquet"),
        "was not written by siting", files={"m.parquet": "not parquet"}),
    Bad("travel-times-out-suffix",
        ("travel-times", "--network", "x.osm", "--demand", "areas.csv", "--sites", "sites.csv", "-o", "m.txt"),
        "output must end in"),
    # --- options the scenario schema refuses, refused on the command line too -------------------
    Bad("gap-5", (*SOLVE, "--gap", "5"), "--gap"),
    Bad("gap-negative", (*SOLVE, "--gap", "-1"), "--gap"),
    Bad("time-limit-0", (*SOLVE, "--time-limit", "0"), "--time-limit"),
    Bad("time-limit-negative", (*SOLVE, "--time-limit", "-1"), "--time-limit"),
    Bad("threads-0", (*SOLVE, "--threads", "0"), "--threads"),
    Bad("minutes-inf", (*SOLVE, "--minutes", "inf"), "--minutes"),
    Bad("minutes-1e308", (*SOLVE, "--minutes", "1e308"), "--minutes"),
    Bad("minutes-nan", (*SOLVE, "--minutes", "nan"), "--minutes"),
    Bad("minutes-negative", (*SOLVE, "--minutes", "-5"), "--minutes"),
    Bad("seed-negative", (*SOLVE, "--seed", "-1"), "--seed"),
    Bad("map-minutes-inf", ("map", "norfolk", "--minutes", "inf", "-o", "new.html"), "--minutes"),
    Bad("explore-a-text-file", ("explore", "notes.txt", "-o", "new.html"), "is a scenario file (.yaml, .yml, .toml)"),
    Bad("serve-a-text-file", ("serve", "notes.txt", "--folder", "state"), "is a scenario file (.yaml, .yml, .toml)"),
    Bad("explore-scenario-cmclp", ("explore", "bad.yaml", "-o", "new.html"), "capacity",
        scenario={"model": {"name": "cmclp"}}),
    Bad("sweep-minutes-inf", ("sweep", "good.yaml", "--bases", "2:3", "--minutes", "inf", "--scheduler", "none",
                              "--out", "sw"), "--minutes"),
    Bad("sweep-bases-huge-range", ("sweep", "good.yaml", "--bases", "1:1000000000", "--scheduler", "none",
                                   "--out", "sw"), "--bases"),
    Bad("sweep-bases-0", ("sweep", "good.yaml", "--bases", "0:3", "--scheduler", "none", "--out", "sw"), "--bases"),
    Bad("yaml-gap-5", RUN, "solver.gap", scenario={"solver": {"gap": 5}}),
    Bad("yaml-time-limit-0", RUN, "solver.time_limit_s", scenario={"solver": {"time_limit_s": 0}}),
    Bad("yaml-threads-0", RUN, "solver.threads", scenario={"solver": {"threads": 0}}),
    Bad("yaml-minutes-inf", RUN, "model.minutes", scenario={"model": {"minutes": float("inf")}}),
    Bad("yaml-minutes-1e308", RUN, "model.minutes", scenario={"model": {"minutes": 1e308}}),
    # --- models and options ----------------------------------------------------------------------
    Bad("model-cpmedian", (*SOLVE, "--model", "cpmedian"), "capacity"),
    Bad("model-cmclp", (*SOLVE, "--model", "cmclp"), "capacity"),
    Bad("yaml-model-cpmedian", RUN, "capacity", scenario={"model": {"name": "cpmedian"}}),
    Bad("yaml-model-cmclp", RUN, "capacity", scenario={"model": {"name": "cmclp"}}),
    Bad("sweep-model-cmclp", ("sweep", "good.yaml", "--bases", "2:3", "--model", "cmclp", "--scheduler", "none",
                              "--out", "sw"), "capacity"),
    # --- capacities and opening costs (siting.facility) ---------------------------------------------
    Bad("cflp-no-opening-cost", (*SOLVE, "--model", "cflp", "--travel-gbp-per-minute", "2"), "opening cost"),
    Bad("cflp-no-travel-price", (*SOLVE, "--model", "cflp", "--opening-cost-gbp", "93166"), "--travel-gbp-per-minute"),
    Bad("cflp-opening-cost-nan", (*SOLVE, "--model", "cflp", "--opening-cost-gbp", "nan", "--travel-gbp-per-minute",
                                  "2"), "--opening-cost-gbp"),
    Bad("cflp-travel-price-0", (*SOLVE, "--model", "cflp", "--opening-cost-gbp", "1", "--travel-gbp-per-minute", "0"),
        "--travel-gbp-per-minute"),
    Bad("capacity-negative", (*SOLVE, "--model", "cpmedian", "--capacity", "-1"), "--capacity"),
    Bad("capacity-nan", (*SOLVE, "--model", "cpmedian", "--capacity", "nan"), "--capacity"),
    Bad("capacity-for-mclp", (*SOLVE, "--model", "mclp", "--capacity", "100"), "--capacity"),
    Bad("single-source-for-mclp", (*SOLVE, "--model", "mclp", "--single-source"), "--single-source"),
    Bad("backup-only-for-mclp", (*SOLVE, "--model", "mclp", "--backup-only"), "--backup-only"),
    Bad("cflp-capacity-below-demand", (*SOLVE, "--model", "cflp", "--opening-cost-gbp", "1", "--travel-gbp-per-minute",
                                       "1", "--capacity", "100", "--single-source", "--rules", "none"),
        "below the total demand"),
    Bad("yaml-cflp-no-travel-price", RUN, "travel_gbp_per_minute",
        scenario={"model": {"name": "cflp", "bases": None, "opening_cost_gbp": 1000}}),
    Bad("yaml-single-source-for-mclp", RUN, "'model.single_source': is an option of the cflp model, not of mclp",
        scenario={"model": {"single_source": True}}),
    Bad("yaml-backup-only-for-mclp", RUN, "'model.require_cover': is an option of the bclp model, not of mclp",
        scenario={"model": {"require_cover": False}}),
    Bad("yaml-opening-cost-for-cpmedian", RUN, "'model.opening_cost_gbp': is for the model cflp, not cpmedian",
        scenario={"model": {"name": "cpmedian", "capacity": 100, "opening_cost_gbp": 5}}),
    Bad("yaml-capacity-negative", RUN, "model.capacity", scenario={"model": {"name": "cpmedian", "capacity": -1}}),
    Bad("yaml-opening-cost-nan", RUN, "model.opening_cost_gbp",
        scenario={"model": {"name": "cflp", "opening_cost_gbp": float("nan"), "travel_gbp_per_minute": 1}}),
    Bad("sites-capacity-negative", RUN, "capacity", files={"cap.csv": CAP_HEAD + CAP_ROW1 + CAP_ROW2 + "-5\n"},
        scenario={"sites": {"file": "cap.csv"}, "model": {"name": "cpmedian", "bases": 1}}),
    Bad("sites-capacity-blank", RUN, "write inf", files={"cap.csv": CAP_HEAD + CAP_ROW1 + CAP_ROW2 + "\n"},
        scenario={"sites": {"file": "cap.csv"}, "model": {"name": "cpmedian", "bases": 1}}),
    Bad("sites-capacity-and-option", RUN, "not both", files={"cap.csv": CAP_HEAD + CAP_ROW1},
        scenario={"sites": {"file": "cap.csv"}, "model": {"name": "cpmedian", "bases": 1, "capacity": 50}}),
    Bad("bases-above-candidates", (*SOLVE, "--bases", "50"), "only 49 sites can be bases"),
    Bad("bases-0", (*SOLVE, "--bases", "0"), "at least 1"),
    Bad("bases-not-a-number", (*SOLVE, "--bases", "x"), "--bases"),
    Bad("bases-auto-not-outreach", (*SOLVE, "--bases", "auto"), "outreach"),
    Bad("keep-unknown-site", (*SOLVE, "--keep", "ZZ99"), "ZZ99"),
    Bad("keep-and-close-same-site", (*SOLVE, "--keep", "NW01", "--close", "NW01"), "NW01"),
    Bad("too-many-must-keep", (*SOLVE, "--rules", "none", "--bases", "3", "--keep", "NW01", "--keep", "NW02",
                               "--keep", "BR01", "--keep", "BR02"), "4 site(s) must be kept"),
    Bad("unknown-case", ("solve", "suffolk"), "suffolk"),
    Bad("unknown-need", (*SOLVE, "--need", "wealth"), "wealth"),
    Bad("unknown-model", (*SOLVE, "--model", "nope"), "--model"),
    Bad("unknown-solver", (*SOLVE, "--solver", "nope"), "nope"),
    Bad("unknown-plan", (*SOLVE, "--plan", "nope"), "nope"),
    Bad("unknown-option", (*SOLVE, "--nope"), "--nope"),
    Bad("min-per-district-negative", (*SOLVE, "--min-per-district", "-1"), "--min-per-district"),
    Bad("max-per-district-negative", (*SOLVE, "--max-per-district", "-1"), "--max-per-district"),
    Bad("outreach-option-on-mclp", (*SOLVE, "--budget-gbp", "1000000"), "outreach"),
    Bad("alternatives-within-bad", ("alternatives", "good.yaml", "--within", "150%"), "--within"),
    Bad("alternatives-count-0", ("alternatives", "good.yaml", "--count", "0"), "--count"),
    Bad("change-out-foreign-folder", ("change", "norfolk", "--close", "1", "--out", "d"), "was not written by siting"),
    Bad("change-minutes-inf", ("change", "norfolk", "--close", "1", "--minutes", "inf"), "--minutes"),
    Bad("change-time-limit-0", ("change", "norfolk", "--close", "1", "--time-limit", "0"), "--time-limit"),
    # --- no solution within the limits: exit 3 ---------------------------------------------------
    Bad("no-solution-in-time-solve", (*SOLVE, "--time-limit", "0.01", "--out", "new"), "no solution", code=3,
        no_solution=True),
    Bad("no-solution-in-time-run", ("run", "good.yaml"), "no solution", code=3, no_solution=True),
    # --- scenario files --------------------------------------------------------------------------
    Bad("scenario-missing", ("run", "nope.yaml"), "file not found"),
    Bad("scenario-is-a-folder", ("run", "d"), "folder"),
    Bad("scenario-malformed-yaml", RUN, "invalid YAML", files={"bad.yaml": "demand: {case: norfolk\nmodel: [\n"}),
    Bad("scenario-malformed-toml", ("run", "bad.toml"), "invalid TOML", files={"bad.toml": "[demand\ncase = 1\n"}),
    Bad("scenario-empty", RUN, "empty", files={"bad.yaml": ""}),
    Bad("scenario-not-a-mapping", RUN, "mapping", files={"bad.yaml": "- 1\n- 2\n"}),
    Bad("scenario-duplicate-key", RUN, "duplicate key",
        files={"bad.yaml": "demand: {case: norfolk}\nneed: children\nneed: idaci\n"}),
    Bad("scenario-alias-bomb", RUN, "expands to more than", files={"bad.yaml": BOMB}),
    Bad("scenario-alias-loop", RUN, "loop", files={"bad.yaml": "a: &a [1, *a]\ndemand: {case: norfolk}\n"}),
    Bad("scenario-unknown-key", RUN, "did you mean 'model'", scenario={"modle": {"name": "mclp"}}),
    Bad("scenario-params-on-mclp", RUN, "model.params", scenario={"model": {"params": {"radius": 3}}}),
    Bad("scenario-outreach-param-typo", RUN, "did you mean 'frontline_floor'",
        scenario={"demand": {"case": "norfolk", "file": None}, "sites": None,
                  "model": {"name": "outreach", "bases": 10, "params": {"frontline_flor": 0.6}}}),
    Bad("scenario-unknown-model", RUN, "unknown model", scenario={"model": {"name": "nope"}}),
    Bad("scenario-unknown-solver", RUN, "unknown solver", scenario={"solver": {"name": "nope"}}),
    Bad("scenario-unknown-case", RUN, "unknown case", scenario={"demand": {"case": "suffolk", "file": None},
                                                               "sites": None}),
    Bad("scenario-bases-above-sites", RUN, "only 7 sites can be bases", scenario={"model": {"bases": 8}}),
    Bad("scenario-must-keep-unknown", RUN, "ZZ99", scenario={"constraints": {"must_keep": ["ZZ99"]}}),
    Bad("scenario-keep-and-close", RUN, "NW01", scenario={"constraints": {"must_keep": ["NW01"],
                                                                          "must_close": ["NW01"]}}),
    Bad("scenario-unknown-district", RUN, "unknown district",
        scenario={"constraints": {"min_per_district": {"Nowhere": 1}}}),
    Bad("scenario-plan-unknown-site", RUN, "ZZ99", scenario={"plan": {"name": "mine", "sites": ["ZZ99"]}}),
    Bad("scenario-demand-file-missing", RUN, "file not found", scenario={"demand": {"file": "nope.csv"}}),
    # --- data files ------------------------------------------------------------------------------
    Bad("demand-missing-column", RUN, "children_0_4", scenario={"demand": {"file": "bad.csv"}},
        files={"bad.csv": "id,district,lon,lat\nE1,Norwich,1.28,52.63\n"}),
    Bad("demand-nan-count", RUN, "line 2", scenario={"demand": {"file": "bad.csv"}},
        files={"bad.csv": AREAS_HEAD + "E1,,Norwich,1.28,52.63\n"}),
    Bad("demand-negative-count", RUN, "line 3", scenario={"demand": {"file": "bad.csv"}},
        files={"bad.csv": AREAS_HEAD + AREA_ROW + "E2,-4,Norwich,1.28,52.63\n"}),
    Bad("demand-implausible-count", RUN, "line 3", scenario={"demand": {"file": "bad.csv"}},
        files={"bad.csv": AREAS_HEAD + AREA_ROW + "E2,1e300,Norwich,1.28,52.63\n"}),
    Bad("demand-not-a-number", RUN, "not a number", scenario={"demand": {"file": "bad.csv"}},
        files={"bad.csv": AREAS_HEAD + "E1,many,Norwich,1.28,52.63\n"}),
    Bad("demand-duplicate-id", RUN, "duplicate id", scenario={"demand": {"file": "bad.csv"}},
        files={"bad.csv": AREAS_HEAD + AREA_ROW + AREA_ROW}),
    Bad("demand-latitude-out-of-range", RUN, "latitude", scenario={"demand": {"file": "bad.csv"}},
        files={"bad.csv": AREAS_HEAD + "E1,5,Norwich,1.28,152.63\n"}),
    Bad("demand-malformed-csv", RUN, "cannot read table", scenario={"demand": {"file": "bad.csv"}},
        files={"bad.csv": AREAS_HEAD + 'E1,5,"Norwich,1.28,52.63\nE2,1,2,3,4,5,6\n'}),
    # own data on the command line (siting solve --demand FILE --sites FILE, through siting.solve)
    Bad("own-unknown-column-key", (*OWN, "--column", "ruc_class=ruc11cd"), "did you mean 'ruc_code'"),
    Bad("own-mapped-column-missing", (*OWN, "--column", "ruc=ruc11cd"), "is not in the table"),
    Bad("own-column-syntax", (*OWN, "--column", "id"), "expected KEY=COLUMN"),
    Bad("own-case-and-files", ("solve", "norfolk", "--demand", "areas.csv", "--sites", "sites.csv"), "not both"),
    Bad("own-demand-without-sites", ("solve", "--demand", "areas.csv"), "needs both"),
    Bad("own-no-case-no-files", ("solve",), "give a CASE"),
    Bad("own-outreach-model", (*OWN, "--model", "outreach"), "needs an embedded case"),
    Bad("own-matrix-and-network", (*OWN, "--matrix", "a.csv", "--network", "b.osm"), "not both"),
    Bad("own-site-outside-england", ("solve", "--demand", "areas.csv", "--sites", "bad.csv", "--bases", "1"),
        "site 'BOGOTA' lies outside England", files={"bad.csv": "id,lon,lat\nNW1,1.29,52.63\nBOGOTA,-74.07,4.71\n"}),
    Bad("own-bad-rural-urban-class", ("solve", "--demand", "bad.csv", "--sites", "sites.csv", "--bases", "1"),
        "neither an ONS RUC2011 code", files={"bad.csv": "id,children_0_4,ruc,lon,lat\nE1,5,C1,1.28,52.63\n"
                                                          "E2,5,villagey,1.29,52.63\n"}),
    Bad("own-negative-count", ("solve", "--demand", "bad.csv", "--sites", "sites.csv", "--bases", "1"), "line 3",
        files={"bad.csv": "id,children_0_4,lon,lat\nE1,5,1.28,52.63\nE2,-1,1.29,52.63\n"}),
    Bad("own-empty-demand", ("solve", "--demand", "bad.csv", "--sites", "sites.csv"), "empty",
        files={"bad.csv": "id,children_0_4,lon,lat\n"}),
    Bad("own-plan-unknown-site", (*OWN, "--plan", "NW01,NOPE"), "not among the sites"),
    Bad("own-cpmedian-without-capacity", (*OWN, "--model", "cpmedian"), "--model: model cpmedian needs a capacity"),
    Bad("own-opening-cost-for-cpmedian", (*OWN, "--model", "cpmedian", "--opening-cost-gbp", "5"),
        "--opening-cost-gbp: is for the model cflp, not cpmedian"),
    Bad("own-cflp-without-price", (*OWN, "--model", "cflp", "--opening-cost-gbp", "5"),
        "needs --travel-gbp-per-minute"),
    Bad("own-capacity-column-and-option", ("solve", "--demand", "areas.csv", "--sites", "cap.csv", "--bases", "1",
                                           "--model", "cpmedian", "--capacity", "50"), "not both",
        files={"cap.csv": CAP_HEAD + CAP_ROW1}),
    Bad("own-capacity-column-blank", ("solve", "--demand", "areas.csv", "--sites", "cap.csv", "--bases", "1",
                                      "--model", "cmclp"), "write inf",
        files={"cap.csv": CAP_HEAD + CAP_ROW1 + CAP_ROW2 + "\n"}),
    Bad("yaml-network-outside-great-britain", RUN, "outside Great Britain",
        scenario={"demand": {"file": "abroad.csv"}, "sites": {"file": "abroad_sites.csv"},
                  "travel": {"source": "network", "file": "roads.osm"}},
        files={"abroad.csv": "id,children_0_4,lon,lat\nB1,5,13.40,52.52\nB2,7,13.45,52.50\n",
               "abroad_sites.csv": "id,lon,lat\nS1,13.41,52.51\n", "roads.osm": "<osm version='0.6'></osm>\n"}),
    Bad("travel-times-estimate-outside-england",
        ("travel-times", "--estimate", "--demand", "areas.csv", "--sites", "bad.csv", "-o", "m.parquet"),
        "site 'BOGOTA' lies outside England", files={"bad.csv": "id,lon,lat\nBOGOTA,-74.07,4.71\n"}),
    Bad("travel-times-estimate-and-network",
        ("travel-times", "--estimate", "--network", "x.osm", "--demand", "areas.csv", "--sites", "sites.csv", "-o",
         "m.parquet"), "exactly one of"),
    Bad("example-out-foreign-folder", ("example", "suffolk", "--out", "d"), "was not written by siting"),
    Bad("sites-duplicate-id", RUN, "duplicate id", scenario={"sites": {"file": "bad.csv"}},
        files={"bad.csv": "id,lon,lat\nS1,1.28,52.63\nS1,1.29,52.64\n"}),
    Bad("sites-bad-kind", RUN, "kind", scenario={"sites": {"file": "bad.csv"}},
        files={"bad.csv": "id,lon,lat,kind\nS1,1.28,52.63,castle\n"}),
    Bad("matrix-file-missing", RUN, "file not found", scenario={"travel": {"source": "matrix", "file": "nope.csv"}}),
    Bad("matrix-wrong-shape", RUN, "wrong shape", scenario={"travel": {"source": "matrix", "file": "bad.csv"}},
        files={"bad.csv": "demand_id,NW01\nE01026747,3\n"}),
    Bad("matrix-duplicate-pair", RUN, "given twice", scenario={"travel": {"source": "matrix", "file": "bad.csv"}},
        files={"bad.csv": "demand_id,site_id,minutes\nAREA0,NW01,3\nAREA0,NW02,4\nAREA0,NW01,5\n"}),
    Bad("matrix-unknown-area", RUN, "unknown demand area", scenario={"travel": {"source": "matrix", "file": "bad.csv"}},
        files={"bad.csv": "demand_id,site_id,minutes\nNOWHERE,NW01,3\n"}),
    Bad("matrix-negative-minutes", RUN, "below 0", scenario={"travel": {"source": "matrix", "file": "bad.csv"}},
        files={"bad.csv": "demand_id,site_id,minutes\nAREA0,NW01,-3\n"}),
]


def _snapshot(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` (hidden ones too) with its type and, for files, a content hash."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), folder)] = "dir"
        for f in filenames:
            p = os.path.join(dirpath, f)
            out[os.path.relpath(p, folder)] = hashlib.sha256(Path(p).read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def data_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Good data: Norwich's LSOAs (ids AREA0...) and its seven centres, in canonical columns."""
    d = norfolk.data_dir()
    areas = pd.read_csv(d / "lsoa11_demand.csv")
    areas = areas[areas["lad19nm"] == "Norwich"].reset_index(drop=True)
    area_frame = pd.DataFrame({"id": [f"AREA{k}" for k in range(len(areas))],
                               "children_0_4": areas["pop2020_age0_4"], "district": areas["lad19nm"],
                               "lon": areas["pwc_lon"], "lat": areas["pwc_lat"]})
    centres = pd.read_csv(d / "childrens_centres_2019.csv")
    centres = centres[centres["district"] == "Norwich"]
    site_frame = pd.DataFrame({"id": centres["centre_id"], "name": centres["name"], "district": centres["district"],
                               "lon": centres["lon"], "lat": centres["lat"]})
    return {"areas.csv": area_frame.to_csv(index=False).encode(), "sites.csv": site_frame.to_csv(index=False).encode()}


@pytest.fixture()
def workspace(tmp_path: Path, data_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with good data, a good scenario and the user's own files; the current folder."""
    work = tmp_path / "work"
    work.mkdir()
    for name, blob in data_files.items():
        (work / name).write_bytes(blob)
    (work / "good.yaml").write_text(yaml.safe_dump(BASE, sort_keys=False), encoding="utf-8")
    (work / "d").mkdir()
    (work / "d" / "thesis.docx").write_bytes(b"four years of work")
    (work / "d" / "chapters").mkdir()
    (work / "d" / "chapters" / "one.txt").write_text("chapter one", encoding="utf-8")
    (work / "notes.txt").write_text("my notes", encoding="utf-8")
    (work / "page.html").write_text("<html><head><title>mine</title></head></html>", encoding="utf-8")
    (work / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (work / ".hidden").write_text("hidden", encoding="utf-8")
    monkeypatch.chdir(work)
    return work


def _no_solution(monkeypatch: pytest.MonkeyPatch) -> None:
    from solvers import Result, Status

    def stopped(problem: Any, **_: Any) -> Result:
        return Result(model=problem.kind, status=Status.TIME_LIMIT, solver="test",
                      message="time limit reached before any solution was found")

    monkeypatch.setattr("siting.solving.solve", stopped)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Bad, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, text in case.files.items():
        (workspace / name).write_text(text, encoding="utf-8")
    if case.scenario is not None:
        (workspace / "bad.yaml").write_text(yaml.safe_dump(merged(BASE, case.scenario), sort_keys=False),
                                            encoding="utf-8")
    if case.no_solution:
        _no_solution(monkeypatch)
    before, around = _snapshot(workspace), sorted(os.listdir(workspace.parent))
    res = CliRunner().invoke(cli, list(case.args))
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert res.exit_code == case.code, res.output
    assert len(lines) == 1, res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert case.words in lines[0]
    assert _snapshot(workspace) == before  # nothing written, nothing changed, nothing removed
    assert sorted(os.listdir(workspace.parent)) == around  # no temporary folder beside it either


def test_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


# --- real subprocesses: the data-loss scenarios of the issue -------------------------------------------


def _siting(*args: str, cwd: Path, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    pre = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([sys.executable, "-m", "scenarios", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, preexec_fn=pre)


def test_subprocess_foreign_folder_and_escaping_name_kept(workspace: Path) -> None:
    (workspace / "victim").mkdir()
    (workspace / "victim" / "keep.txt").write_text("keep", encoding="utf-8")
    (workspace / "esc.yaml").write_text(yaml.safe_dump(merged(BASE, {"name": "../victim"})), encoding="utf-8")
    before = _snapshot(workspace)
    for args in (("solve", "norfolk", "--out", "d"), ("run", "esc.yaml"), ("solve", "norfolk", "--out", "..")):
        res = _siting(*args, cwd=workspace)
        assert res.returncode == 2, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
        assert res.stdout == ""
    assert _snapshot(workspace) == before


def test_subprocess_writes_for_the_team_and_replaces_only_its_own(workspace: Path) -> None:
    res = _siting("solve", "norfolk", "--out", "team/result", cwd=workspace, umask=0o002)
    assert res.returncode == 0, res.stderr
    folder = workspace / "team" / "result"
    assert (folder / ".siting-output").is_file()
    assert folder.stat().st_mode & 0o777 == 0o775  # the umask applies, not mkdtemp's 0700
    assert (folder / "summary.json").stat().st_mode & 0o777 == 0o664
    (folder / "stale.txt").write_text("from an earlier run", encoding="utf-8")
    res = _siting("solve", "norfolk", "--rules", "none", "--bases", "10", "--out", "team/result", cwd=workspace)
    assert res.returncode == 0, res.stderr
    assert not (folder / "stale.txt").exists()  # a folder siting wrote is replaced whole
    assert sorted(p.name for p in (workspace / "team").iterdir()) == ["result"]  # no temporaries left


def test_interrupted_write_leaves_nothing(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the results are being written: no temporary folder, no half-made parents."""
    from siting import output as output_module  # siting.solving.write_outcome writes through siting.output

    before = _snapshot(workspace)

    def interrupted(path: Path, data: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(output_module, "write_json", interrupted)
    res = CliRunner().invoke(cli, ["solve", "norfolk", "--out", "deep/new/result"])
    assert res.exit_code == 130
    assert _snapshot(workspace) == before


def test_missing_matrix_pairs_reported_once_and_in_summary(workspace: Path) -> None:
    areas = pd.read_csv(workspace / "areas.csv")
    sites = pd.read_csv(workspace / "sites.csv")
    rng = np.random.default_rng(0)
    pairs = [(a, s, float(rng.uniform(1, 30))) for a in areas["id"] for s in sites["id"]]
    kept = pairs[:-5]  # five pairs absent: unreachable
    pd.DataFrame(kept, columns=["demand_id", "site_id", "minutes"]).to_csv(workspace / "m.csv", index=False)
    (workspace / "mx.yaml").write_text(yaml.safe_dump(merged(BASE, {"name": "mx", "travel": {
        "source": "matrix", "file": "m.csv"}})), encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", "mx.yaml", "--out", "mx-out"])
    assert res.exit_code == 0, res.output
    warned = [line for line in res.output.splitlines() if "not in the matrix file" in line]
    assert len(warned) == 1 and f"5 of {len(pairs):,}" in warned[0]
    import json

    summary = json.loads((workspace / "mx-out" / "summary.json").read_text(encoding="utf-8"))
    assert any("5 of" in w for w in summary["input_warnings"])


def test_far_site_refused_by_the_estimator_with_its_id(workspace: Path) -> None:
    """A site in Spain: the straight-line estimators are calibrated for England only, so the estimate is refused
    (one line naming the site, nothing written) rather than extrapolated."""
    sites = pd.read_csv(workspace / "sites.csv")
    far = pd.DataFrame({"id": ["FAR1"], "name": ["far away"], "district": ["Norwich"], "lon": [-5.0], "lat": [40.0]})
    pd.concat([sites, far]).to_csv(workspace / "far.csv", index=False)
    (workspace / "far.yaml").write_text(yaml.safe_dump(merged(BASE, {"name": "far", "sites": {"file": "far.csv"}})),
                                        encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", "far.yaml", "--out", "far-out"])
    assert res.exit_code == 2, res.output
    refused = [line for line in res.output.splitlines() if "FAR1" in line and "outside England" in line]
    assert len(refused) == 1
    assert not (workspace / "far-out").exists()


# --- the marks that tell siting's own files from the user's ---------------------------------------------


def test_marks_tell_our_files_from_the_users(tmp_path: Path) -> None:
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scenarios.output import atomic_file, written_by_siting
    from scenarios.pages import write_text_file
    from siting.errors import InputError

    page = tmp_path / "page.html"
    write_text_file(page, "<!DOCTYPE html>\n<html>\n<head><title>t</title></head><body></body></html>")
    assert written_by_siting(page)
    write_text_file(page, "<html><head></head></html>")  # ours: replaced
    png = tmp_path / "plot.png"
    with atomic_file(png) as tmp:
        fig = plt.figure()
        fig.savefig(tmp, format="png")
        plt.close(fig)
    assert written_by_siting(png)
    assert plt.imread(png).shape[2] in (3, 4)  # still a valid image
    report = tmp_path / "r.json"
    with atomic_file(report) as tmp:
        tmp.write_text(json.dumps({"generator": "siting 0"}), encoding="utf-8")
    assert written_by_siting(report)
    for name, blob in [("mine.html", b"<html><head></head></html>"), ("mine.png", b"\x89PNG\r\n\x1a\nxx"),
                       ("mine.json", b'{"a": 1}'), ("mine.csv", b"a\n1\n"), ("mine.parquet", b"PAR1")]:
        (tmp_path / name).write_bytes(blob)
        assert not written_by_siting(tmp_path / name)
        with pytest.raises(InputError, match="was not written by siting"), atomic_file(tmp_path / name) as tmp:
            tmp.write_bytes(b"new")
        assert (tmp_path / name).read_bytes() == blob
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporaries


def test_solver_indices_become_ids(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    from scenarios.solve import name_indices

    case, _ = norfolk_case
    k = case.sites.ids.index("NW01")
    assert name_indices(f"sites [{k}] are both must-open and must-close", case) == \
        "sites NW01 are both must-open and must-close"
    assert name_indices(f"must-open sites closed: [{k}, 0]", case) == \
        f"must-open sites closed: NW01, {case.sites.ids[0]}"
    assert name_indices("2 demand points cannot reach (e.g. demand points [0, 1])", case) == \
        f"2 demand areas cannot reach (e.g. demand areas {case.demand.ids[0]}, {case.demand.ids[1]})"


def test_a_sweep_folder_is_never_replaced_by_another_command(tmp_path: Path) -> None:
    from scenarios.output import check_out_dir, mark_folder
    from siting.errors import InputError

    result, sweep_dir = tmp_path / "result", tmp_path / "sweep"
    for folder, kind in ((result, "result"), (sweep_dir, "sweep")):
        folder.mkdir()
        mark_folder(folder, kind=kind)
    assert check_out_dir(result) == result
    with pytest.raises(InputError, match="holds a sweep"):
        check_out_dir(sweep_dir)
