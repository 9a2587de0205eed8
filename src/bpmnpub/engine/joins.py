"""Joins that merge their branches' data without rewriting tasks already done.

SpiffWorkflow's `UnstructuredJoin` (the process's end join, parallel and inclusive gateways) merges
the data of every branch that reached it, in every round, with `DeepMerge` into a dict whose lists and
dicts are the very objects of the arriving task and its ancestors (3.2.0 shares nested values between
parent and child). Found by the differential test once it saw date timers: a photo album sent back
three times, with a reminder fired in each round, ended with the photos of the third round — the end
join merged the reminders' snapshots (the data as the round began) into the shared `photos` list, so
the request's final data, and every completed task above the end, showed photos that had been
replaced (docs/spiffworkflow.md, trap 5, at a join).

`mend_joins` marks the joins of a parsed spec; for a marked join the merge is ours: the branches'
top-level keys as deep copies, in the order they arrived, the arriving branch last. Unmarked specs (any
other user of SpiffWorkflow in the process) keep the stock behaviour.
"""

from __future__ import annotations

import copy
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.task import TaskState

_MARK = "bpmnpub_merges_by_key"
_STOCK_RUN_HOOK = UnstructuredJoin._run_hook


def _run_hook(self: Any, my_task: Any) -> bool:
    if not getattr(self, _MARK, False):
        return bool(_STOCK_RUN_HOOK(self, my_task))
    arrived = sorted(
        (
            t
            for t in my_task.workflow.tasks.values()
            if t.task_spec == self
            and t.has_state(TaskState.FINISHED_MASK)
            and not my_task.is_descendant_of(t)
        ),
        key=lambda t: t.last_state_change,
    )
    data: dict[str, Any] = {}
    for task in arrived:
        data.update(copy.deepcopy(task.parent.data))
        if task.has_state(TaskState.COMPLETED):
            task._drop_children(force=True)  # as stock does: a branch reset inside a parallel split
    data.update(copy.deepcopy(my_task.parent.data))
    my_task.data = data
    return True


# `InclusiveGateway` calls `UnstructuredJoin._run_hook(self, task)` by name and `_EndJoin` through
# super(): replacing the function on the class reaches every join; the mark decides per spec.
UnstructuredJoin._run_hook = _run_hook


def mend_joins(process_spec: Any) -> None:
    """Mark every join of a parsed process spec to merge by top-level key (see the module docstring)."""
    for task_spec in process_spec.task_specs.values():
        if isinstance(task_spec, UnstructuredJoin):
            setattr(task_spec, _MARK, True)
