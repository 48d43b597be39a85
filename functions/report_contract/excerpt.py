"""How a refusal quotes a bad value, defined once for every function that refuses one.

A Step Functions input can be 256 KiB, and a refusal becomes the failed state's cause: the person reading
it needs the start of what was sent and its length, not all of it. Standard library only.
"""

from __future__ import annotations

EXCERPT_CHARACTERS = 80


def excerpt(value: object, *, quoted: bool = True) -> str:
    """A bad value as a refusal shows it: repr() (the text itself with quoted=False, for field names),
    whole if it is at most EXCERPT_CHARACTERS long, else its first EXCERPT_CHARACTERS, "..." and its
    length. Every message that quotes a value it refuses goes through here."""
    text = repr(value) if quoted or not isinstance(value, str) else value
    if len(text) <= EXCERPT_CHARACTERS:
        return text
    length = f"{len(value):,} characters" if isinstance(value, str) else f"{len(text):,} characters written out"
    return f"{text[:EXCERPT_CHARACTERS]}... ({length})"
