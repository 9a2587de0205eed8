"""The OpenAPI 3.1 description of /api/v1, built from Python (`api_operations.OPERATIONS`) and the services'
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
from datetime import date, datetime
from functools import cache
from typing import Any

from .api_operations import ERRORS, OPERATIONS, REFERENCED, TEXT, Operation, obj, ref

# --- JSON Schema of the services' dataclasses ------------------------------------------------------------


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


def _response_schema(returns: Any) -> dict[str, Any] | None:
    if returns is None or isinstance(returns, dict):
        return returns
    if isinstance(returns, list):
        return {"type": "array", "items": _response_schema(returns[0])}
    return ref(returns)


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
    found = dict(REFERENCED)
    schemas: dict[str, Any] = {}
    while len(schemas) < len(found):  # dataclasses refer to more dataclasses
        for name, cls in list(found.items()):
            if name not in schemas:
                schemas[name] = schema_of(cls, found)
    # what web/errors.py writes of a FieldProblem: its field and its message in Thai (a page translates)
    schemas["FieldProblem"] = obj(["field", "message"], field=TEXT, message=TEXT)
    schemas["Error"] = obj(
        ["error"],
        error=obj(["code", "message", "details"], code=TEXT, message=TEXT, details={}),
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
