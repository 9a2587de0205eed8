"""Every path through every shipped process, as data. The runner (runner.py) walks them.

Users are the demo office (README.md): owner1, gdir_plan and publisher1 in the planning group "plan";
owner2 and gdir_hr in the personnel group "hr"; pr1 is PR officer and publisher; one each of legal1,
deputy1 and director1. "<pdf>", "<jpg:2>", ... are files the runner uploads (one per placeholder).
"""

from __future__ import annotations

from typing import Any

from .runner import Expect, Item, Scenario, Step, Wait, walk

Data = dict[str, Any]


def review(
    task: str, user: str, decision: str = "approve", comment: str = "", form: str = "review_form"
) -> Step:
    data = {"decision": decision, "comment": comment} if comment else {"decision": decision}
    return Step(task, user, form, data)


def revise(task: str, user: str, form: str, data: Data) -> Step:
    """A requester's revise task: it comes back filled with the current data; `data` is the fix."""
    return Step(task, user, form, data, prefilled=True)


def three(loop: Any) -> list[Step]:
    """A revise loop taken three times: loop(1) + loop(2) + loop(3)."""
    return [step for n in (1, 2, 3) for step in loop(n)]


REJECTED = Expect("rejected", "rejected")

# -- 1. general_publication: group director, director, publisher ---------------------------------------

GENERAL: Data = {
    "title": "ประกาศผลการคัดเลือกครูผู้ช่วย กรณีมีเหตุพิเศษ",
    "category": "1.3",  # 3.1 takes the categories that allow it (1.1 rules: 3.3 only)
    "description": "ประกาศรายชื่อผู้ผ่านการคัดเลือก",
    "purpose": "เพื่อเผยแพร่ต่อสาธารณะ",
    "channels": ["website", "notice_board"],
    "attachments": ["<pdf>"],
}
GD, DIR = "Task_GroupDirectorReview", "Task_DirectorDecision"
CHECKED = Step(
    "Task_CheckAndPublish", "publisher1", "publish_check_form", {"decision": "approve", "certified": True}
)
LEGAL_FORM = "legal_opinion_form"
# 3.1 and 3.3 ask whether the item holds personal data or needs a legal look: a yes goes to the legal officer
PERSONAL: Data = {"personal_data": True, "legal_review": False}


def general_v(n: int) -> Data:
    """Revision n of the request: a new title and a new file."""
    return {**GENERAL, "title": f"{GENERAL['title']} (แก้ไขครั้งที่ {n})", "attachments": [f"<pdf:v{n}>"]}


def general(owner: str, *steps: Step, end: Expect) -> Data:
    first = Step("Task_PrepareRequest", owner, "general_request_form", GENERAL)
    return {"process": "general_publication", "starter": owner, "steps": [first, *steps], "expect": end}


def general_published(title: str = GENERAL["title"]) -> Expect:
    return Expect("completed", "published", Item(title, "1.3"))


def general_with(owner: str, data: Data, *steps: Step, end: Expect) -> Data:
    first = Step("Task_PrepareRequest", owner, "general_request_form", data)
    return {"process": "general_publication", "starter": owner, "steps": [first, *steps], "expect": end}


def publisher_sends_back(task: str, fix: str, form: str, data: Data) -> list[Step]:
    """The publisher finds a wrong file and sends the request back with a reason; the owner fixes it."""
    reason = {"decision": "revise", "comment": "ไฟล์แนบเป็นฉบับร่าง โปรดแนบฉบับที่ลงนามแล้ว"}
    return [Step(task, "publisher1", "publish_check_form", reason), revise(fix, "owner1", form, data)]


def gdir_sends_back(n: int) -> list[Step]:
    return [
        review(GD, "gdir_plan", "revise", f"แนบฉบับที่ลงนามแล้ว (รอบที่ {n})"),
        revise("Task_ReviseForGroupDirector", "owner1", "general_request_form", general_v(n)),
    ]


# -- 2. memo_publication: legal officer, group director, certify, deputy, director, publish -------------

MEMO: Data = {
    "office_unit": "สพป.ฉะเชิงเทรา เขต 1 กลุ่มนโยบายและแผน",
    "document_number": "ศธ 04032/123",
    "memo_date": "2026-11-16",
    "title": "ขออนุญาตเผยแพร่ข้อมูลบนเว็บไซต์",
    "requester_name": "นางสาวสมใจ ใจดี",
    "requester_position": "นักวิเคราะห์นโยบายและแผน",
    "requester_group": "plan",
    "topic": "แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2570",
    "category": "1.12",  # the memo takes the categories 3.1 takes
    "description": "แผนปฏิบัติการที่ผ่านความเห็นชอบแล้ว",
    "purpose": "เพื่อเผยแพร่ประชาสัมพันธ์งานที่ดำเนินการ",
    "file_formats": ["pdf", "word"],
    "delivery_channel": "email",
    "delivery_email": "owner1@example.go.th",
    "attachments": ["<pdf>"],
}
LEGAL, CERTIFY, DEPUTY = "Task_LegalOpinion", "Task_CertifyData", "Task_DeputyOpinion"
MEMO_FIX = {
    LEGAL: "Task_ReviseForLegalOfficer",
    GD: "Task_ReviseForGroupDirector",
    CERTIFY: "Task_ReviseForPublisher",
    DIR: "Task_ReviseForDirector",
}
MEMO_REVIEWER = {
    LEGAL: ("legal1", "legal_opinion_form"),
    GD: ("gdir_plan", "review_form"),
    CERTIFY: ("publisher1", "certify_form"),
    DIR: ("director1", "director_permission_form"),
}

LEGAL_OK = review(LEGAL, "legal1", form="legal_opinion_form")
GD_OK = review(GD, "gdir_plan")
CERTIFIED = Step(CERTIFY, "publisher1", "certify_form", {"decision": "approve", "certified": True})
DEPUTY_ALLOW = Step(DEPUTY, "deputy1", "deputy_opinion_form", {"decision": "recommend_allow"})
DENY: Data = {"decision": "recommend_deny", "comment": "มีรายชื่อบุคคล ควรตัดออกก่อนเผยแพร่"}
DEPUTY_DENY = Step(DEPUTY, "deputy1", "deputy_opinion_form", DENY)
DIR_OK = review(DIR, "director1", form="director_permission_form")
PUBLISHED_BY_PR = Step("Task_Publish", "pr1", "publish_confirm_form", {"confirmed": True})
SHOWS_DEPUTY = {"deputy_recommendation": "recommend_deny", "deputy_comment": DENY["comment"]}


def memo_v(n: int) -> Data:
    return {**MEMO, "topic": f"{MEMO['topic']} (ฉบับปรับปรุง {n})", "attachments": [f"<pdf:v{n}>"]}


def sends_back(reviewer: str) -> Any:
    """`reviewer` sends the memo back with a reason; owner1 fixes it (revision n)."""
    user, form = MEMO_REVIEWER[reviewer]

    def loop(n: int) -> list[Step]:
        return [
            review(reviewer, user, "revise", f"โปรดแก้ไขตามความเห็น (รอบที่ {n})", form),
            revise(MEMO_FIX[reviewer], "owner1", "memo_request_form", memo_v(n)),
        ]

    return loop


def memo(*steps: Step, end: Expect) -> Data:
    first = Step("Task_PrepareMemo", "owner1", "memo_request_form", MEMO)
    return {"process": "memo_publication", "starter": "owner1", "steps": [first, *steps], "expect": end}


def memo_published(topic: str = MEMO["topic"]) -> Expect:
    return Expect("completed", "published", Item(topic, "1.12"))  # the portal shows the memo's topic


# -- 3. photo_publication: plan, shoot and select, captions, PDPA, album, wait 14 days, evaluate --------

PLAN: Data = {
    "title": "ภาพกิจกรรมการประชุมผู้บริหารสถานศึกษา ครั้งที่ 5/2569",
    "category": "1.13",
    "activity": "การประชุมผู้บริหารสถานศึกษา",
    "activity_date": "2026-11-20",
    "place": "หอประชุม สพป.",
    "photographer": "นายประชา สัมพันธ์",
}
SHOT = [
    {"file": "<jpg:1>", "publish": True},
    {"file": "<jpg:2>", "publish": True},
    {"file": "<jpg:3>", "publish": False},
]
EVALUATED: Data = {"evaluation_result": "ครูและผู้ปกครองรับทราบกิจกรรม", "lessons": "ควรเผยแพร่ภายใน 3 วัน"}


def captioned(second: str) -> list[Data]:
    """The three photos with captions; the third stays unpublished."""
    return [
        {
            "file": "<jpg:1>",
            "caption": "ผอ.สพป. เปิดการประชุม",
            "alt_text": "ผู้อำนวยการกล่าวเปิดประชุม",
            "publish": True,
        },
        {"file": second, "caption": "ผู้บริหารร่วมประชุม", "alt_text": "ภาพมุมกว้างของห้องประชุม", "publish": True},
        {"file": "<jpg:3>", "publish": False},
    ]


def captions(second: str = "<jpg:2>", prefilled: bool = False) -> Step:
    data = {"album_description": "การประชุมผู้บริหารสถานศึกษาประจำเดือน", "photos": captioned(second)}
    return Step("Task_WriteCaptions", "pr1", "photo_caption_form", data, prefilled=prefilled)


def pdpa(decision: str, comment: str = "") -> Step:
    """Children can be recognised and there is no consent: approving needs a measure (blur, wide shot)."""
    data: Data = {"people_identifiable": True, "children_present": True, "consent_on_file": False}
    data["decision"] = decision
    if decision == "approve":
        data["measures"] = ["blur", "wide_shot"]
    if comment:
        data["comment"] = comment
    return Step("Task_PdpaCheck", "pr1", "pdpa_check_form", data)


def pdpa_sends_back(n: int) -> list[Step]:
    """The PDPA check fails; photo 2 is replaced by a blurred one, selected and captioned again."""
    blurred = f"<jpg:2-blurred-{n}>"
    return [
        pdpa("revise", f"ภาพที่ 2 เห็นใบหน้านักเรียนชัดเจน โปรดเบลอ (รอบที่ {n})"),
        Step(
            "Task_ShootAndSelect", "pr1", "photo_select_form", {"photos": captioned(blurred)}, prefilled=True
        ),
        captions(blurred, prefilled=True),
    ]


def photo(*pdpa_loops: Step) -> Data:
    return {
        "process": "photo_publication",
        "starter": "owner1",
        "steps": [
            Step("Task_PlanPhotography", "owner1", "photo_plan_form", PLAN),
            Step("Task_ShootAndSelect", "pr1", "photo_select_form", {"photos": SHOT}),
            captions(),
            *pdpa_loops,
            pdpa("approve"),
            Wait(days=14),
            Step("Task_EvaluatePublication", "pr1", "evaluation_form", EVALUATED, shows={"views": 0}),
        ],
        "expect": Expect("completed", "published", Item(PLAN["title"], "1.13", "album", files=None)),
    }


# -- 4. regulatory_publication: plan, acquire, compile, supervisor revise/continue, publish, wait 30 days --

OBJECTIVE: Data = {
    "title": "ผลการจัดซื้อจัดจ้าง ประจำเดือนตุลาคม 2569",
    "category": "1.9",  # procurement: 3.3 only
    "objective": "เปิดเผยผลการจัดซื้อจัดจ้างตามกฎหมาย",
    "target_audience": "ประชาชนทั่วไป ผู้ประกอบการ",
    "target_date": "2026-11-30",
}
ACQUIRED: Data = {"data_sources": "ระบบ e-GP", "source_files": ["<pdf:source>"], "acquire_note": "ดึงจากระบบ"}
COMPILED: Data = {
    "description": "สรุปผลการจัดซื้อจัดจ้าง (สขร.1)",
    "attachments": ["<pdf>"],
    "data_as_of": "2026-10-31",
}


def supervisor_sends_back(n: int) -> list[Step]:
    fixed = {
        **COMPILED,
        "description": f"{COMPILED['description']} ฉบับแก้ไข {n}",
        "attachments": [f"<pdf:v{n}>"],
    }
    return [
        review(
            "Task_SupervisorReview",
            "gdir_plan",
            "revise",
            f"ยอดไม่ตรง e-GP (รอบที่ {n})",
            "supervisor_review_form",
        ),
        revise("Task_FixData", "owner1", "compile_data_form", fixed),
    ]


def regulatory(*revise_loops: Step, compiled: Data = COMPILED) -> Data:
    return {
        "process": "regulatory_publication",
        "starter": "owner1",
        "steps": [
            Step("Task_PlanObjective", "owner1", "objective_form", OBJECTIVE),
            Step("Task_AcquireData", "owner1", "acquire_data_form", ACQUIRED),
            Step("Task_CompileData", "owner1", "compile_data_form", compiled),
            *revise_loops,
            review("Task_SupervisorReview", "gdir_plan", form="supervisor_review_form"),
            Step(
                "Task_PreparePublication",
                "publisher1",
                "publish_check_form",
                {"decision": "approve", "certified": True},
            ),
            Wait(days=30),
            Step("Task_EvaluatePublication", "owner1", "evaluation_form", EVALUATED, shows={"views": 0}),
        ],
        "expect": Expect("completed", "published", Item(OBJECTIVE["title"], "1.9")),
    }


# -- 5. semiannual_report: one report per directed group, compile, acknowledge, publish or not ----------

REPORT: Data = {
    "title": "รายงานผลการเผยแพร่ข้อมูลข่าวสาร รอบ 6 เดือน (เม.ย. - ก.ย. 2569)",
    "category": "1.17",
    "summary": "ทุกกลุ่มเผยแพร่ข้อมูลตามมาตรการ",
}
REPORT_O_ITEM = "O7"  # รายงานการกำกับติดตามการดำเนินงาน รอบ 6 เดือน: the director's choice


def group_report(user: str, group: str) -> Step:
    data = {
        "results": f"กลุ่ม {group} เผยแพร่ครบ",
        "problems": "ไม่มี",
        "suggestions": "ไม่มี",
    }
    shows = {"group_code": group, "system_items_published": 0}  # the system's count: nothing last half-year
    return Step("Task_GroupReport", user, "group_report_form", data, shows=shows)


def semiannual(starter: str, compiler: str, publish: bool) -> Data:
    ack = {"acknowledged": True, "comment": "รับทราบ", "publish_report": publish}
    if publish:
        ack["ita_item"] = REPORT_O_ITEM
    # The report's files are the ones the system made (PDF, CSV, XLSX), not a form field.
    published = Expect("completed", "published", Item(REPORT["title"], "1.17", "report", files=None))
    return {
        "process": "semiannual_report",
        "starter": starter,
        "steps": [
            group_report("gdir_plan", "plan"),
            group_report("gdir_hr", "hr"),
            Step("Task_CompileReport", compiler, "compile_report_form", REPORT),
            Step("Task_DirectorAcknowledge", "director1", "director_ack_form", ack),
        ],
        "expect": published if publish else Expect("completed", "completed"),
    }


# -- 6. publication_programme: announce (published), appoint, brief, define topics ---------------------

ANNOUNCEMENT: Data = {
    "title": "ประกาศ เรื่อง มาตรการการเผยแพร่ข้อมูลข่าวสารต่อสาธารณะ ปีงบประมาณ พ.ศ. 2570",
    "fiscal_year": 2570,
    "announcement_date": "2026-10-01",
    "category": "1.1",
    "description": "มาตรการการเผยแพร่ข้อมูลของสำนักงาน",
    "announcement_files": ["<pdf:announcement>"],
}
APPOINTED: Data = {
    "order_number": "103/2569",
    "order_date": "2026-10-05",
    "valid_from": "2026-10-05",
    "valid_to": "2027-09-30",
    "order_files": ["<pdf:order>"],
    "appointees": [
        {"user": "publisher1", "role": "publisher", "duty": "เผยแพร่ข้อมูลผ่านเว็บไซต์"},
        {"user": "pr1", "role": "pr_officer", "group": "admin", "duty": "ประชาสัมพันธ์และเผยแพร่ภาพกิจกรรม"},
    ],
}
BRIEFED: Data = {"briefing_date": "2026-10-20", "attendees_count": 45, "materials": ["<pdf:slides>"]}
TOPICS: Data = {
    "topics": [
        {
            "topic": "แผนปฏิบัติการประจำปี",
            "category": "1.5",
            "responsible_group": "plan",
            "ita_item": "O10",
            "frequency": "yearly",
        },
        {"topic": "ผลการจัดซื้อจัดจ้าง", "responsible_group": "admin", "frequency": "monthly"},
    ]
}


def programme(starter: str, director: str, publisher: str) -> Data:
    announced = Item(ANNOUNCEMENT["title"], "1.1", files="announcement_files")
    return {
        "process": "publication_programme",
        "starter": starter,
        "steps": [
            Step("Task_AnnounceMeasures", director, "announce_measures_form", ANNOUNCEMENT),
            Step("Task_AppointResponsible", director, "appoint_responsible_form", APPOINTED),
            Step("Task_BriefStaff", publisher, "brief_staff_form", BRIEFED),
            Step("Task_DefineTopics", publisher, "define_topics_form", TOPICS),
        ],
        "expect": Expect("completed", "completed", announced),  # the announcement is on the portal
    }


LEGAL_OK_GENERAL = review(LEGAL, "legal1", form="legal_opinion_form")

# -- the paths ------------------------------------------------------------------------------------------

GENERAL_OK = [review(GD, "gdir_plan"), review(DIR, "director1"), CHECKED]
MEMO_AFTER_LEGAL = [GD_OK, CERTIFIED, DEPUTY_ALLOW, DIR_OK, PUBLISHED_BY_PR]

SCENARIOS = [
    Scenario("general_publication-approve", **general("owner1", *GENERAL_OK, end=general_published())),
    Scenario(
        "general_publication-hr-group-approve",
        **general(
            "owner2", review(GD, "gdir_hr"), review(DIR, "director1"), CHECKED, end=general_published()
        ),
    ),
    Scenario(
        "general_publication-revise3-then-approve",
        **general(
            "owner1", *three(gdir_sends_back), *GENERAL_OK, end=general_published(general_v(3)["title"])
        ),
    ),
    Scenario(
        "general_publication-director-revise-then-approve",
        **general(
            "owner1",
            review(GD, "gdir_plan"),
            review(DIR, "director1", "revise", "ระบุปีงบประมาณในชื่อเรื่อง"),
            revise("Task_ReviseForDirector", "owner1", "general_request_form", general_v(1)),
            review(GD, "gdir_plan"),  # the revised request goes back through the group director
            review(DIR, "director1"),
            CHECKED,
            end=general_published(general_v(1)["title"]),
        ),
    ),
    Scenario(
        "general_publication-personal-data-legal-opinion-then-approve",
        **general_with(
            "owner1",
            {**GENERAL, **PERSONAL},
            review(LEGAL, "legal1", "recommend_deny", "มีเลขประจำตัวประชาชน ควรปิดบังก่อน", LEGAL_FORM),
            *GENERAL_OK,  # the legal officer gives an opinion; the directors decide
            end=general_published(),
        ),
    ),
    Scenario(
        "general_publication-legal-revise-publisher-revise-then-approve",
        **general_with(
            "owner1",
            {**GENERAL, **PERSONAL},
            review(LEGAL, "legal1", "revise", "ปิดบังเลขประจำตัวประชาชนก่อน", LEGAL_FORM),
            revise(
                "Task_ReviseForLegalOfficer", "owner1", "general_request_form", {**general_v(1), **PERSONAL}
            ),
            LEGAL_OK_GENERAL,
            review(GD, "gdir_plan"),
            review(DIR, "director1"),
            *publisher_sends_back(
                "Task_CheckAndPublish",
                "Task_ReviseForPublisher",
                "general_request_form",
                {**general_v(2), "personal_data": False},
            ),
            # the fix drops the personal data: back through the group director and the director only
            *GENERAL_OK,
            end=general_published(general_v(2)["title"]),
        ),
    ),
    Scenario(
        "general_publication-group-director-reject",
        **general("owner1", review(GD, "gdir_plan", "reject", "เป็นข้อมูลส่วนบุคคล เผยแพร่ไม่ได้"), end=REJECTED),
    ),
    Scenario(
        "general_publication-director-reject",
        **general(
            "owner1",
            review(GD, "gdir_plan"),
            review(DIR, "director1", "reject", "ยังไม่ถึงกำหนดเผยแพร่"),
            end=REJECTED,
        ),
    ),
    Scenario("memo_publication-approve", **memo(LEGAL_OK, *MEMO_AFTER_LEGAL, end=memo_published())),
    Scenario(
        "memo_publication-legal-officer-revise3-then-approve",
        **memo(
            *three(sends_back(LEGAL)), LEGAL_OK, *MEMO_AFTER_LEGAL, end=memo_published(memo_v(3)["topic"])
        ),
    ),
    Scenario(
        "memo_publication-group-director-revise-then-approve",
        **memo(
            LEGAL_OK, *sends_back(GD)(1), LEGAL_OK, *MEMO_AFTER_LEGAL, end=memo_published(memo_v(1)["topic"])
        ),
    ),
    Scenario(
        "memo_publication-publisher-certify-revise-then-approve",
        **memo(
            LEGAL_OK,
            GD_OK,
            *sends_back(CERTIFY)(1),
            LEGAL_OK,  # the revised memo goes back through everyone who endorsed it
            GD_OK,
            CERTIFIED,
            DEPUTY_ALLOW,
            DIR_OK,
            PUBLISHED_BY_PR,
            end=memo_published(memo_v(1)["topic"]),
        ),
    ),
    Scenario(
        "memo_publication-director-revise-then-approve",
        **memo(
            LEGAL_OK,
            GD_OK,
            CERTIFIED,
            DEPUTY_ALLOW,
            *sends_back(DIR)(1),
            LEGAL_OK,
            *MEMO_AFTER_LEGAL,
            end=memo_published(memo_v(1)["topic"]),
        ),
    ),
    Scenario(
        "memo_publication-deputy-recommend-deny-then-director-approve",
        **memo(
            LEGAL_OK,
            GD_OK,
            CERTIFIED,
            DEPUTY_DENY,
            Step(DIR, "director1", "director_permission_form", {"decision": "approve"}, shows=SHOWS_DEPUTY),
            PUBLISHED_BY_PR,
            end=memo_published(),
        ),
    ),
    Scenario(
        "memo_publication-deputy-recommend-deny-then-director-reject",
        **memo(
            LEGAL_OK,
            GD_OK,
            CERTIFIED,
            DEPUTY_DENY,
            Step(
                DIR,
                "director1",
                "director_permission_form",
                {"decision": "reject", "comment": "ไม่อนุญาต ตามความเห็นรอง ผอ.สพป."},
                shows=SHOWS_DEPUTY,
            ),
            end=REJECTED,
        ),
    ),
    Scenario(
        "memo_publication-legal-officer-recommends-deny-director-rejects",
        **memo(
            review(LEGAL, "legal1", "recommend_deny", "ขัดต่อ พ.ร.บ.ข้อมูลข่าวสารของราชการ มาตรา 15", LEGAL_FORM),
            GD_OK,
            CERTIFIED,
            DEPUTY_DENY,
            review(DIR, "director1", "reject", "ไม่อนุญาต ตามความเห็นนิติกร", "director_permission_form"),
            end=REJECTED,
        ),
    ),
    Scenario(
        "memo_publication-group-director-reject",
        **memo(LEGAL_OK, review(GD, "gdir_plan", "reject", "ไม่ใช่ภารกิจของกลุ่ม"), end=REJECTED),
    ),
    Scenario("photo_publication-approve", **photo()),
    Scenario("photo_publication-pdpa-revise3-then-approve", **photo(*three(pdpa_sends_back))),
    Scenario("regulatory_publication-continue", **regulatory()),
    Scenario("regulatory_publication-revise3-then-continue", **regulatory(*three(supervisor_sends_back))),
    Scenario(
        "regulatory_publication-legal-revise-publisher-revise-then-continue",
        **regulatory(
            review("Task_LegalOpinion", "legal1", "revise", "ตัดชื่อผู้เสนอราคาที่เป็นบุคคลธรรมดา", LEGAL_FORM),
            revise("Task_ReviseForLegalOfficer", "owner1", "compile_data_form", {**COMPILED, **PERSONAL}),
            review("Task_LegalOpinion", "legal1", form=LEGAL_FORM),
            review("Task_SupervisorReview", "gdir_plan", form="supervisor_review_form"),
            *publisher_sends_back(
                "Task_PreparePublication",
                "Task_ReviseForPublisher",
                "compile_data_form",
                {**COMPILED, **PERSONAL},
            ),
            review("Task_LegalOpinion", "legal1", form=LEGAL_FORM),  # the fix goes back through everyone
            compiled={**COMPILED, **PERSONAL},
        ),
    ),
    Scenario("semiannual_report-by-publisher-published", **semiannual("publisher1", "pr1", True)),
    Scenario("semiannual_report-by-publisher-not-published", **semiannual("pr1", "publisher1", False)),
    Scenario("semiannual_report-by-group-director-published", **semiannual("gdir_hr", "publisher1", True)),
    Scenario("semiannual_report-by-director-published", **semiannual("director1", "publisher1", True)),
    Scenario("publication_programme-by-publisher", **programme("publisher1", "director1", "pr1")),
    Scenario("publication_programme-by-director", **programme("director1", "director1", "publisher1")),
]


def to_pdpa_check(ctx: Any, clock: Any, actor: Any, name: str) -> int:
    """A photo album planned, shot and captioned through the real services, waiting at the PDPA check
    (pr1's step); returns the request's id. For pages that open that step."""
    steps = [
        Step("Task_PlanPhotography", "owner1", "photo_plan_form", PLAN),
        Step("Task_ShootAndSelect", "pr1", "photo_select_form", {"photos": SHOT}),
        captions(),
    ]
    iid, _ = walk(
        ctx, clock, actor, Scenario(name, "photo_publication", "owner1", steps, Expect("running", ""))
    )
    return iid
