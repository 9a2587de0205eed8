"""What a user task's form may show of the request's data before the person types anything.

Workflow data is one flat dictionary: whatever an earlier step wrote under a name is there when a later
task's form has a field of that name. Left alone, a requester could pre-tick the publisher's
`certified`, and one reviewer's `comment` would greet the next. So a form starts from its own
defaults, and takes a value from the data only for the fields the diagram names:

- `spiffworkflow:property name="carryOver" value="title,attachments"` on the user task (or `*`: every
  field of its form), e.g. a revise task showing the request as it stands;
- the names the task's own `preScript` assigns (`views = view_stats["views"]`): the diagram computes
  them for this step;
- every field of a *start task*: a `requester` task a new request reaches before any other user task.
  Start data (`POST /processes/{id}/instances {data}`) may fill only these tasks' fields.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from typing import Any

CARRY_ALL = "*"
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_ASSIGNED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)", re.MULTILINE)


def carry_over(value: str | None) -> tuple[str, ...]:
    """The names of a `carryOver` property, in order (`("*",)` for all)."""
    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    return (CARRY_ALL,) if CARRY_ALL in names else tuple(dict.fromkeys(names))


def carry_over_problem(value: str) -> str | None:
    """Why a `carryOver` property cannot be used, or None."""
    names = [n.strip() for n in value.split(",")]
    if names == [CARRY_ALL]:
        return None
    bad = [n for n in names if not _NAME.fullmatch(n)]
    if bad or not names:
        return f"carryOver lists field names separated by commas, or * for every field (not {value!r})"
    return None


def script_fields(script: str | None) -> tuple[str, ...]:
    """The names a task's preScript assigns (scripts are lines of `name = expression`)."""
    return tuple(dict.fromkeys(_ASSIGNED.findall(script or "")))


def start_tasks(process: Any, lanes: dict[str, str], ns: dict[str, str]) -> frozenset[str]:
    """Ids of the `requester` user tasks reached from a start event before any other user task."""
    targets: dict[str, list[str]] = defaultdict(list)
    for flow in process.findall("bpmn:sequenceFlow", ns):
        targets[flow.get("sourceRef", "")].append(flow.get("targetRef", ""))
    user_tasks = {t.get("id") for t in process.findall("bpmn:userTask", ns)}
    queue = deque(s.get("id", "") for s in process.findall("bpmn:startEvent", ns))
    seen, first = set(queue), set()
    while queue:
        node = queue.popleft()
        for target in targets[node]:
            if target in seen:
                continue
            seen.add(target)
            if target in user_tasks:
                first.add(target)
            else:
                queue.append(target)
    return frozenset(t for t in first if lanes.get(t) == "requester")
