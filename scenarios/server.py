"""``siting serve``: the plan explorer on a local web server, with exact re-optimisation and sweeps.

A Starlette application (run by uvicorn) over one case:

* ``GET /`` the explorer page (:mod:`maps.explorer`, server mode: re-optimise and sweep buttons);
* ``GET /api/state`` and ``PUT /api/state`` the plan being explored (kept sites, limit, locks),
  saved in the serve folder at every change (:mod:`scenarios.server_state`);
* ``POST /api/optimise`` the exact MCLP for the current number of bases and limit with the user's
  locks (``keep``: must be bases, ``close``: must not), through :func:`solvers.solve` with
  must-open / must-close rules; verified like every solve;
* ``POST /api/sweep`` a background sweep over numbers of bases; ``GET /api/sweep/{id}`` its
  progress and results; ``GET /api/optima`` every optimum found so far (the page's distance to
  the optimum).

A bad request gets a 4xx status and ``{"error": "..."}`` naming the field; nothing is changed. An
unknown address or method gets the same JSON (404, 405). Served on this computer only (the default),
the server answers only requests addressed to it by a local name (``Host``: ``127.0.0.1``,
``localhost``, ``[::1]``; else 421), so a web page elsewhere cannot reach it through a DNS name
that points at this computer (DNS rebinding); the API takes only ``application/json`` bodies, which
a page of another origin cannot send without the browser asking first (and this server grants no
cross-origin access).
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from scenarios.server_state import ServeState, run_sweep
from siting.domain import Case, TravelMatrix
from siting.problems import SiteRules, allowed_sites, build_problem
from solvers import solve

MAX_BODY_BYTES = 256_000
#: Host names a server bound to this computer answers to (the ``Host`` header, without the port).
LOCAL_NAMES = ("127.0.0.1", "localhost", "::1")
#: Up to this many area-site pairs, re-optimisation goes straight to the HiGHS MIP: on Norfolk (538 x 53) it
#: proves the locked MCLP in 35-90 ms against 140-270 ms for ``auto`` (mclp-exact), measured under load;
#: both are exact and verified. Larger cases use ``auto``.
DIRECT_MIP_PAIRS = 100_000


class BadRequest(Exception):
    """A request the server refuses: ``status`` and a one-line message naming the field."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Optimised:
    """An exact re-optimisation: kept site positions, need covered, status and time."""

    bases: list[int]
    need_covered: float
    status: str
    seconds: float
    message: str


@dataclass
class Explorer:
    """What the server serves: the case, its times, the page, the state folder and the scenario's rules.

    ``rules``: the rules of the scenario the source was solved under (rule set, must keep/close,
    per-district limits); every re-optimisation obeys them, the user's locks come on top.
    """

    case: Case
    matrix: TravelMatrix
    page: str
    state: ServeState
    cutoff_minutes: float
    rules: SiteRules = field(default_factory=SiteRules)

    def allowed(self) -> list[bool]:
        """Sites that may be bases: able to be one and not ruled out by the scenario's rules."""
        return [bool(x) for x in allowed_sites(self.case, self.rules)]

    def optimise(self, *, bases: int, minutes: float, keep: list[str], close: list[str]) -> Optimised:
        """The exact MCLP under the scenario's rules, ``keep`` kept and ``close`` closed (:func:`parse_optimise`)."""
        t0 = time.perf_counter()
        rules = dataclasses.replace(self.rules, must_keep=tuple(dict.fromkeys((*self.rules.must_keep, *keep))),
                                    must_close=tuple(dict.fromkeys((*self.rules.must_close, *close))))
        problem = build_problem(self.case, self.matrix, model="mclp", bases=bases, minutes=minutes, rules=rules)
        solver = "highs" if self.matrix.minutes.size <= DIRECT_MIP_PAIRS else "auto"
        result = solve(problem, solver=solver)
        seconds = time.perf_counter() - t0
        chosen = sorted(int(j) for j in result.selected) if result.has_solution else []
        covered = float(problem.weights[(self.matrix.minutes[:, chosen] <= minutes).any(axis=1)].sum()) \
            if chosen else 0.0
        status = result.status.value if result.verified or not result.has_solution else "error"
        if status == "optimal" and not keep and not close:
            self.state.add_optimum(minutes, chosen, covered)
        return Optimised(chosen, covered, status, seconds, result.message)


def host_name(header: str) -> str:
    """The host of a ``Host`` header without the port.

    >>> host_name("[::1]:8765"), host_name("localhost:80"), host_name("127.0.0.1")
    ('::1', 'localhost', '127.0.0.1')
    """
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class LocalHostOnly:
    """ASGI middleware: refuse (421) an HTTP request whose ``Host`` is not one of ``names``."""

    def __init__(self, app: ASGIApp, names: tuple[str, ...]) -> None:
        self.app = app
        self.names = names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
            if host_name(host) not in self.names:
                response = JSONResponse({"error": f"host {host!r} refused: this server answers only to "
                                                  f"{', '.join(self.names)}"}, status_code=421)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _json_body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise BadRequest("expected a JSON body (Content-Type: application/json)", status=415)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"request body over {MAX_BODY_BYTES} bytes", status=413)
    try:
        import json

        data = json.loads(body or b"null")
    except ValueError as exc:
        raise BadRequest(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


def _number(data: dict[str, Any], key: str, *, low: float, high: float) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BadRequest(f"field {key!r}: expected a number from {low:g} to {high:g}, got {value!r}", status=422)
    return float(value)


def _count(data: dict[str, Any], key: str, *, low: int, high: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"field {key!r}: expected a whole number from {low} to {high}, got {value!r}", status=422)
    return value


def _ids(ex: Explorer, data: dict[str, Any], key: str, *, buildable: bool) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise BadRequest(f"field {key!r}: expected a list of site ids", status=422)
    known = {sid: j for j, sid in enumerate(ex.case.sites.ids)}
    can = ex.allowed()
    for sid in value:
        if sid not in known:
            raise BadRequest(f"field {key!r}: unknown site id {sid!r}", status=422)
        if buildable and not can[known[sid]]:
            venue = not ex.case.sites.can_be_base[known[sid]]
            why = "an outreach venue" if venue else "ruled out by the scenario's rules"
            raise BadRequest(f"field {key!r}: site {sid!r} cannot be a base ({why})", status=422)
    if len(set(value)) != len(value):
        raise BadRequest(f"field {key!r}: a site is listed twice", status=422)
    return list(value)


def parse_optimise(ex: Explorer, data: dict[str, Any]) -> tuple[int, float, list[str], list[str]]:
    """Validate a re-optimisation request: ``bases`` (count), ``minutes``, ``keep`` and ``close`` (site ids)."""
    allowed = ex.allowed()
    buildable = sum(allowed)
    bases = _count(data, "bases", low=1, high=buildable)
    minutes = _number(data, "minutes", low=0.5, high=ex.cutoff_minutes)
    keep = _ids(ex, data, "keep", buildable=True)
    close = _ids(ex, data, "close", buildable=False)
    both = sorted(set(keep) & set(close))
    if both:
        raise BadRequest(f"site {both[0]!r} is both kept and closed", status=422)
    if len(keep) > bases:
        raise BadRequest(f"{len(keep)} sites locked open but only {bases} bases asked for", status=422)
    open_left = buildable - len({*close} & {s for s, c in zip(ex.case.sites.ids, allowed, strict=True) if c})
    if open_left < bases:
        raise BadRequest(f"{bases} bases asked for but only {open_left} buildable sites are not locked closed",
                         status=422)
    return bases, minutes, keep, close


def create_app(ex: Explorer, *, local_only: bool = True) -> ASGIApp:
    """The Starlette application serving ``ex``.

    ``local_only``: answer only requests addressed to a local name (:data:`LOCAL_NAMES`); for a
    server bound to this computer. A server bound to the network (``--host``) answers every name.
    """

    def error(exc: BadRequest) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    async def page(request: Request) -> Response:
        return HTMLResponse(ex.page, headers={"Cache-Control": "no-store"})

    async def get_state(request: Request) -> Response:
        return JSONResponse({"plan": ex.state.plan()})

    async def put_state(request: Request) -> Response:
        try:
            data = await _json_body(request)
            bases = _ids(ex, data, "bases", buildable=True)
            minutes = _number(data, "minutes", low=0.5, high=ex.cutoff_minutes)
            keep = _ids(ex, data, "keep", buildable=True)
            close = _ids(ex, data, "close", buildable=False)
        except BadRequest as exc:
            return error(exc)
        ex.state.save_plan({"bases": bases, "minutes": minutes, "keep": keep, "close": close})
        return JSONResponse({"saved": True})

    async def optimise(request: Request) -> Response:
        try:
            bases, minutes, keep, close = parse_optimise(ex, await _json_body(request))
        except BadRequest as exc:
            return error(exc)
        out = await run_in_threadpool(ex.optimise, bases=bases, minutes=minutes, keep=keep, close=close)
        if out.status == "infeasible":
            return JSONResponse({"error": f"infeasible: {out.message}"}, status_code=422)
        return JSONResponse({"bases": [ex.case.sites.ids[j] for j in out.bases], "positions": out.bases,
                             "need_covered": out.need_covered, "status": out.status, "seconds": out.seconds})

    async def start_sweep(request: Request) -> Response:
        try:
            data = await _json_body(request)
            buildable = sum(ex.allowed())
            minutes = _number(data, "minutes", low=0.5, high=ex.cutoff_minutes)
            lo = _count(data, "from", low=1, high=buildable)
            hi = _count(data, "to", low=lo, high=buildable)
        except BadRequest as exc:
            return error(exc)
        running = ex.state.running_sweep()
        if running is not None:
            return JSONResponse({"error": f"sweep {running} is still running", "id": running}, status_code=409)
        sweep_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]

        def solve_one(p: int) -> tuple[list[int], float, str]:
            out = ex.optimise(bases=p, minutes=minutes, keep=[], close=[])
            return out.bases, out.need_covered, out.status

        ex.state.save_sweep(sweep_id, {"id": sweep_id, "status": "running", "done": 0, "total": hi - lo + 1,
                                       "minutes": minutes, "results": []})
        threading.Thread(target=run_sweep, args=(ex.state, sweep_id),
                         kwargs={"minutes": minutes, "counts": list(range(lo, hi + 1)), "solve_one": solve_one},
                         daemon=True, name=f"sweep-{sweep_id}").start()
        return JSONResponse({"id": sweep_id, "total": hi - lo + 1}, status_code=202)

    async def get_sweep(request: Request) -> Response:
        sweep_id = str(request.path_params["sweep_id"])
        if not sweep_id.replace("-", "").isalnum():
            return error(BadRequest(f"bad sweep id {sweep_id!r}"))
        data = ex.state.sweep(sweep_id)
        if data is None:
            return error(BadRequest(f"no sweep {sweep_id!r}", status=404))
        return JSONResponse(data)

    async def optima(request: Request) -> Response:
        return JSONResponse(ex.state.optima())

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/api/state", get_state, methods=["GET"]),
        Route("/api/state", put_state, methods=["PUT"]),
        Route("/api/optimise", optimise, methods=["POST"]),
        Route("/api/sweep", start_sweep, methods=["POST"]),
        Route("/api/sweep/{sweep_id}", get_sweep, methods=["GET"]),
        Route("/api/optima", optima, methods=["GET"]),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        what = {404: f"no such address: {request.url.path}",
                405: f"method {request.method} not allowed on {request.url.path}"}.get(status, str(exc))
        return JSONResponse({"error": what}, status_code=status)

    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    return LocalHostOnly(app, LOCAL_NAMES) if local_only else app
