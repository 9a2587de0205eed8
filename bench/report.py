"""The Markdown report: tables of figures, each beside the baseline measured in the same run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .bulk import Totals
from .profiling import EngineShare, IdleConnection
from .scenario import LOOPS, user_tasks
from .sql_count import StepCount
from .state_size import StateSize
from .task_list import ListLatency
from .timing import Samples, ms
from .web_pages import (
    CACHE_KIB,
    CANDIDATE_INDEXES,
    TARGET,
    VARIANTS,
    PageLatency,
    RealTasks,
    ShapeTiming,
    WhatIf,
)

LEVELS = (
    ("bare", "bare SpiffWorkflow round trip (BASELINE)"),
    ("engine", "engine: Engine.complete"),
    ("service", "service: complete_task, SQLite"),
    ("api", "API: POST /api/v1/tasks/{id}/complete"),
)
STATE_LIMIT = 8 * 1024
LIST_P95_LIMIT = 0.020
PEER_STATEMENTS = "88–111"
KINDS = ("SELECT", "INSERT", "UPDATE", "other")

Add = Callable[[str], None]


@dataclass
class ListStage:
    instances: int
    totals: Totals
    generation_seconds: float
    latencies: list[ListLatency]
    plan: list[str]
    analyzed: list[ListLatency] = field(default_factory=list)
    analyzed_plan: list[str] = field(default_factory=list)


@dataclass
class WebStage:
    instances: int
    open_tasks: int  # open human_task rows generated (the real requests add 3)
    pages: list[PageLatency]


@dataclass
class Results:
    mode: str
    started: str
    environment: str
    reps: dict[int, int]
    per_task: dict[tuple[str, int], Samples] = field(default_factory=dict)
    states: list[StateSize] = field(default_factory=list)
    sql_service: list[StepCount] = field(default_factory=list)
    sql_api: list[StepCount] = field(default_factory=list)
    sql_sample: list[str] = field(default_factory=list)
    stages: list[ListStage] = field(default_factory=list)
    share: EngineShare | None = None
    idle: IdleConnection | None = None
    profile_shares: list[tuple[str, float]] = field(default_factory=list)
    profile_top: str = ""
    run_seconds: float = 0.0
    load: tuple[float, float] | None = None  # 1-minute load average at the start and at the end
    web: list[WebStage] = field(default_factory=list)
    web_real: RealTasks | None = None
    web_what_if: list[WhatIf] = field(default_factory=list)
    web_shapes: list[ShapeTiming] = field(default_factory=list)
    consistency: list[str] = field(default_factory=list)  # `bpmnpub check` after each database's runs


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _ms(seconds: float) -> str:
    value = ms(seconds)
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _x(ratio: float) -> str:
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.1f}×"


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def _kb(size: int) -> str:
    return f"{_n(size)} B ({size / 1024:.1f} KiB)"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def render(r: Results) -> str:
    out: list[str] = []
    add = out.append
    add(f"# bpmnpub benchmarks ({r.mode} run, {r.started})")
    add("")
    load = (
        f" Load average (1 min) {r.load[0]:.1f} at the start, {r.load[1]:.1f} at the end." if r.load else ""
    )
    add(f"{r.environment}. Run time {r.run_seconds:.0f} s.{load}")
    add("")
    for line in r.consistency:
        add(f"Consistency (`bpmnpub check`) after the runs: {line}")
    if r.consistency:
        add("")
    add("BASELINE = bare SpiffWorkflow 3.2.0 round trip per user task, stock serializer (spec included):")
    add("restore from JSON, complete one user task (data.update + run), do_engine_steps, find the next")
    add("ready user task, serialize; the publish service task answers from a stub script engine. It is")
    add("measured in this run and every × is against it. Absolute times swing ~1.8× between runs.")
    add("")
    for section in (_per_task, _states, _sql, _lists, _web, _where, _targets):
        section(r, add)
    return "\n".join(out) + "\n"


def _per_task(r: Results, add: Add) -> None:
    add("## 1–4. Complete one user task (ms per task; × = against the baseline at the same loop count)")
    add("")
    add("Per-task figure = time completing all user tasks of one instance / user tasks (start excluded);")
    add("median over runs (min–max in brackets). The four levels run interleaved, one instance each in turn.")
    add("")
    add(_row("revise loops", "user tasks", "runs", *(label for _, label in LEVELS)))
    add("|---:|---:|---:|" + "---|" * len(LEVELS))
    for loops in LOOPS:
        base = r.per_task.get(("bare", loops))
        if base is None:
            continue
        cells = []
        for level, _ in LEVELS:
            samples = r.per_task[(level, loops)]
            low, high = samples.spread
            ratio = "" if level == "bare" else f" — **{_x(samples.median / base.median)}**"
            cells.append(f"{_ms(samples.median)} ({_ms(low)}–{_ms(high)}){ratio}")
        add(_row(loops, user_tasks(loops), r.reps[loops], *cells))
    add("")
    growth = []
    for level, label in LEVELS:
        one = r.per_task.get((level, 1))
        if one is None:
            continue
        steps = [f"{_x(r.per_task[(level, n)].median / one.median)} at {n}" for n in LOOPS[1:]]
        growth.append(f"{label.split(':')[0].split(' (')[0]} {', '.join(steps)}")
    add("Per-task cost against the same level at 1 loop: " + "; ".join(growth) + ".")
    add("")


def _states(r: Results, add: Add) -> None:
    add("## 5. State bytes per instance (UTF-8 JSON)")
    add("")
    add("Largest = biggest state stored while the instance ran; final = after the last task. Stock = stock")
    add("serializer (spec copied in, whole task tree, Thai text \\u-escaped); bpmnpub = spec by reference,")
    add("history pruned, UTF-8.")
    add("")
    add(
        _row(
            "revise loops",
            "user tasks",
            "stock largest",
            "stock final",
            "bpmnpub largest",
            "bpmnpub final",
            "bpmnpub ÷ stock (largest)",
        )
    )
    add("|---:|---:|---:|---:|---:|---:|---:|")
    for s in r.states:
        add(
            _row(
                s.loops,
                s.tasks,
                _kb(s.stock_largest),
                _kb(s.stock_final),
                _kb(s.ours_largest),
                _kb(s.ours_final),
                _x(s.ratio),
            )
        )
    add("")


def _sql(r: Results, add: Add) -> None:
    add(f"## SQL statements per complete (`before_cursor_execute`; SpiffArena: {PEER_STATEMENTS})")
    add("")
    add("The 1-loop instance, task by task. `other` = BEGIN IMMEDIATE / SAVEPOINT / RELEASE. Connections =")
    add("SQLite connections opened during the action (pooled: 0 once warm; their 4 PRAGMAs are not counted).")
    add("")
    add(
        _row(
            "task",
            "decision",
            "service: statements (SELECT/INSERT/UPDATE/other)",
            "connections",
            "API: statements",
            "connections",
        )
    )
    add("|---|---|---:|---:|---:|---:|")
    for svc, api in zip(r.sql_service, r.sql_api, strict=True):
        kinds = "/".join(str(svc.kinds.get(k, 0)) for k in KINDS)
        add(
            _row(
                svc.spec_id,
                svc.decision,
                f"{svc.statements} ({kinds})",
                svc.connections,
                api.statements,
                api.connections,
            )
        )
    add("")
    if r.sql_sample:
        add("Statements of one group-director approval (service level):")
        add("")
        add("```")
        for statement in r.sql_sample:
            flat = " ".join(statement.split())
            add(flat if len(flat) <= 120 else flat[:80] + " … " + flat[-36:])
        add("```")
        add("")


def _lists(r: Results, add: Add) -> None:
    if not r.stages:
        return
    base = r.per_task[("bare", 1)].median
    add("## 6. `GET /api/v1/tasks` latency (Flask test client, bearer token, first page of 50)")
    add("")
    add("Rows bulk-inserted (Core executemany, chunks of 5 000) copying two real state strings (see")
    add(f"bench/bulk.py). × = p95 against the baseline round trip at 1 loop ({_ms(base)} ms).")
    add("")
    add(
        _row(
            "instances",
            "human_task rows",
            "open rows (share; claimed)",
            "generation",
            "user",
            "visible tasks",
            "returned",
            "SQL / request",
            "p50 ms",
            "p95 ms",
            "p95 × baseline",
        )
    )
    add("|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for stage in r.stages:
        t = stage.totals
        for n, lat in enumerate(stage.latencies + stage.analyzed):
            if n == 0:
                head = [
                    _n(stage.instances),
                    _n(t.rows),
                    f"{_n(t.open_rows)} ({t.open_share:.0%}; {_n(t.claimed)})",
                    f"{stage.generation_seconds:.1f} s",
                ]
            else:
                head = ["", "", "", ""]
            who = lat.username + (" (after ANALYZE)" if n >= len(stage.latencies) else "")
            add(
                _row(
                    *head,
                    who,
                    _n(lat.visible),
                    lat.returned,
                    lat.statements,
                    _ms(lat.p50),
                    _ms(lat.p95),
                    _x(lat.p95 / base),
                )
            )
    add("")
    add(
        "Requests per user: "
        + ", ".join(f"{_n(s.instances)}: {s.latencies[0].requests}" for s in r.stages)
        + "."
    )
    last = r.stages[-1]
    lanes = ", ".join(f"{lane} {_n(n)}" for lane, n in sorted(last.totals.by_lane.items()))
    add(f"Open rows by lane at {_n(last.instances)}: {lanes}.")
    groups = ", ".join(f"{code} {_n(n)}" for code, n in sorted(last.totals.by_group.items()))
    if groups:
        add(
            f"Open group-director rows by the requester's group: {groups} (only plan and hr have a director)."
        )
    add("")
    add(f"SQLite plan of owner1's inbox query at {_n(last.instances)} instances:")
    add("")
    add("```")
    for line in last.plan + (["-- after ANALYZE:", *last.analyzed_plan] if last.analyzed_plan else []):
        add(line)
    add("```")
    add("")


def _web(r: Results, add: Add) -> None:
    if not r.web:
        return
    base = r.per_task[("bare", 1)].median
    add(f"## 7. Staff web UI pages (Flask test client, browser session; target p95 ≤ {_ms(TARGET)} ms)")
    add("")
    add("Signed in through `POST /auth/login` (CSRF token from the login page); HTML rendered in full. The")
    add("inbox runs services.tasks.inbox (page of 25, total, procedures of the filter) plus the header badge")
    add("(count_tasks); the task page runs services.pages.task_page.get_task_page on real requests driven")
    add("through the services (their workflow state and event log are genuine). Visible = the total the")
    add("inbox shows.")
    add("SQL alone = every SELECT of one request re-run alone on a pooled connection (rows fetched, fastest")
    add(
        "of 5); the rest of a request is Flask, the ORM, the workflow restore and Jinja. CPU = thread time of"
    )
    add("the request (p50), less affected than wall time by other load on the machine. × = p95 against the")
    add(f"baseline round trip at 1 loop ({_ms(base)} ms).")
    add("")
    add(
        _row(
            "instances",
            "open tasks",
            "page",
            "visible",
            "SQL / request",
            "SQL alone ms",
            "costliest statement, ms",
            "p50 ms",
            "p95 ms",
            "CPU p50 ms",
            "p95 × baseline",
            "p95 ≤ 50 ms",
        )
    )
    add("|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---|")
    for stage in r.web:
        for n, lat in enumerate(stage.pages):
            head = [_n(stage.instances), _n(stage.open_tasks)] if n == 0 else ["", ""]
            top = lat.profile[0] if lat.profile else None
            statements = str(lat.statements) + (f" ({lat.repeated} repeated)" if lat.repeated else "")
            add(
                _row(
                    *head,
                    lat.case.label,
                    "" if lat.visible is None else _n(lat.visible),
                    statements,
                    _ms(lat.sql_seconds),
                    f"{top.name}, {_ms(top.seconds)}" if top else "",
                    _ms(lat.p50),
                    _ms(lat.p95),
                    _ms(lat.cpu_p50),
                    _x(lat.p95 / base),
                    _met(lat.met),
                )
            )
    add("")
    add(
        f"Requests per page and stage: {r.web[0].pages[0].requests} after 20 warm-up requests, interleaved "
        "(one request of each page in turn). "
        '"repeated" = a SELECT sent twice in one request with the same parameters (the badge\'s count is the '
        "inbox total's count when no filter is set)."
    )
    add("")
    last = r.web[-1]
    missed = [lat for lat in last.pages if not lat.met]
    if missed:
        _web_where(last, missed, add)
    if r.web_what_if:
        _web_what_if(last, r.web_what_if, add)
    if r.web_shapes:
        _web_shapes(r.web_shapes, add)


def _web_where(stage: WebStage, missed: list[PageLatency], add: Add) -> None:
    add(f"### Where the time goes: pages over the target at {_n(stage.instances)} instances")
    add("")
    add("SELECTs of one request, re-run alone (ms, rows returned), with SQLite's plan; statements under")
    add("0.5 ms are left out. Plans repeat across pages of the same shape.")
    add("")
    add("```")
    for lat in missed:
        add(
            f"{lat.case.label}: p50 {_ms(lat.p50)} ms, p95 {_ms(lat.p95)} ms; "
            f"SQL alone {_ms(lat.sql_seconds)} ms "
            f"in {len(lat.profile)} SELECTs"
        )
        for st in lat.profile:
            if st.seconds < 0.0005:
                continue
            add(f"  {_ms(st.seconds):>6} ms  {st.name} ({st.rows} rows)")
            for line in st.plan:
                add(f"             {line}")
        add("")
    add("```")
    add("")


def _web_what_if(stage: WebStage, variants: list[WhatIf], add: Add) -> None:
    add(f"### What would fix it: the same pages at {_n(stage.instances)} instances with a bigger page cache")
    add("and/or candidate indexes (bench database only; src/ unchanged)")
    add("")
    add(
        f"- page cache: `PRAGMA cache_size=-{CACHE_KIB}` ({CACHE_KIB // 1024} MiB) on every app connection "
        "(SQLite's"
    )
    add("  default is 2 000 KiB per connection), as a `connect` listener would set it in bpmnpub.db;")
    add("- indexes (created in the bench database, dropped afterwards; no ANALYZE):")
    for name, target in CANDIDATE_INDEXES.items():
        add(f"  `CREATE INDEX {name} ON {target}`")
    add("")
    requests = variants[0].pages[0].requests if variants[0].pages else 0
    add(
        f'p50 / p95 ms ({requests} requests per page and variant; "as is" is the measurement above); '
        "SQL alone"
    )
    add("with the indexes = the page's SELECTs re-run alone as above.")
    add("")
    add(_row("page", "as is", *VARIANTS, "SQL alone ms: as is → indexes"))
    add("|---|---:|" + "---:|" * len(VARIANTS) + "---:|")
    by_variant = {v.label: {lat.case.key: lat for lat in v.pages} for v in variants}
    for lat in stage.pages:
        cells = []
        for label in VARIANTS:
            other = by_variant.get(label, {}).get(lat.case.key)
            cells.append(
                f"{_ms(other.p50)} / {_ms(other.p95)} ({_met(other.met).strip('*')})" if other else "—"
            )
        indexed = by_variant.get(VARIANTS[1], {}).get(lat.case.key)
        add(
            _row(
                lat.case.label,
                f"{_ms(lat.p50)} / {_ms(lat.p95)} ({_met(lat.met).strip('*')})",
                *cells,
                f"{_ms(lat.sql_seconds)} → {_ms(indexed.sql_seconds)}" if indexed else "—",
            )
        )
    add("")
    with_indexes = by_variant.get(VARIANTS[1], {})
    plans = [page for key, page in with_indexes.items() if key in ("inbox-owner1", "inbox-director")]
    if plans:
        add("Plans with the candidate indexes:")
        add("")
        add("```")
        for page in plans:
            add(page.case.label)
            for st in page.profile:
                if "human_task" in st.sql and (
                    "count(" in st.sql or "DISTINCT" in st.sql or "LIMIT" in st.sql
                ):
                    add(f"  {_ms(st.seconds):>6} ms  {st.name}")
                    for line in st.plan:
                        add(f"             {line}")
        add("```")
        add("")


def _web_shapes(shapes: list[ShapeTiming], add: Add) -> None:
    add("### The list query in two steps")
    add("")
    add("One step = services.tasks.list_tasks' statement for the first page (every candidate row is joined")
    add("and carried through the sort); two steps = the page's ids first (ORDER BY created_at, id LIMIT 25")
    add("on indexed columns), then those 25 rows joined for display, as one statement with `IN (subquery)`.")
    add("Same rows checked. ms re-run alone.")
    add("")
    add(_row("user", "indexes", "one step ms", "two steps ms", "two-step plan"))
    add("|---|---|---:|---:|---|")
    for s in shapes:
        add(
            _row(
                s.username,
                s.variant,
                _ms(s.one_step.seconds),
                _ms(s.two_step.seconds),
                " / ".join(s.two_step.plan[:4]) + (" / …" if len(s.two_step.plan) > 4 else ""),
            )
        )
    add("")


def _where(r: Results, add: Add) -> None:
    if r.share is None:
        return
    add("## Where a service-level complete spends its time (1-loop instances)")
    add("")
    s = r.share
    engine = s.engine_per_task / s.per_task
    add(
        f"- complete_task {_ms(s.per_task)} ms per task, of which Engine.complete "
        f"{_ms(s.engine_per_task)} ms "
        f"({engine:.0%}); the rest is database and service code."
    )
    if r.idle is not None:
        i = r.idle
        add(
            f"- With one idle connection held open to the file: {_ms(i.per_task_held)} ms per task against "
            f"{_ms(i.per_task)} ms ({_x(i.per_task_held / i.per_task)}); ~1× expected, as the pool keeps "
            "connections open (under NullPool each transaction closed the last one and SQLite checkpointed "
            "the WAL: 10-28%)."
        )
    if r.profile_shares:
        shares = ", ".join(f"{label} {share:.0%}" for label, share in r.profile_shares if share >= 0.005)
        add(f"- cProfile, exclusive time by library (proportions; the profiler inflates Python): {shares}.")
    add("")


def _targets(r: Results, add: Add) -> None:
    add("## Targets")
    add("")
    add("| target | figure | |")
    add("|---|---|---|")
    base, service = r.per_task.get(("bare", 1)), r.per_task.get(("service", 1))
    if base and service:
        ratio = service.median / base.median
        figure = f"{_x(ratio)} ({_ms(service.median)} vs {_ms(base.median)} ms)"
        add(_row("service-level per task ≤ 2× the bare round trip at 1 loop", figure, _met(ratio <= 2)))
    far = r.per_task.get(("service", 100))
    if service and far:
        ratio = far.median / service.median
        figure = f"{_x(ratio)} ({_ms(far.median)} vs {_ms(service.median)} ms)"
        add(_row("service-level per task at 100 loops ≤ 2× its cost at 1 loop", figure, _met(ratio <= 2)))
    six = next((s for s in r.states if s.tasks == 6), None)
    if six:
        figure = f"largest {_kb(six.ours_largest)}, final {_kb(six.ours_final)}"
        add(_row("state ≤ 8 KiB for a 6-task instance", figure, _met(six.ours_largest <= STATE_LIMIT)))
    hundred = next((s for s in r.stages if s.instances >= 100_000), None)
    if hundred:
        lat = hundred.latencies[0]
        target = f"task list p95 ≤ 20 ms at 100 000 instances ({lat.username}, {lat.visible} visible)"
        add(_row(target, f"{_ms(lat.p95)} ms", _met(lat.p95 <= LIST_P95_LIMIT)))
    else:
        add(_row("task list p95 ≤ 20 ms at 100 000 instances", "not measured in this mode (--quick)", "—"))
    web = next((s for s in r.web if s.instances >= 100_000), None)
    if web:
        for page in web.pages:
            what = "inbox" if page.case.is_inbox else "task page"
            seen = f", {_n(page.visible)} visible" if page.visible is not None else ""
            target = (
                f"{what} p95 ≤ {_ms(TARGET)} ms at {_n(web.instances)} instances, {_n(web.open_tasks)} open "
                f"({page.case.label}{seen})"
            )
            add(_row(target, f"{_ms(page.p95)} ms", _met(page.met)))
    else:
        add(
            _row(
                "inbox and task page p95 ≤ 50 ms at 100 000 instances",
                "not measured in this mode (--quick)",
                "—",
            )
        )
    add("")
