"""The OpenAPI 3.1 description of /api/v1, built from Python (`OPERATIONS` below) and the services'
own result dataclasses, served at GET /api/v1/openapi.json.

Response bodies are derived from the frozen values the services return (`schema_of`), so a field added
to `InstanceView` is described the day it is added. tests/web/test_openapi.py checks that the paths and
methods here, Flask's routes and docs/api.md's table are the same set.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from ..errors import FieldProblem
from ..jsontext import MAX_DEPTH, MAX_INTEGER
from ..services.catalogue import CategoryRow, FiscalYearRow, ItaItemRow
from ..services.files import FileInfo
from ..services.monitoring import ProcessStats
from ..services.published_items import ItemChange
from ..services.publishing import PublicItem
from ..services.steering import MigrationPreview
from ..services.views import DeployResult, InstanceView, ProcessSummary, TaskDetail, TaskSummary
from .jsonio import MAX_JSON_BYTES
from .queryargs import MAX_ID

# --- JSON Schema of the services' dataclasses ------------------------------------------------------------


_REFERENCED: dict[str, type] = {}  # every dataclass named in OPERATIONS, for components/schemas


def _ref(cls: type) -> dict[str, Any]:
    _REFERENCED[cls.__name__] = cls
    return {"$ref": f"#/components/schemas/{cls.__name__}"}


def _type_schema(hint: Any, found: dict[str, type]) -> dict[str, Any]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or hint is object:
        return {}
    if hint is type(None):
        return {"type": "null"}
    if origin in (typing.Union, types.UnionType):
        options = [_type_schema(a, found) for a in args]
        simple = [o["type"] for o in options if set(o) == {"type"} and isinstance(o["type"], str)]
        return {"type": simple} if len(simple) == len(options) else {"anyOf": options}
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        found[hint.__name__] = hint
        return {"$ref": f"#/components/schemas/{hint.__name__}"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is float:
        return {"type": "number"}
    if hint is str:
        return {"type": "string"}
    if hint is datetime:
        return {"type": "string", "format": "date-time"}
    if hint is date:
        return {"type": "string", "format": "date"}
    if origin is tuple and len(args) == 2 and args[1] is not Ellipsis:  # a pair, e.g. (id, name)
        return {"type": "array", "prefixItems": [_type_schema(a, found) for a in args], "items": False}
    if origin in (list, tuple, Sequence) or hint in (list, tuple):
        return {"type": "array", "items": _type_schema(args[0], found) if args else {}}
    if origin in (dict, Mapping) or hint is dict:
        return {"type": "object"}
    raise TypeError(f"no JSON Schema for {hint!r}")


def schema_of(cls: type, found: dict[str, type]) -> dict[str, Any]:
    """The JSON Schema of a dataclass as `jsonio.plain` writes it (dates as ISO text)."""
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    return {
        "type": "object",
        "properties": {f.name: _type_schema(hints[f.name], found) for f in fields},
        "required": [f.name for f in fields],
    }


# --- the operations -----------------------------------------------------------------------------------

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


def _obj(required: Sequence[str] = (), **props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(required)}


TEXT = {"type": "string"}
REASON = _obj(["reason"], reason={"type": "string", "maxLength": 2000})
DATA = _obj(data={"type": "object", "description": "form fields: {name: value}"})
INSTANCE_ID = Param("instance_id", ID)
TASK_ID = Param("task_id", ID)
ITEM_ID = Param("item_id", ID)
PROCESS_ID = Param("process_id", {"type": "string"})
FISCAL_YEAR = Param("fy", {"type": "integer", "minimum": 1, "maximum": 9999}, description="Buddhist era")
PAGING = (
    Param("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "query"),
    Param("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000}, "query"),
)
USER = _obj(
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
        _obj(["token", "user"], token=TEXT, user=USER),
        201,
        body=_obj(["username", "password"], username=TEXT, password=TEXT),
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
        _obj(
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
        _obj(["original"], original={"type": "boolean"}),
        params=(Param("code", {"type": "string", "maxLength": 16}),),
        multipart=_obj(["file"], file=FILE),
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
        multipart=_obj(["file"], file=FILE),
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
        body=_obj(["target", "reason"], target=TEXT, reason=TEXT),
    ),
    Operation(
        "post",
        "/instances/{instance_id}/migrate",
        "Admins: move a request to another version (dry_run: only say what would change)",
        {"anyOf": [_ref(MigrationPreview), _ref(InstanceView)]},
        params=(INSTANCE_ID,),
        body=_obj(["version"], version={"type": "integer"}, reason=TEXT, dry_run={"type": "boolean"}),
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
        _obj(["instance"], instance=_ref(InstanceView)),
        params=(TASK_ID,),
        body=DATA,
    ),
    Operation(
        "post",
        "/tasks/{task_id}/handover",
        "Give a task to a colleague eligible for it by its lane, with a reason",
        TaskSummary,
        params=(TASK_ID,),
        body=_obj(["to", "reason"], to={"type": "integer"}, reason={"type": "string", "maxLength": 2000}),
    ),
    Operation(
        "post",
        "/tasks/{task_id}/reassign",
        "Admins: give an open task to a user",
        InstanceView,
        params=(TASK_ID,),
        body=_obj(["user", "reason"], user=TEXT, reason=TEXT),
    ),
    Operation(
        "post",
        "/files",
        "Upload a file (images are stored without their metadata)",
        FileInfo,
        201,
        multipart=_obj(["file"], file=FILE),
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
        body=_obj(reason=TEXT),
    ),
    Operation("get", "/catalogue/categories", "The office's categories", [CategoryRow]),
    Operation(
        "put",
        "/catalogue/categories/{code}",
        "Admins and process owners: create (201) or replace a category",
        CategoryRow,
        also=(201,),
        params=(Param("code", TEXT),),
        body=_obj(
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
        {"allOf": [_ref(FiscalYearRow), _obj(["items"], items={"type": "array", "items": _ref(ItaItemRow)})]},
        params=(FISCAL_YEAR,),
    ),
    Operation(
        "post",
        "/catalogue/ita/{fy}/clone",
        "Admins and process owners: copy a year's list to another year",
        FiscalYearRow,
        201,
        params=(FISCAL_YEAR,),
        body=_obj(["to"], to={"type": "integer"}),
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


def _response_schema(returns: Any) -> dict[str, Any] | None:
    if returns is None or isinstance(returns, dict):
        return returns
    if isinstance(returns, list):
        return {"type": "array", "items": _response_schema(returns[0])}
    return _ref(returns)


def _operation(op: Operation) -> dict[str, Any]:
    content_schema = _response_schema(op.returns)
    success: dict[str, Any] = {"description": op.summary}
    if op.produces != "application/json":
        success["content"] = {op.produces: {"schema": {"type": "string", "format": "binary"}}}
    elif content_schema is not None:
        success["content"] = {"application/json": {"schema": content_schema}}
    responses: dict[str, Any] = {str(status): success for status in (op.status, *op.also)}
    for status in sorted({400, 404, 405, 422, *op.errors, *((401, 403, 409) if op.auth else ())}):
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    out: dict[str, Any] = {
        "operationId": op.method + "_" + re.sub(r"[^a-z0-9]+", "_", op.path.lower()).strip("_"),
        "summary": op.summary,
        "responses": responses,
    }
    if op.params:
        out["parameters"] = [
            {
                "name": p.name,
                "in": p.where,
                "required": p.where == "path",
                "schema": p.schema,
                **({"description": p.description} if p.description else {}),
            }
            for p in op.params
        ]
    if op.body is not None:
        out["requestBody"] = {"required": False, "content": {"application/json": {"schema": op.body}}}
    if op.multipart is not None:
        out["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": op.multipart}}}
    if not op.auth:
        out["security"] = []
    return out


@cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of /api/v1."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(f"/api/v1{op.path}", {})[op.method] = _operation(op)
    found = dict(_REFERENCED)
    schemas: dict[str, Any] = {}
    while len(schemas) < len(found):  # dataclasses refer to more dataclasses
        for name, cls in list(found.items()):
            if name not in schemas:
                schemas[name] = schema_of(cls, found)
    schemas["FieldProblem"] = schema_of(FieldProblem, found)
    schemas["Error"] = _obj(
        ["error"],
        error=_obj(["code", "message", "details"], code=TEXT, message=TEXT, details={}),
    )
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "bpmnpub API",
            "version": "1",
            "description": "Every action of bpmnpub as JSON (docs/api.md). Errors are always the Error body.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": dict(sorted(schemas.items())),
            "responses": {
                f"E{status}": {"description": text, "content": error_content}
                for status, text in ERRORS.items()
            },
        },
    }
