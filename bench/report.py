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
    add(f"{r.environment}. Run time {r.run_seconds:.0f} s.")
    add("")
    add("BASELINE = bare SpiffWorkflow 3.2.0 round trip per user task, stock serializer (spec included):")
    add("restore from JSON, complete one user task (data.update + run), do_engine_steps, find the next")
    add("ready user task, serialize; the publish service task answers from a stub script engine. It is")
    add("measured in this run and every × is against it. Absolute times swing ~1.8× between runs.")
    add("")
    for section in (_per_task, _states, _sql, _lists, _where, _targets):
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
    add("")
    add(f"SQLite plan of owner1's inbox query at {_n(last.instances)} instances:")
    add("")
    add("```")
    for line in last.plan + (["-- after ANALYZE:", *last.analyzed_plan] if last.analyzed_plan else []):
        add(line)
    add("```")
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
    add("")
