"""Every operation of /api/v1 as data: its method, path, summary, parameters, request body and the
services' result dataclass it returns (`OPERATIONS`; `ref` remembers each dataclass named), and the
errors every answer may be (`ERRORS`). `openapi.py` turns them into the OpenAPI document;
tests/web/test_openapi.py checks that these, Flask's routes and docs/api.md's table are the same set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..jsontext import MAX_DEPTH, MAX_INTEGER
from ..services.catalogue.categories import CategoryRow
from ..services.catalogue.ita_years import FiscalYearRow, ItaItemRow
from ..services.files.storage import FileInfo
from ..services.portal.published_items import ItemChange
from ..services.portal.publishing import PublicItem
from ..services.procedures.results import DeployResult, ProcessSummary
from ..services.requests.interventions import MigrationPreview
from ..services.requests.results import InstanceView, TaskDetail, TaskSummary
from ..services.requests.statistics import ProcessStats
from .jsonio import MAX_JSON_BYTES
from .queryargs import MAX_ID

REFERENCED: dict[str, type] = {}  # every dataclass named in OPERATIONS, for components/schemas


def ref(cls: type) -> dict[str, Any]:
    REFERENCED[cls.__name__] = cls
    return {"$ref": f"#/components/schemas/{cls.__name__}"}


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any]
    where: str = "path"
    description: str = ""


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    returns: Any = None  # a dataclass, [dataclass], or a JSON Schema dict
    status: int = 200
    also: tuple[int, ...] = ()  # other success statuses with the same body
    params: tuple[Param, ...] = ()
    body: dict[str, Any] | None = None  # JSON request body schema
    multipart: dict[str, Any] | None = None
    auth: bool = True
    produces: str = "application/json"
    errors: tuple[int, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)


def obj(required: Sequence[str] = (), **props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(required)}


TEXT = {"type": "string"}


REASON = obj(["reason"], reason={"type": "string", "maxLength": 2000})


DATA = obj(data={"type": "object", "description": "form fields: {name: value}"})


INSTANCE_ID = Param("instance_id", ID)


TASK_ID = Param("task_id", ID)


ITEM_ID = Param("item_id", ID)


PROCESS_ID = Param("process_id", {"type": "string"})


FISCAL_YEAR = Param("fy", {"type": "integer", "minimum": 1, "maximum": 9999}, description="Buddhist era")


PAGING = (
    Param("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "query"),
    Param("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000}, "query"),
)


USER = obj(
    ["id", "username", "full_name", "group", "roles"],
    id={"type": "integer"},
    username=TEXT,
    full_name=TEXT,
    group={"type": ["string", "null"]},
    roles={"type": "array", "items": TEXT},
)


FILE = {"type": "string", "contentMediaType": "application/octet-stream"}


def _steer(action: str, summary: str) -> Operation:
    return Operation(
        "post",
        f"/instances/{{instance_id}}/{action}",
        summary,
        InstanceView,
        params=(INSTANCE_ID,),
        body=REASON,
    )


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "post",
        "/session",
        "Sign in: a bearer token for the user",
        obj(["token", "user"], token=TEXT, user=USER),
        201,
        body=obj(["username", "password"], username=TEXT, password=TEXT),
        auth=False,
        errors=(401, 429),
    ),
    Operation(
        "delete",
        "/session",
        "Sign out: the bearer token presented is revoked (a browser session ends)",
        None,
        204,
    ),
    Operation("get", "/openapi.json", "This document", {"type": "object"}, auth=False),
    Operation(
        "get",
        "/worker",
        "Admins: whether the background worker is alive (ok, stale, missing)",
        obj(
            ["status", "workers"],
            status=TEXT,
            last_beat_at={"type": ["string", "null"]},
            workers={"type": "array"},
        ),
    ),
    *(
        Operation(
            "get",
            f"/instances/{{instance_id}}/report.{kind}",
            f"A six-monthly report request's report as {kind.upper()}",
            params=(INSTANCE_ID,),
            produces=mime,
        )
        for kind, mime in (
            ("pdf", "application/pdf"),
            ("csv", "text/csv"),
            ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    ),
    Operation(
        "get",
        "/public/verify/{code}",
        "An issued memo's facts: number, date, decisions, the PDF's sha256",
        {"type": "object"},
        params=(Param("code", {"type": "string", "maxLength": 16}),),
        auth=False,
    ),
    Operation(
        "post",
        "/public/verify/{code}",
        "Check a copy of an issued memo: same sha256 and a valid signature?",
        obj(["original"], original={"type": "boolean"}),
        params=(Param("code", {"type": "string", "maxLength": 16}),),
        multipart=obj(["file"], file=FILE),
        auth=False,
    ),
    Operation("get", "/processes", "Processes the caller may start", [ProcessSummary]),
    Operation(
        "post",
        "/processes",
        "Process owners: deploy a version from a .bpmn file (and extra form files <key>.json)",
        DeployResult,
        201,
        also=(200,),  # the same diagram and forms again: nothing new
        multipart=obj(["file"], file=FILE),
        errors=(413, 415),
    ),
    Operation(
        "post",
        "/processes/{process_id}/instances",
        "Start a request; data may pre-fill the requester's first form",
        InstanceView,
        201,
        params=(PROCESS_ID,),
        body=DATA,
    ),
    Operation(
        "get",
        "/processes/{process_id}/stats",
        "Admins and process owners: time spent per element of one version",
        ProcessStats,
        params=(
            PROCESS_ID,
            Param("version", {"type": "integer", "minimum": 0, "maximum": 1_000_000}, "query"),
            Param("from", {"type": "string", "format": "date"}, "query"),
            Param("to", {"type": "string", "format": "date"}, "query"),
        ),
    ),
    Operation(
        "get",
        "/instances/{instance_id}",
        "A request with its tasks and events",
        InstanceView,
        params=(INSTANCE_ID,),
    ),
    Operation(
        "get",
        "/instances/{instance_id}/memo.pdf",
        "The request's memo (บันทึกข้อความ) as PDF",
        params=(INSTANCE_ID, Param("digits", {"type": "string", "enum": ["thai", "arabic"]}, "query")),
        produces="application/pdf",
    ),
    Operation(
        "post",
        "/instances/{instance_id}/retry",
        "Admins: run a failed step again",
        InstanceView,
        params=(INSTANCE_ID,),
        body=REASON,
    ),
    _steer("suspend", "Admins: suspend a request"),
    _steer("resume", "Admins: resume a suspended request"),
    _steer("terminate", "Admins: end a request, cancelling its open tasks"),
    Operation(
        "post",
        "/instances/{instance_id}/rewind",
        "Admins: go back to an earlier step",
        InstanceView,
        params=(INSTANCE_ID,),
        body=obj(["target", "reason"], target=TEXT, reason=TEXT),
    ),
    Operation(
        "post",
        "/instances/{instance_id}/migrate",
        "Admins: move a request to another version (dry_run: only say what would change)",
        {"anyOf": [ref(MigrationPreview), ref(InstanceView)]},
        params=(INSTANCE_ID,),
        body=obj(["version"], version={"type": "integer"}, reason=TEXT, dry_run={"type": "boolean"}),
    ),
    Operation(
        "get",
        "/tasks",
        "Tasks the caller can act on now (or, view=others, their lanes' tasks someone else holds)",
        [TaskSummary],
        params=(
            *PAGING,
            Param(
                "q",
                {"type": "string", "maxLength": 200},
                "query",
                "title, requester's name or request number",
            ),
            Param("view", {"enum": ["mine", "unassigned", "others", "overdue"]}, "query"),
            Param("sort", {"enum": ["waiting", "created", "due"]}, "query"),
        ),
    ),
    Operation(
        "get",
        "/tasks/{task_id}",
        "A task: its form, the values it opens with, the request",
        TaskDetail,
        params=(TASK_ID,),
    ),
    Operation("post", "/tasks/{task_id}/claim", "Take a task", TaskSummary, params=(TASK_ID,)),
    Operation("post", "/tasks/{task_id}/release", "Give a task back", TaskSummary, params=(TASK_ID,)),
    Operation(
        "post",
        "/tasks/{task_id}/complete",
        "Submit the task's whole form",
        obj(["instance"], instance=ref(InstanceView)),
        params=(TASK_ID,),
        body=DATA,
    ),
    Operation(
        "post",
        "/tasks/{task_id}/handover",
        "Give a task to a colleague eligible for it by its lane, with a reason",
        TaskSummary,
        params=(TASK_ID,),
        body=obj(["to", "reason"], to={"type": "integer"}, reason={"type": "string", "maxLength": 2000}),
    ),
    Operation(
        "post",
        "/tasks/{task_id}/reassign",
        "Admins: give an open task to a user",
        InstanceView,
        params=(TASK_ID,),
        body=obj(["user", "reason"], user=TEXT, reason=TEXT),
    ),
    Operation(
        "post",
        "/files",
        "Upload a file (images are stored without their metadata)",
        FileInfo,
        201,
        multipart=obj(["file"], file=FILE),
        errors=(413, 415),
    ),
    Operation(
        "get",
        "/public/items",
        "Published items (no sign-in)",
        [PublicItem],
        params=(
            Param("category", TEXT, "query"),
            Param("fiscal_year", {"type": "integer", "minimum": 0, "maximum": 3000}, "query"),
            Param("q", TEXT, "query"),
            *PAGING,
        ),
        auth=False,
    ),
    Operation(
        "post",
        "/public/items/{item_id}/withdraw",
        "Publishers and admins: take an item off the portal",
        ItemChange,
        params=(ITEM_ID,),
        body=REASON,
    ),
    Operation(
        "post",
        "/public/items/{item_id}/republish",
        "Publishers and admins: put a withdrawn item back",
        ItemChange,
        params=(ITEM_ID,),
        body=obj(reason=TEXT),
    ),
    Operation("get", "/catalogue/categories", "The office's categories", [CategoryRow]),
    Operation(
        "put",
        "/catalogue/categories/{code}",
        "Admins and process owners: create (201) or replace a category",
        CategoryRow,
        also=(201,),
        params=(Param("code", TEXT),),
        body=obj(
            ["name"],
            name=TEXT,
            name_en=TEXT,
            description=TEXT,
            group=TEXT,
            sort_order={"type": "integer"},
            active={"type": "boolean"},
        ),
    ),
    Operation("get", "/catalogue/ita", "Fiscal years with an ITA/OIT list", [FiscalYearRow]),
    Operation(
        "get",
        "/catalogue/ita/{fy}",
        "One year's ITA/OIT list",
        {"allOf": [ref(FiscalYearRow), obj(["items"], items={"type": "array", "items": ref(ItaItemRow)})]},
        params=(FISCAL_YEAR,),
    ),
    Operation(
        "post",
        "/catalogue/ita/{fy}/clone",
        "Admins and process owners: copy a year's list to another year",
        FiscalYearRow,
        201,
        params=(FISCAL_YEAR,),
        body=obj(["to"], to={"type": "integer"}),
    ),
)


# Every answer may be one of these; each is the error body.
ERRORS = {
    400: f"Unreadable input: JSON nested more than {MAX_DEPTH} deep, a number beyond ±{MAX_INTEGER}, NaN",
    401: "Not signed in",
    403: "Not yours to do",
    404: "No such thing (or an id that cannot exist)",
    405: "Method not allowed",
    409: "Conflict: already done, held by someone else, not running",
    413: f"Too large (a JSON body over {MAX_JSON_BYTES} bytes, an upload over the limit or the quota)",
    415: "Not JSON, or a file type not accepted",
    422: "Validation failed: details lists {field, message}",
    429: "Too many sign-in attempts",
}
