"""``siting report SWEEP -o report.html``: the self-contained scenario report of a sweep folder.

Writes the page and, beside it, ``<name>_curves.png`` (the trade-off curves for documents).
"""

from __future__ import annotations

from pathlib import Path

import click

from maps import curves, plots
from maps.coverage_map import TILES
from maps.report import default_title, report_html
from maps.results import read_sweep
from scenarios.boundaries import boundaries_for, read_boundaries
from scenarios.cli import user_errors
from scenarios.output import atomic_file, check_out_file
from scenarios.pages import size_text, write_text_file
from siting.errors import InputError


@click.command("report")
@click.argument("sweep_dir", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("report.html"), show_default=True, help="The HTML file to write.")
@click.option("--case", default=None, help="For a sweep over several cases: the one to report.")
@click.option("--tiles", type=click.Choice(sorted(TILES)), default=None,
              help="Add an online background map (off by default: the page works offline).")
@click.option("--title", default=None, help="Page title (default: case and base counts).")
@click.option("--boundaries", "boundaries_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Area polygons (GeoJSON, GeoPackage, shapefile) if not the packaged ones.")
@click.option("--boundary-id", default="id", show_default=True, help="Column of --boundaries holding area ids.")
@click.option("--excel", "excel_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the report's tables as an Excel workbook (rounded, labelled).")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also print the report to PDF (A4) with headless Chromium.")
@user_errors
def command(sweep_dir: Path, out_path: Path, case: str | None, tiles: str | None, title: str | None,
            boundaries_path: Path | None, boundary_id: str, excel_path: Path | None, pdf_path: Path | None) -> None:
    """Write the report of the sweep folder SWEEP_DIR (results.csv and jobs/) as one HTML file.

    The page has the trade-off curves, a slider switching the map between the sweep's solutions,
    coverage by district, the budget split when present and the comparison with the plan in hand.
    """
    check_out_file(out_path)
    png = out_path.with_name(f"{out_path.stem}_curves.png")
    check_out_file(png)
    for extra in (excel_path, pdf_path):
        if extra is not None:
            check_out_file(extra)
    if pdf_path is not None:
        from maps.pdf import chromium

        chromium()  # no Chromium: say so before writing anything
    sweep = read_sweep(sweep_dir, case=case)
    first = sweep.solutions[0][1]
    if boundaries_path is not None:
        boundaries = read_boundaries(boundaries_path, id_column=boundary_id)
    else:
        boundaries = boundaries_for(first.areas["id"].tolist(), case=first.case or None)
    title = title or default_title(sweep)
    page = report_html(sweep, boundaries, tiles=tiles, title=title, curves_png=png.name)
    panels = curves.panels(sweep)
    png_was_there = png.exists()
    if panels:
        with atomic_file(png) as tmp:
            plots.save_curves_png(panels, tmp, title=title)
    try:
        write_text_file(out_path, page)
    except BaseException:
        if panels and not png_was_there:
            png.unlink(missing_ok=True)  # nothing half-written: the page and its image go together
        raise
    click.echo(f"written {out_path} ({size_text(len(page.encode('utf-8')))}): {len(sweep.solutions)} solutions"
               + (f"; curves in {png}" if panels else ""))
    if excel_path is not None:
        from maps.excel import report_workbook

        try:
            with atomic_file(excel_path) as tmp:
                report_workbook(sweep, tmp, title=title)
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", source=str(excel_path)) from None
        click.echo(f"written {excel_path}: the report's tables")
    if pdf_path is not None:
        from maps.pdf import html_to_pdf

        try:
            with atomic_file(pdf_path) as tmp:
                html_to_pdf(out_path, tmp)
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", source=str(pdf_path)) from None
        click.echo(f"written {pdf_path}: the report as PDF (A4)")
