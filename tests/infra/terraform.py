"""The Terraform configuration as data, for the static checks in tests/infra.

There is no terraform binary or provider download on these machines (or in CI), so the checks read the
HCL itself. It is parsed in .venv-infra with the parser checkov uses; tests/infra runs in .venv, so it
calls that environment as a subprocess. `make test` and `make check-infra` create .venv-infra first.

The parser wraps every attribute value in a one-element list and every block in a list of bodies;
`attr()` and `blocks()` take those apart. Expressions come back as "${...}" strings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
FUNCTIONS = ROOT / "functions"
STATE_MACHINE = ROOT / "state_machine" / "cost_notifier.asl.json"
NOTIFIER = ROOT / "state_machine" / "notify_failure.asl.json"
INFRA_VENV = Path(os.environ.get("INFRA_VENV", ROOT / ".venv-infra"))
HCL_TO_JSON = Path(__file__).with_name("hcl_to_json.py")

# "${aws_lambda_function.this["fetch_costs"].arn}" -> type, name, key, attribute.
_REFERENCE = re.compile(
    r'^\$\{(?P<type>(?:data\.)?[a-z0-9_]+)\.(?P<name>[a-z0-9_]+)(?:\["(?P<key>[a-z0-9_]+)"\]|\[each\.key\])?\.(?P<attr>[a-z_]+)\}$'
)


class InfraVenvMissing(RuntimeError):
    pass


def infra_bin(tool: str) -> Path:
    path = INFRA_VENV / "bin" / tool
    if not path.exists():
        raise InfraVenvMissing(
            f"{path} is missing. `make test` and `make check-infra` create {INFRA_VENV.name} from "
            "requirements-infra.txt (checkov and its HCL parser); run one of them."
        )
    return path


def parse_files(paths: list[Path]) -> dict[str, dict]:
    result = subprocess.run(
        [str(infra_bin("python")), str(HCL_TO_JSON), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"hcl_to_json.py failed:\n{result.stderr}")
    return json.loads(result.stdout)


def attr(body: dict, name: str, default: Any = None) -> Any:
    """An attribute's value ("resources = [...]" comes back as [[...]])."""
    values = body.get(name)
    if not values:
        return default
    return values[0]


def blocks(body: dict, name: str) -> list[dict]:
    """The bodies of the nested blocks called `name` ("statement {...}" comes back as [{...}])."""
    return list(body.get(name, []))


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Reference:
    type: str
    name: str
    key: str | None
    attr: str

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}" + (f'["{self.key}"]' if self.key else "")

    def with_attr(self, attr: str) -> Reference:
        return Reference(self.type, self.name, self.key, attr)

    def __str__(self) -> str:
        return f"{self.address}.{self.attr}"


def reference(expression: Any, each_key: str | None = None) -> Reference | None:
    """A plain reference to one resource attribute, or None for anything else."""
    if not isinstance(expression, str):
        return None
    match = _REFERENCE.match(expression)
    if not match:
        return None
    key = match["key"]
    if key is None and "[each.key]" in expression:
        key = each_key
    return Reference(match["type"], match["name"], key, match["attr"])


@dataclass
class Terraform:
    files: dict[str, dict]
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path = TERRAFORM) -> Terraform:
        parsed = parse_files(sorted(directory.glob("*.tf")))
        errors = {name: body["error"] for name, body in parsed.items() if "error" in body}
        return cls({name: body for name, body in parsed.items() if "error" not in body}, errors)

    def _collect(self, kind: str) -> list[tuple[str, dict]]:
        found = []
        for name, body in sorted(self.files.items()):
            for item in body.get(kind, []):
                found.append((name, item))
        return found

    @cached_property
    def resources(self) -> dict[str, dict[str, dict]]:
        """resources[type][name] = body."""
        result: dict[str, dict[str, dict]] = {}
        for _, item in self._collect("resource"):
            for type_, named in item.items():
                for name, body in named.items():
                    result.setdefault(type_, {})[name] = body
        return result

    @cached_property
    def data(self) -> dict[str, dict[str, dict]]:
        result: dict[str, dict[str, dict]] = {}
        for _, item in self._collect("data"):
            for type_, named in item.items():
                for name, body in named.items():
                    result.setdefault(type_, {})[name] = body
        return result

    @cached_property
    def variables(self) -> dict[str, dict]:
        return {name: body for _, item in self._collect("variable") for name, body in item.items()}

    @cached_property
    def outputs(self) -> dict[str, dict]:
        return {name: body for _, item in self._collect("output") for name, body in item.items()}

    @cached_property
    def locals(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for _, item in self._collect("locals"):
            for name, values in item.items():
                if not name.startswith("__"):
                    merged[name] = values[0] if isinstance(values, list) and values else values
        return merged

    def resource(self, ref: Reference) -> dict:
        """The body a reference names; for one instance of a for_each ("...["lambda"]"), that instance
        with each.key and each.value written in (see instances)."""
        table = self.data if ref.type.startswith("data.") else self.resources
        type_ = ref.type.removeprefix("data.")
        body = table[type_][ref.name]
        if ref.key is not None and attr(body, "for_each") is not None:
            found = self.instances(body)
            assert ref.key in found, f"{ref.address}: no such key in its for_each"
            return found[ref.key]
        return body

    def instances(self, body: dict) -> dict[str | None, dict]:
        """A for_each body as one body per key, when its for_each is a local map written in the
        configuration (or local.functions): `${each.key}`, `${each.value.x}`, `[each.key]` inside a
        reference, and dynamic blocks over `each.value.x`, `each.value.x[*]` or `local.y[each.key]` are
        written in (but where local.y[each.key] is an expression, not a list or map written out: that
        block is kept as it is). {None: body} when there is no for_each, or one these static checks cannot follow."""
        collection = self._resolve(attr(body, "for_each"), {}, collection=True)
        if not isinstance(collection, dict):
            return {None: body}
        return {
            key: self._substitute({k: v for k, v in body.items() if k != "for_each"}, {"each": (key, value)})
            for key, value in collection.items()
        }

    _UNRESOLVED = object()

    def _resolve(self, expression: Any, scope: dict[str, tuple[Any, Any]], collection: bool = False) -> Any:
        """The value of `${<it>.key}`, `${<it>.value[.a.b]}` and `${<it>.value.a[*]}`, and for a
        for_each (collection=True) also `${local.x}` and `${local.x[each.key]}`; or _UNRESOLVED."""
        if not isinstance(expression, str):
            return self._UNRESOLVED
        match = re.fullmatch(r"\$\{local\.(\w+)(\[each\.key\])?\}", expression)
        if collection and match and match[1] in self.locals:
            value = self.locals[match[1]]
            if match[2]:
                if "each" not in scope:
                    return self._UNRESOLVED
                value = value[scope["each"][0]]
            # An expression (a conditional list, say) is not followed: its dynamic block is kept, and
            # read as if it applied (tests/infra/test_iam_least_privilege.py counts its statement granted).
            return self._UNRESOLVED if isinstance(value, str) else value
        match = re.fullmatch(r"\$\{(\w+)\.(key|value)((?:\.\w+)*)(\[\*\])?\}", expression)
        if not match or match[1] not in scope:
            return self._UNRESOLVED
        key, value = scope[match[1]]
        if match[2] == "key":
            return key
        for name in match[3].split(".")[1:]:
            value = value[name]
        if match[4]:  # the splat of a single value: [] for null, [value] otherwise
            value = [] if value is None else value if isinstance(value, list) else [value]
        return value

    def _substitute(self, node: Any, scope: dict[str, tuple[Any, Any]]) -> Any:
        if isinstance(node, str):
            value = self._resolve(node, scope)
            if value is not self._UNRESOLVED:
                return value
            if "each" in scope:
                node = node.replace("[each.key]", f'["{scope["each"][0]}"]')
            return node
        if isinstance(node, list):
            return [self._substitute(item, scope) for item in node]
        if not isinstance(node, dict):
            return node
        result: dict[str, Any] = {}
        kept_dynamic = []
        for name, value in node.items():
            if name != "dynamic":
                value = self._substitute(value, scope)
                result[name] = result[name] + value if name in result else value  # after expanded blocks
                continue
            for dynamic in value:
                for block_name, block in dynamic.items():
                    collection = self._resolve(attr(block, "for_each"), scope, collection=True)
                    if collection is self._UNRESOLVED:
                        kept_dynamic.append({block_name: self._substitute(block, scope)})
                        continue
                    iterator = attr(block, "iterator", block_name)
                    items = collection.items() if isinstance(collection, dict) else enumerate(collection)
                    for key, item in items:
                        inner = {**scope, iterator: (key, item)}
                        for content in blocks(block, "content"):
                            result.setdefault(block_name, []).append(self._substitute(content, inner))
        if kept_dynamic:
            result["dynamic"] = kept_dynamic
        return result

    def local_map(self, expression: str) -> dict:
        """The map a "${local.name}" expression names."""
        match = re.fullmatch(r"\$\{local\.([a-z0-9_]+)\}", expression)
        assert match, f"expected a plain local reference, got {expression!r}"
        value = self.locals[match[1]]
        assert isinstance(value, dict), f"local.{match[1]} is not a map"
        return value


# can(regex("<pattern>", var.x)) or can(regex("<pattern>", <loop variable>)): the pattern, unescaped.
_CAN_REGEX = re.compile(r'can\(regex\("((?:[^"\\]|\\.)*)",\s*([a-z_.]+)\)\)')


def validation_regexes(terraform: Terraform, variable: str) -> list[str]:
    """Every regex the variable's validations apply, as Python sees it (HCL's \\\\ is one backslash)."""
    patterns = []
    for validation in blocks(terraform.variables[variable], "validation"):
        for raw, _ in _CAN_REGEX.findall(attr(validation, "condition")):
            patterns.append(raw.encode().decode("unicode_escape"))
    return patterns


def placeholder_names(text: str) -> set[str]:
    """The ${name} placeholders of a template file, as templatefile() sees them."""
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text))


def definition_file(body: dict) -> tuple[Path, str]:
    """The file and the variables map of a state machine's `definition = templatefile(...)`."""
    definition = attr(body, "definition")
    match = re.fullmatch(r'\$\{templatefile\("\$\{path\.module\}/([^"]+)",\s*local\.([a-z0-9_]+)\)\}', definition)
    assert match, f'definition must be templatefile("${{path.module}}/<file>", local.<map>), got {definition!r}'
    return (TERRAFORM / match[1]).resolve(), match[2]
