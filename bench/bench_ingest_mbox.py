"""Throughput of EmailConnector on a generated mbox against bare stdlib mailbox.mbox iteration.

Run: ``.venv/bin/python bench/bench_ingest_mbox.py [n_messages]`` (default 5,000).
The baseline iterates the same file with ``mailbox.mbox`` and calls
``get_payload(decode=True)`` on every leaf part; the connector additionally
splits signatures/quotes, finds respondents and builds records.
"""

from __future__ import annotations

import mailbox
import sys
import tempfile
import time
from pathlib import Path

from connectors.base import Limits
from connectors.email import EmailConnector

BODY = (
    "Hei,\n\n{kommune} kommune støtter arbeidet med felles journal (melding {i}).\n"
    "Vi trenger opplæring og god nettdekning før innføringen.\n"
    "From our side this is important.\n\n"
    "Med vennlig hilsen\nKari Nordmann\n{kommune} kommune\n\n"
    "Den tir. 3. sep. 2024 kl. 10:12 skrev Akson <akson@ks.no>:\n> Vi ber om innspill.\n"
)
KOMMUNER = ["Bergen", "Vinje", "Bodø", "Trondheim", "Nord-Aurdal"]


def write_mbox(path: Path, n: int) -> None:
    with path.open("wb") as fp:
        for i in range(n):
            kommune = KOMMUNER[i % len(KOMMUNER)]
            body = BODY.format(kommune=kommune, i=i).replace("\nFrom ", "\n>From ")
            fp.write(
                (
                    f"From kari@k{i % len(KOMMUNER)}.kommune.no Mon Sep  2 10:15:00 2024\n"
                    f"From: Kari Nordmann <kari@k{i % len(KOMMUNER)}.kommune.no>\n"
                    f"Subject: Innspill {i}\nDate: Mon, 02 Sep 2024 10:15:00 +0200\n"
                    f"Message-ID: <bench-{i}@ks.no>\nContent-Type: text/plain; charset=utf-8\n"
                    "Content-Transfer-Encoding: 8bit\n\n"
                    f"{body}\n"
                ).encode()
            )


def baseline(path: Path) -> int:
    count = 0
    for message in mailbox.mbox(path, create=False):
        for part in message.walk():
            if not part.is_multipart():
                part.get_payload(decode=True)
        count += 1
    return count


def connector(path: Path) -> int:
    with path.open("rb") as fp:
        result = EmailConnector().read(path.name, fp, Limits())
    return len(result.submissions)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.mbox"
        write_mbox(path, n)
        size_mb = path.stat().st_size / 1e6
        print(f"mbox: {n} messages, {size_mb:.1f} MB")
        timings = {}
        for label, func in (("stdlib mailbox.mbox + get_payload", baseline), ("EmailConnector", connector)):
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                got = func(path)
                best = min(best, time.perf_counter() - start)
            assert got == n, (label, got)
            timings[label] = best
            print(f"{label:36s} {best:7.2f} s  {n / best:9.0f} msg/s  {size_mb / best:6.2f} MB/s")
        ratio = timings["EmailConnector"] / timings["stdlib mailbox.mbox + get_payload"]
        print(f"ratio EmailConnector / stdlib: {ratio:.2f}x the time")


if __name__ == "__main__":
    main()
