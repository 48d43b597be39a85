"""The report currency's minor unit: what "rounds to nothing" means for flags, movers, anomalies and new
services. Pure.

A Cost Explorer amount has up to 10 decimal places; the email shows each to the minor unit of its currency
(the cent, or the whole yen). An amount that would be shown as 0.00 is no news: a service is not new,
not a mover and not an anomaly because of it. The minor units are ISO 4217's, the same table as
render_email/money.py (the two Lambdas are packaged apart; tests/unit/test_costs.py checks they agree).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from fetch_costs.history import EXACT

# ISO 4217 minor units that are not 2.
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


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit: 2 for USD, 0 for JPY, 3 for KWD."""
    if currency in ZERO_DECIMALS:
        return 0
    if currency in THREE_DECIMALS:
        return 3
    return 2


def rounds_to_zero(amount: Decimal, currency: str) -> bool:
    """True when the amount is shown as 0 in the currency (halves round away from zero, as the email does):
    $0.0049 and -$0.0000000001 are $0.00; $0.005 is $0.01."""
    with localcontext(EXACT):
        return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP) == 0
