"""The minor unit of a report's currency (ISO 4217): how many decimal places an amount is shown with.

Both functions need it: FetchCosts to tell an amount that shows as 0.00 (no news: not new, not a mover,
not an anomaly), RenderEmail to format and round. Defined here, once, and packaged into both zips.
"""

from __future__ import annotations

# ISO 4217 currencies whose minor unit is not the usual 2 decimal places.
ZERO_DECIMALS = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "UYI",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
THREE_DECIMALS = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})


def is_currency_code(code: object) -> bool:
    """An ISO 4217 alphabetic code's form (three capital letters): what Cost Explorer's Unit must be."""
    return isinstance(code, str) and len(code) == 3 and code.isalpha() and code.isupper()


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit: 2 for USD, 0 for JPY, 3 for KWD."""
    if currency in ZERO_DECIMALS:
        return 0
    if currency in THREE_DECIMALS:
        return 3
    return 2
