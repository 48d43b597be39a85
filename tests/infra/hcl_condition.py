"""A tiny evaluator for the validation conditions of terraform/variables.tf, so tests can ask "would
`terraform plan` accept this value?" on machines without a terraform binary.

It understands the subset the setting validations use: numbers, strings, lists, true/false/null,
`var.<name>`, `! -`, `* / %`, `+ -`, comparisons, `== !=`, `&& ||`, `cond ? a : b`, and the functions
floor() and contains(). Anything else raises Unsupported, so a condition written beyond this subset
fails the test loudly instead of being judged wrongly. It follows Terraform (1.11) where that matters:
`&&` and `||` evaluate both sides (so `var.x == null || var.x > 0` is an error for null, as Terraform
reports it), only the chosen branch of `?:` is evaluated, and comparing or adding null is an error.
Numbers are Decimals, as Terraform's are arbitrary-precision.

The parser used by tests/infra renders null, true and false as None, True and False, and strings in a
list with single quotes; both spellings are accepted.
"""

from __future__ import annotations

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
      | (?P<op>&&|\|\||==|!=|<=|>=|[-+*/%<>!?:(),\[\]])
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

_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "floor": lambda x: Decimal(math.floor(_number(x))),
    "contains": lambda items, x: any(_equal(item, x) for item in items),
}


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
    """Recursive descent over the tokens; each parse_* returns a thunk, so ?: evaluates one branch."""

    def __init__(self, text: str, variables: dict[str, Any]) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.variables = variables

    def peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise Unsupported("unexpected end of condition")
        token = self.tokens[self.position]
        if expected is not None and token[1] != expected:
            raise Unsupported(f"expected {expected!r}, got {token[1]!r}")
        self.position += 1
        return token

    def parse(self) -> Callable[[], Any]:
        expression = self.conditional()
        if self.position != len(self.tokens):
            raise Unsupported(f"unexpected {self.peek()!r}")
        return expression

    def conditional(self) -> Callable[[], Any]:
        condition = self.binary(0)
        if self.peek() != "?":
            return condition
        self.take("?")
        when_true = self.conditional()
        self.take(":")
        when_false = self.conditional()
        return lambda: when_true() if _boolean(condition()) else when_false()

    def binary(self, level: int) -> Callable[[], Any]:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in _LEVELS[level]:
            operator = self.take()[1]
            right = self.binary(level + 1)
            left = (lambda op, a, b: lambda: _BINARY[op](a(), b()))(operator, left, right)
        return left

    def unary(self) -> Callable[[], Any]:
        if self.peek() == "!":
            self.take()
            operand = self.unary()
            return lambda: not _boolean(operand())
        if self.peek() == "-":
            self.take()
            operand = self.unary()
            return lambda: -_number(operand())
        return self.primary()

    def primary(self) -> Callable[[], Any]:
        kind, text = self.take()
        if kind == "number":
            value = Decimal(text)
            return lambda: value
        if kind == "string":
            value = text[1:-1].encode().decode("unicode_escape")
            return lambda: value
        if text == "(":
            inner = self.conditional()
            self.take(")")
            return inner
        if text == "[":
            items = []
            while self.peek() != "]":
                items.append(self.conditional())
                if self.peek() == ",":
                    self.take(",")
            self.take("]")
            return lambda: [item() for item in items]
        if kind == "name" and text in _LITERALS:
            value = _LITERALS[text]
            return lambda: value
        if kind == "name" and text.startswith("var."):
            name = text.removeprefix("var.")
            if name not in self.variables:
                raise Unsupported(f"var.{name} has no value here")
            return lambda: self.variables[name]
        if kind == "name" and self.peek() == "(":
            if text not in _FUNCTIONS:
                raise Unsupported(f"function {text}() is not known to this evaluator")
            self.take("(")
            arguments = []
            while self.peek() != ")":
                arguments.append(self.conditional())
                if self.peek() == ",":
                    self.take(",")
            self.take(")")
            function = _FUNCTIONS[text]
            return lambda: function(*(argument() for argument in arguments))
        raise Unsupported(f"unexpected {text!r}")


def evaluate(condition: str, variables: dict[str, Any]) -> Any:
    """The value of a condition ("${...}" or bare) with var.<name> bound from `variables`.
    Raises EvaluationError where Terraform would fail to evaluate it."""
    return _Parser(condition, variables).parse()()
