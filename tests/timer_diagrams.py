"""Small diagrams with one timer, for the tests of timer bounds (engine, services, web).

`timer_diagram(kind, expression)`: the requester fills `timer_probe_form` (a free text `wait`), then
the instance waits on an intermediate timer (or a boundary timer on the next task) and ends.
"""

from __future__ import annotations

from typing import Any

PROCESS_ID = "timer_probe"
FORM_KEY = "timer_probe_form"

FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "ทดสอบตัวจับเวลา",
    "type": "object",
    "properties": {
        "title": {"type": "string", "title": "เรื่อง", "maxLength": 300},
        "wait": {"type": "string", "title": "ระยะเวลารอ", "maxLength": 100},
    },
    "required": [],
}


def timer_diagram(kind: str, expression: str, *, event: str = "intermediateCatchEvent") -> str:
    """A deployable diagram whose one timer is `<kind>` = `expression` (kind: timeDuration, timeDate,
    timeCycle); `event`: intermediateCatchEvent, or boundaryEvent on the second task."""
    timer = (
        f'<bpmn:timerEventDefinition id="TimerDef_Wait">\n'
        f'        <bpmn:{kind} xsi:type="bpmn:tFormalExpression">{_escape(expression)}</bpmn:{kind}>\n'
        f"      </bpmn:timerEventDefinition>"
    )
    if event == "intermediateCatchEvent":
        middle = f"""
    <bpmn:intermediateCatchEvent id="Timer_Wait" name="รอ">
      <bpmn:incoming>Flow_Ask_To_Wait</bpmn:incoming>
      <bpmn:outgoing>Flow_Wait_To_After</bpmn:outgoing>
      {timer}
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="Flow_Ask_To_Wait" sourceRef="Task_Ask" targetRef="Timer_Wait"/>
    <bpmn:sequenceFlow id="Flow_Wait_To_After" sourceRef="Timer_Wait" targetRef="Task_After"/>"""
        ask_out, after_in = "Flow_Ask_To_Wait", "Flow_Wait_To_After"
    else:
        middle = f"""
    <bpmn:boundaryEvent id="Timer_Wait" name="เลยกำหนด" attachedToRef="Task_After" cancelActivity="true">
      <bpmn:outgoing>Flow_Wait_To_End</bpmn:outgoing>
      {timer}
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="Flow_Ask_To_After" sourceRef="Task_Ask" targetRef="Task_After"/>
    <bpmn:sequenceFlow id="Flow_Wait_To_End" sourceRef="Timer_Wait" targetRef="End_Done"/>"""
        ask_out, after_in = "Flow_Ask_To_After", "Flow_Ask_To_After"
    return _diagram(middle, ask_out, after_in, ["Timer_Wait"])


def loop_diagram() -> str:
    """After the requester's task, a script and a gateway loop back to each other a billion times:
    automatic steps that never wait (the engine must stop them, not the office)."""
    middle = """
    <bpmn:scriptTask id="Script_Count" name="นับ">
      <bpmn:incoming>Flow_Ask_To_Count</bpmn:incoming>
      <bpmn:incoming>Flow_Again</bpmn:incoming>
      <bpmn:outgoing>Flow_Count_To_Gateway</bpmn:outgoing>
      <bpmn:script>n = (n if defined("n") else 0) + 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="Gateway_Again" name="อีกครั้ง?" default="Flow_Gateway_To_After">
      <bpmn:incoming>Flow_Count_To_Gateway</bpmn:incoming>
      <bpmn:outgoing>Flow_Again</bpmn:outgoing>
      <bpmn:outgoing>Flow_Gateway_To_After</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="Flow_Ask_To_Count" sourceRef="Task_Ask" targetRef="Script_Count"/>
    <bpmn:sequenceFlow id="Flow_Count_To_Gateway" sourceRef="Script_Count" targetRef="Gateway_Again"/>
    <bpmn:sequenceFlow id="Flow_Again" sourceRef="Gateway_Again" targetRef="Script_Count">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">n &lt; 1000000000</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Gateway_To_After" sourceRef="Gateway_Again" targetRef="Task_After"/>"""
    return _diagram(middle, "Flow_Ask_To_Count", "Flow_Gateway_To_After", ["Script_Count", "Gateway_Again"])


def _diagram(middle: str, ask_out: str, after_in: str, middle_ids: list[str]) -> str:
    refs = "".join(f"\n        <bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in middle_ids)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="Definitions_timer_probe" targetNamespace="https://bpmnpub.example/processes">
  <bpmn:process id="{PROCESS_ID}" name="ทดสอบตัวจับเวลา" isExecutable="true">
    <bpmn:extensionElements>
      <spiffworkflow:properties>
        <spiffworkflow:property name="category" value="publication"/>
        <spiffworkflow:property name="startRoles" value="*"/>
      </spiffworkflow:properties>
    </bpmn:extensionElements>
    <bpmn:laneSet id="LaneSet_timer_probe">
      <bpmn:lane id="Lane_requester" name="requester">
        <bpmn:flowNodeRef>StartEvent_Probe</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_Ask</bpmn:flowNodeRef>{refs}
        <bpmn:flowNodeRef>Task_After</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>End_Done</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_Probe">
      <bpmn:outgoing>Flow_Start_To_Ask</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_Ask" name="กรอกระยะเวลา">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="{FORM_KEY}"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_Start_To_Ask</bpmn:incoming>
      <bpmn:outgoing>{ask_out}</bpmn:outgoing>
    </bpmn:userTask>{middle}
    <bpmn:userTask id="Task_After" name="หลังรอ">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="{FORM_KEY}"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>{after_in}</bpmn:incoming>
      <bpmn:outgoing>Flow_After_To_End</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End_Done">
      <bpmn:incoming>Flow_After_To_End</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_Start_To_Ask" sourceRef="StartEvent_Probe" targetRef="Task_Ask"/>
    <bpmn:sequenceFlow id="Flow_After_To_End" sourceRef="Task_After" targetRef="End_Done"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def line_of(xml: str, needle: str) -> int:
    return xml[: xml.index(needle)].count("\n") + 1
