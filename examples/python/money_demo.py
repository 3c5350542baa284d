"""Kassa from Python: exact money with decimal.Decimal. Run: python examples/python/money_demo.py"""

from decimal import Decimal

import kassa
from kassa import Money

# --8<-- [start:readme]
price = Money("19.99", "USD")
line = price * 3                                   # Money('59.97', 'USD')
tax = line.multiply_rate(Decimal("0.0825"))        # rounded once, half_even
parts = Money("10.00", "USD").allocate([5997, 1000, 3])
print(line, tax, [str(p) for p in parts])          # 59.97 4.95 ['8.57', '1.43', '0.00']

try:
    Money("10.005", "USD")
except kassa.KassaError as err:
    print(err.code)                                # invalid_amount_precision
# --8<-- [end:readme]
