"""A tiny evaluator for the validation conditions of terraform/variables.tf, so tests can ask "would
`terraform plan` accept this value?" on machines without a terraform binary.

It understands the subset the validations use: numbers, strings, lists, true/false/null,
`var.<name>` and attributes of it (`var.reports`, `r.scope.tag.key`), `x[index]`, `! -`, `* / %`,
`+ -`, comparisons, `== !=`, `&& ||`, `cond ? a : b`, list for-expressions (`[for k, v in x : e if c]`)
and the functions floor(), contains(), length(), keys(), values(), alltrue(), anytrue(), flatten(),
distinct(), toset(), lower(), tostring(), join(), format() (the verbs %s, %d and %q), regex(), regexall(),
can() and try(). Anything else raises Unsupported, so a
condition written beyond this subset fails the test loudly instead of being judged wrongly. It follows
Terraform (1.11) where that matters: `&&` and `||` evaluate both sides (so `var.x == null || var.x > 0`
is an error for null, as Terraform reports it), only the chosen branch of `?:` is evaluated, comparing
or adding null is an error, and so is an attribute of null. Numbers are Decimals, as Terraform's are
arbitrary-precision. A for-expression over a map visits its keys in lexical order, as Terraform does.
Regular expressions are RE2's: `$` is the end of the text, `\\s` is [\\t\\n\\f\\r ], `\\x{HHHH}` a code
point (translated for Python's `re`).

The values must already be what Terraform's type conversion makes of the input (every attribute of an
object type present, null where unset; strings NFC-normalised): tests/infra/test_reports_variable.py
converts a declaration the way Terraform does before asking.

The parser used by tests/infra renders null, true and false as None, True and False, strings in a
list with single quotes, and an expression inside a list as the string "${expression}"; all are accepted.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
      | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
      | (?P<attribute>\.[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>&&|\|\||==|!=|<=|>=|=>|[-+*/%<>!?:(),\[\]{}=])
    )""",
    re.VERBOSE,
)

# Binary operators, loosest first (HCL's precedence: ||, &&, equality, comparison, + -, * / %).
_LEVELS: tuple[tuple[str, ...], ...] = (
    ("||",),
    ("&&",),
    ("==", "!="),
    ("<", "<=", ">", ">="),
    ("+", "-"),
    ("*", "/", "%"),
)
_LITERALS = {"null": None, "None": None, "true": True, "True": True, "false": False, "False": False}

Environment = dict[str, Any]
Thunk = Callable[[Environment], Any]


class Unsupported(ValueError):
    """The condition uses syntax or a function this evaluator does not know."""


class EvaluationError(ValueError):
    """Terraform would report an error evaluating the condition (null operand, wrong type)."""


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise EvaluationError(f"a number is required, got {value!r}")
    return Decimal(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise EvaluationError(f"a bool is required, got {value!r}")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise EvaluationError(f"a string is required, got {value!r}")
    return value


def _collection(value: Any) -> list | dict:
    if not isinstance(value, (list, dict)):
        raise EvaluationError(f"a list or map is required, got {value!r}")
    return value


def _map(value: Any) -> dict:
    if not isinstance(value, dict):
        raise EvaluationError(f"a map is required, got {value!r}")
    return value


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, (int, Decimal)) and not isinstance(left, bool) and isinstance(right, (int, Decimal)):
        return Decimal(left) == Decimal(right)
    return left == right


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "||": lambda a, b: _boolean(a) | _boolean(b),  # both sides evaluated, as Terraform does
    "&&": lambda a, b: _boolean(a) & _boolean(b),
    "==": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": lambda a, b: _number(a) < _number(b),
    "<=": lambda a, b: _number(a) <= _number(b),
    ">": lambda a, b: _number(a) > _number(b),
    ">=": lambda a, b: _number(a) >= _number(b),
    "+": lambda a, b: _number(a) + _number(b),
    "-": lambda a, b: _number(a) - _number(b),
    "*": lambda a, b: _number(a) * _number(b),
    "/": lambda a, b: _number(a) / _number(b),
    "%": lambda a, b: _number(a) % _number(b),
}

# RE2's Perl classes are ASCII-only; Python's are Unicode. \pN and friends are not translated.
_RE2_CLASSES = {"s": r"\t\n\f\r ", "d": "0-9", "w": "0-9A-Za-z_"}


def python_regex(pattern: str) -> str:
    """An RE2 pattern (as Terraform's regex() reads it) written for Python's `re`, same meaning."""
    out, position, in_class = [], 0, False
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            escaped = pattern[position + 1]
            position += 2
            if escaped == "x" and pattern[position : position + 1] == "{":
                end = pattern.index("}", position)
                out.append(f"\\U{int(pattern[position + 1 : end], 16):08x}")
                position = end + 1
            elif escaped in _RE2_CLASSES:
                out.append(_RE2_CLASSES[escaped] if in_class else f"[{_RE2_CLASSES[escaped]}]")
            elif escaped in ("S", "D", "W"):
                if in_class:
                    raise Unsupported(f"\\{escaped} inside a character class: {pattern!r}")
                out.append(f"[^{_RE2_CLASSES[escaped.lower()]}]")
            elif escaped in "pPQEzACbB":
                raise Unsupported(f"\\{escaped} in {pattern!r} is not translated")
            else:
                out.append("\\" + escaped)
            continue
        if in_class:
            if char == "]" and out[-1] not in ("[", "[^"):
                in_class = False
            elif char == "[" and pattern[position + 1 : position + 2] == ":":
                raise Unsupported(f"[:class:] in {pattern!r} is not translated")
            out.append(char)
        elif char == "[":
            in_class = True
            if pattern[position + 1 : position + 2] == "^":
                out.append("[^")
                position += 2
                continue
            out.append("[")
        elif char == "$":
            out.append(r"\Z")  # RE2's $ without (?m) is the end of the text; Python's also matches before a final \n
        else:
            out.append(char)
        position += 1
    return "".join(out)


def _regex(pattern: Any, text: Any) -> Any:
    match = re.search(python_regex(_string(pattern)), _string(text))
    if match is None:
        raise EvaluationError(f"regex {pattern!r} does not match {text!r}")  # Terraform's regex() fails
    return match[0] if not match.groups() else list(match.groups())


def _regexall(pattern: Any, text: Any) -> list:
    return [m[0] for m in re.finditer(python_regex(_string(pattern)), _string(text))]


def _distinct(items: Any) -> list:
    result: list = []
    for item in _collection(items):
        if not any(_equal(item, seen) for seen in result):
            result.append(item)
    return result


def _flatten(items: Any) -> list:
    result: list = []
    for item in _collection(items):
        result.extend(_flatten(item) if isinstance(item, list) else [item])
    return result


def _length(value: Any) -> Decimal:
    # Terraform counts a string's grapheme clusters; the validations measure text with regex() instead.
    if isinstance(value, str):
        raise Unsupported("length() of a string counts grapheme clusters in Terraform; not evaluated here")
    return Decimal(len(_collection(value)))


def _tostring(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    text = format(_number(value).normalize(), "f")  # Terraform writes 2.50 as "2.5" and 1e3 as "1000"
    return text if text != "-0" else "0"


def _format(spec: Any, *values: Any) -> str:
    """format() with the verbs the configuration uses: %s (a string or number as tostring() writes it),
    %d (a whole number) and %q (a string as a JSON string, in double quotes)."""
    remaining = list(values)

    def verb(match: re.Match) -> str:
        if match[0] == "%%":
            return "%"
        if not remaining:
            raise EvaluationError(f"format({spec!r}): not enough arguments")
        value = remaining.pop(0)
        if match[0] == "%d":
            number = _number(value)
            if number != int(number):
                raise EvaluationError(f"format(): %d of {value!r}")
            return str(int(number))
        text = _tostring(value)
        if text is None:
            raise EvaluationError("format(): a null argument")
        return json.dumps(text, ensure_ascii=False) if match[0] == "%q" else text

    result = re.sub(
        r"%[%sdq]|%.", lambda m: verb(m) if m[0] in ("%%", "%s", "%d", "%q") else _unsupported(m[0]), _string(spec)
    )
    if remaining:
        raise EvaluationError(f"format({spec!r}): too many arguments")
    return result


def _unsupported(verb: str) -> str:
    raise Unsupported(f"format() verb {verb} is not known to this evaluator")


def _join(separator: Any, items: Any) -> str:
    return _string(separator).join(_string(item) for item in _collection(items))


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "floor": lambda x: Decimal(math.floor(_number(x))),
    "contains": lambda items, x: any(_equal(item, x) for item in _collection(items)),
    "length": _length,
    "keys": lambda m: sorted(_map(m)),
    "values": lambda m: [m[key] for key in sorted(_map(m))],
    "alltrue": lambda items: all([_boolean(item) for item in _collection(items)]),
    "anytrue": lambda items: any([_boolean(item) for item in _collection(items)]),
    "flatten": _flatten,
    "distinct": _distinct,
    "lower": lambda s: _string(s).lower(),
    "regex": _regex,
    "regexall": _regexall,
    "tostring": _tostring,
    "format": _format,
    "join": _join,
    "toset": lambda items: sorted(_distinct(items), key=repr),  # a set: no order, no repeats
}


def _attribute(value: Any, name: str) -> Any:
    if value is None:
        raise EvaluationError(f"attempt to get attribute {name!r} from a null value")
    if not isinstance(value, dict) or name not in value:
        raise Unsupported(f"no attribute {name!r} in {value!r}: convert the value to its type first")
    return value[name]


def _index(value: Any, key: Any) -> Any:
    if value is None:
        raise EvaluationError("attempt to index a null value")
    if isinstance(value, list):
        position = _number(key)
        if position != int(position) or not 0 <= position < len(value):
            raise EvaluationError(f"index {key} out of range")
        return value[int(position)]
    if isinstance(value, dict) and _string(key) in value:
        return value[key]
    raise EvaluationError(f"no element {key!r} in {value!r}")


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise Unsupported(f"cannot read {text[position:]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match[kind]))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return tokens


class _Parser:
    """Recursive descent over the tokens; each parse_* returns a thunk of the environment (the loop
    variables in scope), so ?: evaluates one branch and a for-expression its body once per element."""

    def __init__(self, text: str, variables: dict[str, Any], local_values: dict[str, Any] | None = None) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.variables = variables
        self.local_values = local_values or {}  # local.<name>: as the HCL parser renders it, evaluated on use
        self.names: list[str] = []  # loop variables in scope while parsing

    def peek(self, ahead: int = 0) -> str | None:
        index = self.position + ahead
        return self.tokens[index][1] if index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise Unsupported("unexpected end of condition")
        token = self.tokens[self.position]
        if expected is not None and token[1] != expected:
            raise Unsupported(f"expected {expected!r}, got {token[1]!r}")
        self.position += 1
        return token

    def parse(self) -> Thunk:
        expression = self.conditional()
        if self.position != len(self.tokens):
            raise Unsupported(f"unexpected {self.peek()!r}")
        return expression

    def conditional(self) -> Thunk:
        condition = self.binary(0)
        if self.peek() != "?":
            return condition
        self.take("?")
        when_true = self.conditional()
        self.take(":")
        when_false = self.conditional()
        return lambda env: when_true(env) if _boolean(condition(env)) else when_false(env)

    def binary(self, level: int) -> Thunk:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in _LEVELS[level]:
            operator = self.take()[1]
            right = self.binary(level + 1)
            left = (lambda op, a, b: lambda env: _BINARY[op](a(env), b(env)))(operator, left, right)
        return left

    def unary(self) -> Thunk:
        if self.peek() == "!":
            self.take()
            operand = self.unary()
            return lambda env: not _boolean(operand(env))
        if self.peek() == "-":
            self.take()
            operand = self.unary()
            return lambda env: -_number(operand(env))
        return self.postfix(self.primary())

    def postfix(self, expression: Thunk) -> Thunk:
        """x[key] and x[key].attribute, any number of times."""
        while self.peek() == "[" or (self.peek() or "").startswith("."):
            if self.peek() == "[":
                self.take("[")
                key = self.conditional()
                self.take("]")
                expression = (lambda e, k: lambda env: _index(e(env), k(env)))(expression, key)
                continue
            name = self.take()[1][1:]
            expression = (lambda e, n: lambda env: _attribute(e(env), n))(expression, name)
        return expression

    def arguments(self) -> list[Thunk]:
        self.take("(")
        arguments = []
        while self.peek() != ")":
            arguments.append(self.conditional())
            if self.peek() == ",":
                self.take(",")
        self.take(")")
        return arguments

    def for_expression(self) -> Thunk:
        self.take("for")
        names = [self.take()[1]]
        if self.peek() == ",":
            self.take(",")
            names.append(self.take()[1])
        self.take("in")
        collection = self.conditional()
        self.take(":")
        self.names.extend(names)
        body = self.conditional()
        keep: Thunk | None = None
        if self.peek() == "if":
            self.take("if")
            keep = self.conditional()
        del self.names[-len(names) :]
        self.take("]")

        def evaluate(env: Environment) -> list:
            items = _collection(collection(env))
            pairs = [(key, items[key]) for key in sorted(items)] if isinstance(items, dict) else list(enumerate(items))
            result = []
            for key, value in pairs:
                inner = {**env, **dict(zip(names, (key, value) if len(names) == 2 else (value,), strict=True))}
                if keep is None or _boolean(keep(inner)):
                    result.append(body(inner))
            return result

        return evaluate

    def object_literal(self) -> Thunk:
        """{key: value, ...} as the parser renders an object ({'name': '${report.name}'}), or key = value."""
        pairs = []
        while self.peek() != "}":
            kind, key = self.take()
            if kind == "string":
                key = key[1:-1]
            elif kind != "name":
                raise Unsupported(f"object key {key!r}")
            if self.peek() not in (":", "="):
                raise Unsupported(f"expected : or = after {key!r}")
            self.take()
            pairs.append((key, self.conditional()))
            if self.peek() == ",":
                self.take(",")
        self.take("}")
        return lambda env: {key: value(env) for key, value in pairs}

    def object_for(self) -> Thunk:
        """{for k, v in x : key => value if c}: a map (a repeated key is an error, as in Terraform)."""
        self.take("for")
        names = [self.take()[1]]
        if self.peek() == ",":
            self.take(",")
            names.append(self.take()[1])
        self.take("in")
        collection = self.conditional()
        self.take(":")
        self.names.extend(names)
        key_of = self.conditional()
        self.take("=>")
        value_of = self.conditional()
        keep: Thunk | None = None
        if self.peek() == "if":
            self.take("if")
            keep = self.conditional()
        del self.names[-len(names) :]
        self.take("}")

        def evaluate(env: Environment) -> dict:
            items = _collection(collection(env))
            pairs = [(key, items[key]) for key in sorted(items)] if isinstance(items, dict) else list(enumerate(items))
            result: dict = {}
            for key, value in pairs:
                inner = {**env, **dict(zip(names, (key, value) if len(names) == 2 else (value,), strict=True))}
                if keep is None or _boolean(keep(inner)):
                    new_key = _string(key_of(inner))
                    if new_key in result:
                        raise EvaluationError(f"duplicate key {new_key!r} in a for expression")
                    result[new_key] = value_of(inner)
            return result

        return evaluate

    def name(self, text: str) -> Thunk:
        first, *path = text.split(".")
        if first == "var":
            if not path or path[0] not in self.variables:
                raise Unsupported(f"{text} has no value here")
            variable, *path = path

            def root(env: Environment) -> Any:
                return self.variables[variable]
        elif first == "local":
            if not path or path[0] not in self.local_values:
                raise Unsupported(f"{text} has no value here")
            local, *path = path

            def root(env: Environment) -> Any:
                return evaluate_value(self.local_values[local], self.variables, self.local_values)
        elif first in self.names:

            def root(env: Environment) -> Any:
                return env[first]
        else:
            raise Unsupported(f"unexpected {text!r}")

        def evaluate(env: Environment) -> Any:
            value = root(env)
            for attribute in path:
                value = _attribute(value, attribute)
            return value

        return evaluate

    def primary(self) -> Thunk:
        kind, text = self.take()
        if kind == "number":
            number = Decimal(text)
            return lambda env: number
        if kind == "string":
            value = text[1:-1].encode().decode("unicode_escape")
            if value.startswith("${") and value.endswith("}"):  # an expression in a list, as the parser renders it
                return _Parser._nested(value, self)
            return lambda env: value
        if text == "(":
            inner = self.conditional()
            self.take(")")
            return inner
        if text == "{":
            return self.object_for() if self.peek() == "for" else self.object_literal()
        if text == "[":
            if self.peek() == "for":
                return self.for_expression()
            items = []
            while self.peek() != "]":
                items.append(self.conditional())
                if self.peek() == ",":
                    self.take(",")
            self.take("]")
            return lambda env: [item(env) for item in items]
        if kind == "name" and text in _LITERALS:
            literal = _LITERALS[text]
            return lambda env: literal
        if kind == "name" and self.peek() == "(":
            if text == "can":  # evaluates its argument itself: an error is false, not a failed plan
                (argument,) = self.arguments()
                return lambda env: _can(argument, env)
            if text == "try":  # the first argument that evaluates without an error
                attempts = self.arguments()
                return lambda env: _try(attempts, env)
            if text not in _FUNCTIONS:
                raise Unsupported(f"function {text}() is not known to this evaluator")
            arguments = self.arguments()
            function = _FUNCTIONS[text]
            return lambda env: function(*(argument(env) for argument in arguments))
        if kind == "name":
            return self.name(text)
        raise Unsupported(f"unexpected {text!r}")

    @staticmethod
    def _nested(text: str, outer: _Parser) -> Thunk:
        inner = _Parser(text, outer.variables, outer.local_values)
        inner.names = list(outer.names)
        return inner.parse()


def _try(attempts: list[Thunk], env: Environment) -> Any:
    for attempt in attempts:
        try:
            return attempt(env)
        except EvaluationError:
            continue
    raise EvaluationError("no argument of try() could be evaluated")


def _can(argument: Thunk, env: Environment) -> bool:
    try:
        argument(env)
    except EvaluationError:
        return False
    return True


def evaluate(condition: str, variables: dict[str, Any], local_values: dict[str, Any] | None = None) -> Any:
    """The value of a condition ("${...}" or bare) with var.<name> bound from `variables` (and
    local.<name> from `local_values`, as the parser renders the locals). Raises EvaluationError where
    Terraform would fail to evaluate it."""
    return _Parser(condition, variables, local_values).parse()({})


def evaluate_value(node: Any, variables: dict[str, Any], local_values: dict[str, Any] | None = None) -> Any:
    """A value as the parser renders it (a local's map, say): each "${expression}" evaluated, the rest
    as written. A string with text around an interpolation is a template, not evaluated here."""
    if isinstance(node, dict):
        return {key: evaluate_value(value, variables, local_values) for key, value in node.items()}
    if isinstance(node, list):
        return [evaluate_value(item, variables, local_values) for item in node]
    if isinstance(node, str) and node.startswith("${") and node.endswith("}"):
        return evaluate(node, variables, local_values)
    if isinstance(node, str) and "${" in node:
        raise Unsupported(f"templates are not evaluated: {node!r}")
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return Decimal(str(node))
    return node
