"""OpenAPI that says which fields may be null: pydantic v1 (Rasa 3.6 pins it) leaves `X | None` as plain X.

`document_nulls(app)` rewrites each such property of a request or response model as anyOf [X, null], so
clients and the schemathesis run (`make fuzz`, response_schema_conformance) read the real shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import GenericAlias
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel


def _models(model: Any, seen: set[type]) -> Iterator[type[BaseModel]]:
    # isinstance(list[int], type) holds on Python 3.10, so GenericAlias is ruled out first.
    if isinstance(model, GenericAlias) or not isinstance(model, type) or not issubclass(model, BaseModel):
        return
    if model in seen:
        return
    seen.add(model)
    yield model
    for field in model.__fields__.values():
        yield from _models(field.type_, seen)


def document_nulls(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.get("components", {}).get("schemas", {})
        seen: set[type] = set()
        for route in app.routes:
            if not isinstance(route, APIRoute):
                continue
            roots = [route.response_model, *(p.type_ for p in route.dependant.body_params)]
            for model in (m for root in roots for m in _models(root, seen)):
                properties = components.get(model.__name__, {}).get("properties", {})
                for field in model.__fields__.values():
                    prop = properties.get(field.alias)
                    if field.allow_none and prop is not None and "anyOf" not in prop:
                        title = prop.pop("title", None)
                        properties[field.alias] = {"anyOf": [prop, {"type": "null"}], "title": title}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
