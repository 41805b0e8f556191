"""A CSV shaped like seed 000's intake for the 1015 program, for the bench and the tests.

105,116 rows by default: about 80 % users, 20 % small businesses, 0.2 % companies, a few
hundred drivers; damage classes in the seed's shares (17.1 % paid service, 15.1 % free service
with monetary loss, the rest no monetary loss); a few hundred bad rows and duplicate business
numbers. Deterministic for a given seed.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from claims.relief.importer import COLUMNS

SEED_ROWS = 105_116


def generate(
    path: Path | str,
    *,
    rows: int = SEED_ROWS,
    bad: int = 300,
    duplicates: int = 400,
    seed: int = 1015,
) -> dict[str, int]:
    """Write the CSV; the planned counts of bad rows and duplicate business numbers."""
    rnd = random.Random(seed)
    used_numbers: list[str] = []
    planned = {"rows": rows, "bad": 0, "duplicates": 0}
    bad_lines = set(rnd.sample(range(rows), min(bad, rows)))
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(rows):
            roll = rnd.random()
            if roll < 0.002:
                segment = "company"
            elif roll < 0.2015:
                segment = "small_business"
            elif roll < 0.2045:
                segment = "driver"
            else:
                segment = "user"
            d = rnd.random()
            damage = (
                "paid_service" if d < 0.171 else "free_service_loss" if d < 0.322 else "no_loss"
            )
            day = 19 + rnd.randrange(19)  # 2022-10-19 .. 2022-11-06
            month, dom = (10, day) if day <= 31 else (11, day - 31)
            hour, minute = rnd.randrange(24), rnd.randrange(60)
            submitted = f"2022-{month:02d}-{dom:02d}T{hour:02d}:{minute:02d}:00+09:00"
            channel = "web" if rnd.random() < 0.85 else "partner"
            bn = loss = sat = nights = ""
            kind = "customer"
            if segment in ("small_business", "company"):
                kind = "business"
                if used_numbers and planned["duplicates"] < duplicates and rnd.random() < 0.02:
                    bn = rnd.choice(used_numbers)
                    planned["duplicates"] += 1
                else:
                    bn = f"{rnd.randrange(10**9, 10**10)}"
                    used_numbers.append(bn)
                bn = f"{bn[:3]}-{bn[3:5]}-{bn[5:]}" if rnd.random() < 0.5 else bn
                loss = str(int(rnd.lognormvariate(12.3, 1.0)))
            elif segment == "driver":
                kind = "driver"
                submitted = f"2022-12-{10 + rnd.randrange(20):02d}T10:00:00+09:00"
                sat = str(rnd.randrange(16))
                nights = str(rnd.randrange(3))
            name = "".join(rnd.choice("김이박최정강조윤장임한오서신권황안송류홍") for _ in range(3))
            row = [
                segment,
                kind,
                f"ext-{n:07d}",
                name,
                bn,
                loss,
                damage,
                channel,
                submitted,
                sat,
                nights,
            ]
            if n in bad_lines:
                planned["bad"] += 1
                broken = rnd.randrange(4)
                if broken == 0:
                    row[0] = "unknown"
                elif broken == 1:
                    row[6] = "lost"
                elif broken == 2:
                    row[8] = "2022-13-45"
                else:
                    row[8] = "2023-05-01T10:00:00+09:00"  # outside every window
            writer.writerow(row)
    return planned
