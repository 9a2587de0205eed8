"""Serialized state per instance: bpmnpub (spec by reference, history pruned, UTF-8 JSON) against
the stock serializer (spec copied in, whole task tree, ASCII-escaped JSON), in bytes of UTF-8.

Sizes come from the timed runs: the state after the start and after every completed task. "largest"
is the biggest state stored while the instance ran (what a row must hold), "final" the state at the
end.
"""

from __future__ import annotations

from dataclasses import dataclass

from .timing import Run


@dataclass(frozen=True)
class StateSize:
    loops: int
    tasks: int
    stock_largest: int
    stock_final: int
    ours_largest: int
    ours_final: int

    @property
    def ratio(self) -> float:
        return self.ours_largest / self.stock_largest


def from_runs(loops: int, bare: Run, engine: Run) -> StateSize:
    assert bare.tasks == engine.tasks
    return StateSize(
        loops,
        bare.tasks,
        max(bare.state_bytes),
        bare.state_bytes[-1],
        max(engine.state_bytes),
        engine.state_bytes[-1],
    )
