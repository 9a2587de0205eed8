"""THE BASELINE: bare SpiffWorkflow 3.2.0, stock serializer (spec included in every state).

Per user task: restore from JSON, find the task, update its data, run it, do_engine_steps, find the
next ready user task, serialize to JSON. The publish service task runs against a stub script engine
(the stock PythonScriptEngine with `call_service` answering a fixed result and `defined("name")` added,
which the diagrams use for optional fields).
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .scenario import DIAGRAM, PROCESS_ID, steps
from .timing import Run, Stopwatch


class StubScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """The stock engine; service calls answer like the publish operator without doing anything."""

    def call_service(self, task: Any, **kwargs: Any) -> str:
        return json.dumps({"id": 1, "url": "/public/items/1-x", "published_at": "2026-11-16T02:00:00+00:00"})

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        """With bpmnpub's one special form, `defined("name")` (the diagrams' optional fields use it)."""
        data = task.data
        names = {"defined": lambda name: name in data, **(external_context or {})}
        return super().evaluate(task, expression, names)


class BareRunner:
    name = "bare"

    def __init__(self) -> None:
        parser = SpiffBpmnParser()
        tree = etree.parse(str(DIAGRAM), etree.XMLParser(resolve_entities=False, no_network=True))
        parser.add_bpmn_xml(tree, filename="general_publication.bpmn")
        self.spec = parser.get_spec(PROCESS_ID)
        self.subprocess_specs = parser.get_subprocess_specs(PROCESS_ID)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.script_engine = StubScriptEngine()

    def start(self) -> tuple[str, Any]:
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=self.script_engine)
        workflow.do_engine_steps()
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        return self.serializer.serialize_json(workflow), ready[0].id

    def run(self, loops: int) -> Run:
        state, guid = self.start()
        sizes = [len(state.encode())]
        watch = Stopwatch()
        plan = steps(loops)
        for step in plan:
            with watch:
                workflow = self.serializer.deserialize_json(state)
                workflow.script_engine = self.script_engine  # a restored workflow gets the default back
                task = workflow.get_task_from_id(guid)
                task.data.update(step.data)
                task.run()
                workflow.do_engine_steps()
                ready = workflow.get_tasks(state=TaskState.READY, manual=True)
                state = self.serializer.serialize_json(workflow)
            assert task.task_spec.bpmn_id == step.spec_id, (task.task_spec.bpmn_id, step.spec_id)
            sizes.append(len(state.encode()))
            guid = ready[0].id if ready else None
        assert guid is None, "a user task is still waiting"
        assert workflow.is_completed(), "the instance did not end"
        return Run(watch.seconds, len(plan), sizes)
