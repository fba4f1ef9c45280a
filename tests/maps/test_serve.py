"""``siting serve`` as a user runs it: started on a free localhost port, used, stopped, restarted.

The server is the real command in a subprocess. The API refuses bad requests with a 4xx status and
a message naming the field; re-optimisation with locks gives the exact optimum under those locks
(checked against an independent solve in this process); the plan survives a restart (state on
disk); the page in Chromium re-optimises with the locks chosen in its site table.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from siting.coverage import evaluate
from siting.domain import Case, TravelMatrix
from siting.problems import SiteRules, build_problem
from solvers import solve

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, folder: Path, source: str = "norfolk") -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "scenarios", "serve", source, "--folder", str(folder),
                                      "--port", str(self.port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read() if self.proc.stderr else ''}")
            try:
                urllib.request.urlopen(self.url + "/api/state", timeout=2).read()
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("server did not start")

    def call(self, method: str, path: str, body: Any = None, *, content_type: str = "application/json",
             raw: bytes | None = None) -> tuple[int, dict[str, Any]]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def serve_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve") / "state"


@pytest.fixture(scope="module")
def server(serve_folder: Path) -> Iterator[Server]:
    s = Server(serve_folder)
    yield s
    s.stop()


def exact(case: Case, matrix: TravelMatrix, p: int, minutes: float, keep: tuple[str, ...] = (),
          close: tuple[str, ...] = ()) -> float:
    r = solve(build_problem(case, matrix, model="mclp", bases=p, minutes=minutes,
                            rules=SiteRules(must_keep=keep, must_close=close)))
    assert r.status.value == "optimal"
    return evaluate(case, matrix, [case.sites.ids[j] for j in r.selected], minutes=minutes).need_covered


def test_binds_localhost_only(server: Server) -> None:
    from scenarios.commands.serve import command

    host = next(p for p in command.params if p.name == "host")
    assert host.default == "127.0.0.1"
    with socket.socket() as s:
        s.settimeout(1)
        host = socket.gethostbyname(socket.gethostname())
        if host.startswith("127."):
            pytest.skip("no non-loopback address on this machine")
        assert s.connect_ex((host, server.port)) != 0, "the server answers on a non-loopback address"


@pytest.mark.parametrize(("body", "field"), [
    ({"bases": 0, "minutes": 20}, "'bases'"),
    ({"bases": 15, "minutes": -1}, "'minutes'"),
    ({"bases": 15, "minutes": 500}, "'minutes'"),
    ({"bases": 15, "minutes": 20, "keep": ["NO-SUCH"]}, "unknown site id 'NO-SUCH'"),
    ({"bases": 2, "minutes": 20, "keep": ["SN01", "SN02", "BR01"]}, "only 2 bases"),
    ({"bases": 15, "minutes": 20, "keep": ["SN01"], "close": ["SN01"]}, "both kept and closed"),
    ({"bases": "15", "minutes": 20}, "'bases'"),
    ({"bases": 15, "minutes": 20, "keep": "SN01"}, "'keep'"),
])
def test_bad_requests_are_refused_with_the_field(server: Server, body: dict[str, Any], field: str) -> None:
    status, out = server.call("POST", "/api/optimise", body)
    assert status == 422 and field in out["error"], out


def test_unknown_addresses_methods_and_foreign_hosts_get_a_clear_json_error(server: Server) -> None:
    status, out = server.call("GET", "/api/nothing")
    assert status == 404 and out["error"] == "no such address: /api/nothing"
    status, out = server.call("DELETE", "/api/state")
    assert status == 405 and out["error"] == "method DELETE not allowed on /api/state"
    # a page of another site reaching this computer through its own DNS name (DNS rebinding) is refused
    req = urllib.request.Request(server.url + "/api/state", headers={"Host": f"attacker.example:{server.port}"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=30)
    assert info.value.code == 421 and "refused" in json.loads(info.value.read())["error"]
    req = urllib.request.Request(server.url + "/api/state", headers={"Host": f"localhost:{server.port}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200


def test_malformed_requests(server: Server) -> None:
    assert server.call("POST", "/api/optimise", raw=b"{not json")[0] == 400
    assert server.call("POST", "/api/optimise", raw=b"[1, 2]")[0] == 400
    assert server.call("POST", "/api/optimise", {"bases": 3}, content_type="text/plain")[0] == 415
    assert server.call("POST", "/api/optimise", raw=b"x" * 300_000)[0] == 413
    assert server.call("GET", "/api/sweep/nope")[0] == 404
    assert server.call("PUT", "/api/state", {"bases": ["NO-SUCH"], "minutes": 20})[0] == 422


def test_reoptimise_with_locks_is_exact(server: Server, norfolk_case: tuple[Case, TravelMatrix]) -> None:
    case, matrix = norfolk_case
    free = exact(case, matrix, 15, 20.0)
    status, out = server.call("POST", "/api/optimise", {"bases": 15, "minutes": 20})
    assert status == 200 and out["status"] == "optimal"
    assert out["need_covered"] == pytest.approx(free, rel=1e-9)
    keep, close = ("BR01", "KL01"), tuple(out["bases"][:3])
    status, locked = server.call("POST", "/api/optimise", {"bases": 15, "minutes": 20, "keep": list(keep),
                                                           "close": list(close)})
    assert status == 200 and locked["status"] == "optimal"
    assert set(keep) <= set(locked["bases"]) and not set(close) & set(locked["bases"])
    assert len(locked["bases"]) == 15
    assert locked["need_covered"] == pytest.approx(exact(case, matrix, 15, 20.0, keep, close), rel=1e-9)
    assert locked["need_covered"] <= free + 1e-6
    got = evaluate(case, matrix, locked["bases"], minutes=20.0).need_covered
    assert got == pytest.approx(locked["need_covered"], rel=1e-9)


def test_sweep_in_the_background_with_progress(server: Server, norfolk_case: tuple[Case, TravelMatrix]) -> None:
    case, matrix = norfolk_case
    status, started = server.call("POST", "/api/sweep", {"minutes": 25, "from": 3, "to": 6})
    assert status == 202
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        _, s = server.call("GET", f"/api/sweep/{started['id']}")
        seen.append(s["done"])
        if s["status"] != "running":
            break
        time.sleep(0.2)
    assert s["status"] == "done" and s["done"] == s["total"] == 4
    assert seen == sorted(seen)
    for row in s["results"]:
        assert row["need_covered"] == pytest.approx(exact(case, matrix, row["bases"], 25.0), rel=1e-9)
    _, optima = server.call("GET", "/api/optima")
    assert set(optima["25"]) >= {"3", "4", "5", "6"}


def test_state_survives_a_restart(server: Server, serve_folder: Path) -> None:
    plan = {"bases": ["BR01", "KL01", "NW01"], "minutes": 25, "keep": ["BR01"], "close": ["SN01"]}
    assert server.call("PUT", "/api/state", plan)[0] == 200
    server.stop()
    again = Server(serve_folder)
    try:
        _, state = again.call("GET", "/api/state")
        assert {k: state["plan"][k] for k in plan} == plan
        _, optima = again.call("GET", "/api/optima")
        assert "25" in optima  # the sweep's optima are kept too
    finally:
        again.stop()


@pytest.mark.parametrize(("args", "message"), [
    (["--cutoff-minutes", "nan"], "--cutoff-minutes: the cut-off must be positive, got nan"),
    (["--minutes", "500"], "limit 500 is above the cut-off 120"),
    (["--minutes", "-3"], "--minutes: the travel-time limit must be positive"),
])
def test_bad_options_exit_2_and_create_no_folder(tmp_path: Path, args: list[str], message: str) -> None:
    from click.testing import CliRunner

    from scenarios.cli import cli

    folder = tmp_path / "state"
    res = CliRunner().invoke(cli, ["serve", "norfolk", "--folder", str(folder), *args])
    assert res.exit_code == 2, res.output
    assert message in res.output and len(res.output.strip().splitlines()) == 1
    assert not folder.exists()


def test_folder_inside_a_file_is_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from scenarios.cli import cli

    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine")
    res = CliRunner().invoke(cli, ["serve", "norfolk", "--folder", str(blocker / "state")])
    assert res.exit_code == 2, res.output
    assert res.output.startswith(f"siting: error: {blocker / 'state'}: cannot keep the explorer's state here")
    assert blocker.read_text() == "mine"


def test_state_files_of_another_shape_are_not_read_as_siting_state(tmp_path: Path) -> None:
    from scenarios.server_state import ServeState

    (tmp_path / "sweeps").mkdir()
    (tmp_path / "sweeps" / "list.json").write_text("[1, 2]")
    (tmp_path / "optima.json").write_text('"text"')
    state = ServeState(tmp_path)
    assert state.running_sweep() is None and state.optima() == {}
    assert (tmp_path / "sweeps" / "list.json").read_text() == "[1, 2]"
    state.add_optimum(20.0, [3, 1], 5.0)
    assert state.optima() == {"20": {"2": {"bases": [1, 3], "covered": 5.0}}}


@pytest.mark.browser
def test_page_reoptimises_with_locks(browser: Any, serve_folder: Path, norfolk_case: tuple[Case, TravelMatrix],
                                     artifacts: Path) -> None:
    case, matrix = norfolk_case
    s = Server(serve_folder)
    try:
        saved = {"bases": ["BR01", "KL01", "NW01"], "minutes": 25, "keep": [], "close": []}
        assert s.call("PUT", "/api/state", saved)[0] == 200
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        elsewhere: list[str] = []  # requests to anywhere but this server
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith((s.url + "/", "data:", "blob:", "about:"))
                else elsewhere.append(r.url))
        page.goto(s.url + "/")
        page.wait_for_function("window.explorer && window.explorer.serverReady")
        page.evaluate("window.explorer.serverReady")
        # the plan saved before the restart is back
        assert page.evaluate("window.explorer.figures.bases.length") == 3
        page.click("#ex-reset-plan")
        bases = page.evaluate("window.explorer.figures.bases.map(j => window.explorer.d.sites.ids[j])")
        assert len(bases) == 15
        kept_lock = next(sid for j, sid in enumerate(case.sites.ids) if case.sites.can_be_base[j] and sid not in bases)
        closed_lock = bases[0]
        j_keep, j_close = case.sites.ids.index(kept_lock), case.sites.ids.index(closed_lock)
        page.locator(f'#ex-sites input[data-site="{j_keep}"]').click()  # keep a closed site ...
        page.select_option(f'select[data-lock="{j_keep}"]', "1")
        page.select_option(f'select[data-lock="{j_close}"]', "-1")  # ... and lock one of the plan's closed
        page.fill("#ex-minutes", "20")
        page.press("#ex-minutes", "Enter")
        p = page.evaluate("window.explorer.figures.bases.length")
        assert p == 16
        with page.expect_response(lambda r: r.url.endswith("/api/optimise")):
            page.click("#ex-optimise")
        page.wait_for_function("document.getElementById('ex-server').textContent.startsWith('Re-optimised')")
        got = page.evaluate("window.explorer.figures")
        ids = {case.sites.ids[j] for j in got["bases"]}
        assert kept_lock in ids and closed_lock not in ids and len(ids) == p
        want = exact(case, matrix, p, 20.0, (kept_lock,), (closed_lock,))
        assert got["need_covered"] == pytest.approx(want, rel=1e-9)
        page.screenshot(path=str(artifacts / "serve_reoptimised.png"))
        time.sleep(0.5)  # the page saves its plan (debounced)
        _, state = s.call("GET", "/api/state")
        assert set(state["plan"]["bases"]) == ids and state["plan"]["keep"] == [kept_lock]
        assert errors == [] and elsewhere == []
        # a change made just before the browser closes is saved too (no state lost)
        closed_now = next(j for j in got["bases"] if case.sites.ids[j] not in (kept_lock,))
        page.locator(f'#ex-sites input[data-site="{closed_now}"]').click()
        page.close(run_before_unload=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            _, state = s.call("GET", "/api/state")
            if len(state["plan"]["bases"]) == p - 1:
                break
            time.sleep(0.2)
        assert set(state["plan"]["bases"]) == ids - {case.sites.ids[closed_now]}
    finally:
        s.stop()


def test_serve_a_scenario_file_obeys_its_rules_and_the_locks(tmp_path: Path) -> None:
    """``siting serve scenarios/norfolk.yaml``: the council's rules hold for every re-optimisation, locks on top."""
    import dataclasses

    from scenarios.scenario_file import load_scenario
    from scenarios.scenario_inputs import prepare
    from siting.problems import allowed_sites, district_limit

    prep = prepare(load_scenario(ROOT / "scenarios" / "norfolk.yaml"))
    case, matrix, rules = prep.case, prep.matrix, prep.request.rules
    assert rules.name == "council"
    allowed = {s for s, ok in zip(case.sites.ids, allowed_sites(case, rules), strict=True) if ok}
    ruled_out = sorted(set(rules.excluded) & set(case.sites.ids))[0]
    s = Server(tmp_path / "state", source=str(ROOT / "scenarios" / "norfolk.yaml"))
    try:
        with urllib.request.urlopen(s.url + "/", timeout=30) as r:
            page = r.read().decode()
        rules_note = re.search(r'<p class="note" id="ex-rules">(.*?)</p>', page, re.S)
        assert rules_note is not None and "re-optimisation obey" in rules_note.group(1)
        assert "suitable" in rules_note.group(1)  # the council's rule set in its own words
        status, free = s.call("POST", "/api/optimise", {"bases": 15, "minutes": 20})
        assert status == 200 and free["status"] == "optimal" and set(free["bases"]) <= allowed
        # the scenario's own solve under the same rules: the same optimum value
        want = solve(build_problem(case, matrix, model="mclp", bases=15, minutes=20.0, rules=rules))
        assert free["need_covered"] == pytest.approx(evaluate(case, matrix, [case.sites.ids[j] for j in want.selected],
                                                              minutes=20.0).need_covered, rel=1e-9)
        keep = sorted(allowed - set(free["bases"]))[:1]
        district = dict(zip(case.sites.ids, case.sites.frame["district"], strict=True))
        spare = {d: sum(1 for x in allowed if district[x] == d) - district_limit(rules.min_per_district, d, 0)
                 for d in set(district.values())}
        close = [b for b in free["bases"] if spare[district[b]] > 0][:1]  # closing it leaves the rules feasible
        assert close
        status, locked = s.call("POST", "/api/optimise", {"bases": 16, "minutes": 20, "keep": keep, "close": close})
        assert status == 200 and locked["status"] == "optimal", locked
        assert set(keep) <= set(locked["bases"]) <= allowed and not set(close) & set(locked["bases"])
        both = dataclasses.replace(rules, must_keep=(*rules.must_keep, *keep), must_close=(*rules.must_close, *close))
        r = solve(build_problem(case, matrix, model="mclp", bases=16, minutes=20.0, rules=both))
        assert r.status.value == "optimal"
        assert locked["need_covered"] == pytest.approx(evaluate(case, matrix, [case.sites.ids[j] for j in r.selected],
                                                                minutes=20.0).need_covered, rel=1e-9)
        # a site the rules rule out cannot be locked open; fewer bases than the rules' minimums is infeasible
        status, out = s.call("POST", "/api/optimise", {"bases": 15, "minutes": 20, "keep": [ruled_out]})
        assert status == 422 and "ruled out by the scenario's rules" in out["error"], out
        status, out = s.call("POST", "/api/optimise", {"bases": 5, "minutes": 20})
        assert status == 422 and out["error"].startswith("infeasible"), out
    finally:
        s.stop()


def test_a_folder_of_another_source_is_refused(tmp_path: Path) -> None:
    """Optima kept for the embedded case without rules must not show as the optima under the council's rules."""
    from click.testing import CliRunner

    from scenarios.cli import cli
    from scenarios.commands.serve import build_explorer

    folder = tmp_path / "state"
    build_explorer("norfolk", folder=folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    res = CliRunner().invoke(cli, ["serve", str(ROOT / "scenarios" / "norfolk.yaml"), "--folder", str(folder)])
    assert res.exit_code == 2, res.output
    assert res.output.startswith(f"siting: error: {folder}: this folder holds the plan and optima of another source "
                                 "(norfolk:") and len(res.output.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    build_explorer("norfolk", folder=folder)  # the same source again: accepted
