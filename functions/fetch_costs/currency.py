"""The report currency's minor unit: what "rounds to nothing" means for flags, movers, anomalies and new
services. Pure.

A Cost Explorer amount has up to 10 decimal places; the email shows each to the minor unit of its currency
(the cent, or the whole yen). An amount that would be shown as 0.00 is no news: a service is not new,
not a mover and not an anomaly because of it. The minor units are ISO 4217's, from the report contract
that render_email formats with too.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from report_contract.currency import minor_units
from report_contract.wire import EXACT


def rounds_to_zero(amount: Decimal, currency: str) -> bool:
    """True when the amount is shown as 0 in the currency (halves round away from zero, as the email does):
    $0.0049 and -$0.0000000001 are $0.00; $0.005 is $0.01."""
    with localcontext(EXACT):
        return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP) == 0
