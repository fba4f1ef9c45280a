"""``siting report --excel/--pdf`` and ``siting explore`` end to end: files written, values rounded and labelled."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from maps.results import read_sweep
from scenarios.cli import cli


def invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.output


def test_excel_tables_are_rounded_labelled_and_match_the_sweep(sweep_dir: Path, tmp_path: Path) -> None:
    xlsx = tmp_path / "tables.xlsx"
    code, text = invoke("report", str(sweep_dir), "-o", str(tmp_path / "r.html"), "--excel", str(xlsx))
    assert code == 0, text
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["Jobs", "Solutions", "Districts", "About"]
    jobs = wb["Jobs"]
    head = [c.value for c in jobs[1]]
    assert "Need covered (share)" in head and "Worst travel (minutes)" in head and "Solve time (seconds)" in head
    results = pd.read_csv(sweep_dir / "results.csv")
    col = head.index("Need covered (share)") + 1
    worst = head.index("Worst travel (minutes)") + 1
    for k, row in results.iterrows():
        cell = jobs.cell(row=int(k) + 2, column=col)
        if isinstance(row["need_covered_share"], float) and math.isnan(row["need_covered_share"]):
            assert cell.value is None
            continue
        assert cell.value == round(row["need_covered_share"], 3) and cell.number_format == "0.0%"
        w = jobs.cell(row=int(k) + 2, column=worst)
        assert w.value == round(row["worst_minutes"], 1) and w.number_format == "0.0"
    sweep = read_sweep(sweep_dir)
    districts = wb["Districts"]
    assert districts.max_row - 1 == len({d for _, s in sweep.solutions for d in s.areas["district"]})
    # no cell holds a formula, even from a hostile name
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert not any(isinstance(c.value, str) and c.value.startswith("=") for c in row)


@pytest.mark.browser
def test_pdf_of_the_report(sweep_dir: Path, tmp_path: Path) -> None:
    if shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed")
    pdf = tmp_path / "report.pdf"
    code, text = invoke("report", str(sweep_dir), "-o", str(tmp_path / "r.html"), "--pdf", str(pdf))
    assert code == 0, text
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 50_000
    boxes = re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", data)
    assert len(boxes) >= 2 and all(abs(float(w) - 595) < 1 and abs(float(h) - 842) < 1 for w, h in boxes)  # A4


def test_explore_writes_an_offline_page_and_refuses_bad_input(result_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "explorer.html"
    code, text = invoke("explore", str(result_dir), "-o", str(out), "--max-bases", "3", "--limits", "30")
    assert code == 0, text
    assert "538 areas, 53 sites" in text and "6 optima" in text
    page = out.read_text(encoding="utf-8")
    from maps.offline import external_urls

    assert external_urls(page) == []
    for args, message in ((["--minutes", "-3"], "--minutes: the travel-time limit must be positive"),
                          (["--limits", "20,x"], "--limits: expected minutes separated by commas"),
                          (["--cutoff-minutes", "10"], "--cutoff-minutes: limit 20 is above the cut-off 10"),
                          (["--cutoff-minutes", "nan"], "--cutoff-minutes: the cut-off must be a positive number"),
                          (["--cutoff-minutes", "inf"], "--cutoff-minutes: the cut-off must be a positive number")):
        bad = tmp_path / "bad.html"
        code, text = invoke("explore", str(result_dir), "-o", str(bad), *args)
        assert code == 2 and message in text and not bad.exists(), text
    code, text = invoke("explore", "/no/such/folder", "-o", str(tmp_path / "x.html"))
    assert code == 2 and "not a scenario file, a result folder, a sweep folder or an embedded case" in text


@pytest.mark.browser
def test_explore_a_sweep_offers_its_solutions(sweep_dir: Path, tmp_path: Path, browser: object) -> None:
    out = tmp_path / "sweep-explorer.html"
    code, text = invoke("explore", str(sweep_dir), "-o", str(out), "--max-bases", "0")
    assert code == 0, text
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(out.resolve().as_uri())
    page.wait_for_function("window.explorer && window.explorer.figures")
    sweep = read_sweep(sweep_dir)
    assert page.evaluate("window.explorer.figures.bases.length") == 15  # the plan in hand's count first
    options = page.evaluate("Array.from(document.querySelectorAll('#ex-solutions option'), o => o.textContent)")
    assert len(options) == 1 + len(sweep.solutions)
    page.select_option("#ex-solutions", "0")
    first = sweep.solutions[0][1]
    got = page.evaluate("window.explorer.figures")
    assert got["bases"].__len__() == first.n_bases
    assert got["need_covered_share"] == pytest.approx(first.summary["need_covered_share"], rel=1e-9)
    page.close()
