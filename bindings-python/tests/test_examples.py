"""The README's Python snippet comes from examples/python/money_demo.py; run it."""

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python" / "money_demo.py"


def test_money_demo_prints_what_the_readme_says():
    out = subprocess.run([sys.executable, str(EXAMPLE)], check=True, capture_output=True, text=True).stdout
    assert out.splitlines() == ["59.97 4.95 ['8.57', '1.43', '0.00']", "invalid_amount_precision"]
