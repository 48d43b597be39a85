"""A JSON Schema check for the keywords docs/chat-webhook.schema.json uses, so the tests can validate the
generic webhook's JSON against the schema file itself (jsonschema is not a dependency of this project).

It knows the keywords of draft 2020-12 listed in VALIDATION and ANNOTATIONS and refuses any other, so a
schema that started using one it does not check fails loudly instead of passing everything.
"""

from __future__ import annotations

import re
from typing import Any

ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description", "examples"}
VALIDATION = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "minItems",
    "maxItems",
    "anyOf",
    "$ref",
}
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class SchemaError(AssertionError):
    pass


def errors(document: Any, schema: dict, root: dict | None = None, path: str = "$") -> list[str]:
    """Every way `document` breaks `schema`, as "path: reason" lines; [] when it is valid."""
    root = schema if root is None else root
    unknown = set(schema) - VALIDATION - ANNOTATIONS
    if unknown:
        raise SchemaError(f"{path}: the schema uses keywords this check does not know: {sorted(unknown)}")
    if "$ref" in schema:
        return errors(document, _resolve(root, schema["$ref"]), root, path)
    found = _scalar_errors(document, schema, path)
    if "anyOf" in schema and all(errors(document, option, root, path) for option in schema["anyOf"]):
        found.append(f"{path}: matches none of anyOf")
    if isinstance(document, dict):
        found += _object_errors(document, schema, root, path)
    if isinstance(document, list):
        found += _array_errors(document, schema, root, path)
    return found


def _resolve(root: dict, ref: str) -> dict:
    if not ref.startswith("#/"):
        raise SchemaError(f"only local references are checked, not {ref}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _scalar_errors(document: Any, schema: dict, path: str) -> list[str]:
    found = []
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else types
        if not any(_TYPES[name](document) for name in names):
            found.append(f"{path}: {document!r} is not of type {types}")
    if "enum" in schema and document not in schema["enum"]:
        found.append(f"{path}: {document!r} is not one of {schema['enum']}")
    if "const" in schema and document != schema["const"]:
        found.append(f"{path}: {document!r} is not {schema['const']!r}")
    if isinstance(document, str):
        if "pattern" in schema and not re.search(schema["pattern"], document):
            found.append(f"{path}: {document!r} does not match {schema['pattern']}")
        if len(document) < schema.get("minLength", 0) or len(document) > schema.get("maxLength", len(document)):
            found.append(f"{path}: {len(document)} characters is out of bounds")
    if _TYPES["number"](document) and document < schema.get("minimum", document):
        found.append(f"{path}: {document} is below {schema['minimum']}")
    return found


def _object_errors(document: dict, schema: dict, root: dict, path: str) -> list[str]:
    properties = schema.get("properties", {})
    found = [f"{path}: {key} is required" for key in schema.get("required", []) if key not in document]
    for key, value in document.items():
        if key in properties:
            found += errors(value, properties[key], root, f"{path}.{key}")
        elif schema.get("additionalProperties", True) is False:
            found.append(f"{path}: {key} is not allowed")
    return found


def _array_errors(document: list, schema: dict, root: dict, path: str) -> list[str]:
    found = []
    if len(document) < schema.get("minItems", 0) or len(document) > schema.get("maxItems", len(document)):
        found.append(f"{path}: {len(document)} items is out of bounds")
    if "items" in schema:
        for n, item in enumerate(document):
            found += errors(item, schema["items"], root, f"{path}[{n}]")
    return found
