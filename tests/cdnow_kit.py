"""The CDNOW purchase log of Fader, Hardie and Lee, read from the `lifetimes` wheel on PyPI.

The wheel is downloaded once with pip (never installed) into a cache folder the tests own,
`$SOPDSL_TEST_CACHE` or `.pytest_cache/d/cdnow`, and the log is read from it with zipfile.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

WHEEL = "lifetimes==0.11.3"
MEMBER = "lifetimes/datasets/CDNOW_sample.txt"


def cdnow_log(cache: Path) -> str | None:
    """The text of CDNOW_sample.txt, None when the package registry cannot be reached."""
    cache.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache.glob("*ifetimes-0.11.3-*.whl"))
    if not wheels:
        done = subprocess.run([sys.executable, "-m", "pip", "download", WHEEL, "--no-deps",
                               "--only-binary", ":all:", "-d", str(cache), "-q"],
                              capture_output=True, text=True, timeout=300)
        wheels = sorted(cache.glob("*ifetimes-0.11.3-*.whl"))
        if done.returncode != 0 or not wheels:
            return None
    with zipfile.ZipFile(wheels[0]) as wheel:
        return wheel.read(MEMBER).decode("ascii")


def write_cdnow(text: str, folder: Path) -> tuple[Path, Path]:
    """customers.csv and events.csv of the log: each row a purchase on its day, with amount.

    The log's columns are the customer id, a sequence number, the date (YYYYMMDD), the number
    of CDs and the amount in dollars.
    """
    customers, events = folder / "customers.csv", folder / "events.csv"
    purchases = sorted((fields[0], fields[2], fields[4])
                       for fields in (line.split() for line in text.splitlines()) if fields)
    rows = [f"c{customer},{day[:4]}-{day[4:6]}-{day[6:]},purchase,{amount}"
            for customer, day, amount in purchases]
    ids = sorted({customer for customer, _, _ in purchases})
    customers.write_text("customer_id\n" + "".join(f"c{c}\n" for c in ids), encoding="utf-8")
    events.write_text("customer_id,time,event,amount\n" + "\n".join(rows) + "\n",
                      encoding="utf-8")
    return customers, events
