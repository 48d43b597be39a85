"""Fill `${name}` placeholders the way Terraform's templatefile() does, so the file that runs locally is
byte-for-byte the file Terraform deploys.

Supported: `${name}` interpolation and the `$${` escape. Anything templatefile() would treat as an
expression or a directive (`${a.b}`, `%{if}`) is refused here, so the definition stays a plain template.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\$\$\{|\$\{([^}]*)\}|%\{")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class TemplateError(ValueError):
    pass


def placeholders(text: str) -> set[str]:
    """The placeholder names a template uses."""
    return {match.group(1) for match in _PLACEHOLDER.finditer(text) if match.group(1) is not None}


def fill(text: str, variables: dict[str, str]) -> str:
    missing = sorted(placeholders(text) - set(variables))
    if missing:
        raise TemplateError(f"no value for placeholder(s): {', '.join(missing)}")
    unused = sorted(set(variables) - placeholders(text))
    if unused:
        raise TemplateError(f"value(s) given for placeholder(s) the template does not use: {', '.join(unused)}")

    def replace(match: re.Match) -> str:
        token = match.group(0)
        if token == "$${":
            return "${"
        if token == "%{":
            raise TemplateError("template directives (%{...}) are not used in this project")
        name = match.group(1)
        if not _NAME.fullmatch(name):
            raise TemplateError(f"${{{name}}} is an expression; only plain ${{name}} placeholders are used")
        return str(variables[name])

    return _PLACEHOLDER.sub(replace, text)
