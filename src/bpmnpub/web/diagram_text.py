"""A refused diagram's problems in the reader's language: the codes of engine/plain.py in Thai (English
through the catalogue), with the element and values filled in. Problems without a code (bpmnpub's own
checks) keep their message."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import gettext as _

from ..errors import DiagramProblem


def _kind(code: str) -> str:
    words: dict[str, str] = {
        "boolean": _("true หรือ false"),
        "integer": _("จำนวนเต็ม"),
        "number": _("ตัวเลข"),
        "id": _("id ที่ขึ้นต้นด้วยตัวอักษรหรือ _ และไม่ซ้ำกันในไฟล์"),
        "idref": _("id ขององค์ประกอบในไฟล์นี้"),
        "qname": _("id ขององค์ประกอบ"),
        "uri": _("ที่อยู่ (URI)"),
    }
    return str(words.get(code, _("ค่าที่ถูกต้อง")))


def _expected(params: dict[str, str]) -> str:
    return _(" (ที่ตำแหน่งนี้ใช้ได้: %(e)s)", e=params["expected"]) if params.get("expected") else ""


# code -> the wording, given the problem's params (every value is text from the diagram or plain.py)
WORDS: dict[str, Callable[[dict[str, str]], str]] = {
    "xsd_unexpected_element": lambda p: (
        _("ไม่รับองค์ประกอบ <%(el)s> ที่ตำแหน่งนี้ของไฟล์ BPMN 2.0", el=p["element"]) + _expected(p)
    ),
    "xsd_unknown_attribute": lambda p: _(
        "<%(el)s> มีแอตทริบิวต์ '%(a)s' ที่ BPMN 2.0 ไม่รู้จัก", el=p["element"], a=p["attribute"]
    ),
    "xsd_bad_value": lambda p: _(
        "<%(el)s> กำหนด %(a)s='%(v)s' ซึ่งใช้ไม่ได้ ต้องเป็น%(k)s",
        el=p["element"],
        a=p["attribute"],
        v=p["value"],
        k=_kind(p["kind"]),
    ),
    "xsd_bad_id": lambda p: _(
        "<%(el)s> มี id '%(v)s' ซึ่งใช้ไม่ได้ id ต้องขึ้นต้นด้วยตัวอักษรหรือ _ และไม่ซ้ำกันในไฟล์",
        el=p["element"],
        v=p["value"],
    ),
    "xsd_missing_attribute": lambda p: _("<%(el)s> ต้องมีแอตทริบิวต์ '%(a)s'", el=p["element"], a=p["attribute"]),
    "xsd_missing_child": lambda p: _("<%(el)s> ขาดองค์ประกอบที่ต้องมีอยู่ภายใน", el=p["element"]) + _expected(p),
    "xsd_bad_text": lambda p: _(
        "<%(el)s> มีค่า '%(v)s' ซึ่งใช้ไม่ได้ ต้องเป็น%(k)s", el=p["element"], v=p["value"], k=_kind(p["kind"])
    ),
    "xsd_other": lambda p: _("ไฟล์ไม่เป็นไปตามโครงสร้าง BPMN 2.0 ที่ตำแหน่งนี้"),
    "xml_too_deep": lambda p: _("องค์ประกอบซ้อนกันลึกเกินกว่าที่แผนภาพ BPMN ใดจะต้องใช้ (เกิน 256 ชั้น)"),
    "xml_entities": lambda p: _("ไฟล์ใช้ XML entity หรือใหญ่เกินไป แผนภาพ BPMN ไม่ต้องใช้ทั้งสองอย่าง"),
    "xml_syntax": lambda p: _("ไฟล์ไม่ใช่ XML ที่ถูกต้อง: %(d)s", d=p["detail"]),
    "too_deep": lambda p: _(
        "แผนภาพใหญ่หรือต่อกันยาวเกินกว่าที่ระบบจะอ่านได้ (หลายร้อยขั้นตอนในเส้นทางเดียว) โปรดแบ่งเป็นกระบวนงานที่สั้นลง"
    ),
    "flow_missing_end": lambda p: (
        _("เส้นทาง '%(f)s' เริ่มจาก '%(r)s' ซึ่งไม่มีในกระบวนงานนี้", f=p["flow"], r=p["ref"])
        if p["end"] == "source"
        else _("เส้นทาง '%(f)s' ไปยัง '%(r)s' ซึ่งไม่มีในกระบวนงานนี้", f=p["flow"], r=p["ref"])
    ),
    # the checker's own findings (engine/specs.py), the list an imported diagram opens with
    "no_process": lambda p: _("ไฟล์นี้ไม่มีกระบวนงาน (bpmn:process)"),
    "not_bpmn": lambda p: _("ไฟล์นี้ไม่ใช่แผนภาพ BPMN 2.0"),
    "bad_process_id": lambda p: _("ระบุรหัสกระบวนงาน: a-z, 0-9 และ _ ขึ้นต้นด้วยตัวอักษร"),
    "id_taken": lambda p: _("รหัสนี้ใช้กับองค์ประกอบอื่นในไฟล์แล้ว: ใช้รหัสอื่น"),
    "not_executable": lambda p: _(
        "กระบวนงานยังไม่ได้ตั้งให้ใช้งานได้ (isExecutable ไม่ใช่ true): ทำเครื่องหมาย “ใช้งานได้” ในคุณสมบัติของกระบวนงาน"
    ),
    "other_process": lambda p: _(
        "มีกระบวนงานที่สอง “%(name)s”: ระบบใช้ได้ไฟล์ละหนึ่งกระบวนงาน ย้ายขั้นตอนเข้าช่องทำงานของกระบวนงานหลัก หรือลบออก",
        name=p["name"],
    ),
    "no_lanes": lambda p: _(
        "กระบวนงานไม่มีช่องทำงาน (lane): สร้าง pool แล้วแบ่งช่องทำงาน ตั้งแต่ละช่องเป็นบทบาทที่ทำงานนั้น"
    ),
    "not_in_lane": lambda p: _("ไม่อยู่ในช่องทำงานใด: วางไว้ในช่องของบทบาทที่ทำ"),
    "lane_not_role": lambda p: _(
        "ช่องทำงาน “%(lane)s” ไม่ใช่บทบาทที่รู้จัก: เลือกบทบาทของช่องนี้ในคุณสมบัติ", lane=p["lane"]
    ),
    "no_form": lambda p: _("งานของผู้ใช้ยังไม่มีแบบฟอร์ม: เลือกหรือสร้างแบบฟอร์มในคุณสมบัติ"),
    "unknown_form": lambda p: _("ไม่มีแบบฟอร์ม %(form)s", form=p["form"]),
    "unsupported_task": lambda p: _(
        "งานทั่วไป (task) หยุดกระบวนงานโดยไม่มีแบบฟอร์ม: เปลี่ยนเป็นงานของผู้ใช้ (user task) หรืองานบริการ"
    ),
    "unsupported_manualTask": lambda p: _(
        "งานทำด้วยมือ (manual task) ไม่มีแบบฟอร์ม: เปลี่ยนเป็นงานของผู้ใช้ (user task)"
    ),
    "unsupported_subProcess": lambda p: _("ยังไม่รองรับกระบวนงานย่อย (sub-process)"),
    "unsupported_callActivity": lambda p: _("ยังไม่รองรับการเรียกกระบวนงานอื่น (call activity)"),
    "unsupported_businessRuleTask": lambda p: _("ไม่รองรับงานกฎทางธุรกิจ (DMN)"),
    "engine_refused": lambda p: _("ระบบสร้างกระบวนงานจากองค์ประกอบนี้ไม่ได้"),
    "engine_said": lambda p: _("ระบบไม่รับแผนภาพนี้: %(d)s", d=p["detail"]),
}


def say(problem: DiagramProblem) -> str:
    """The problem's message in the reader's language."""
    words = WORDS.get(problem.code)
    if words is None:
        return problem.message
    try:
        return words(problem.params)
    except KeyError:  # a code without the values its wording needs: the English message still helps
        return problem.message


def as_dicts(problems: Iterable[DiagramProblem]) -> list[dict[str, Any]]:
    """Problems as the API's `{file, element_id, line, message}` (docs/api.md), the message in the reader's
    language."""
    return [{"file": p.file, "element_id": p.element_id, "line": p.line, "message": say(p)} for p in problems]
