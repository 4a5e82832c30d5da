"""Benchmark: parse a generated 100,000-row Shadowserver scan report.

Run: ``.venv/bin/python bench/parse_shadowserver.py [ROWS]``. Prints the timings and ends
with one JSON line of the figures. Not a test: the product bounds time with a deadline.
"""

from __future__ import annotations

import io
import json
import sys
import time
import zipfile
from pathlib import Path

# bench/ leaves the path: bench/queue.py would shadow the standard library's queue.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from complaints.parsers import shadowserver
from complaints.parsers.mime import load

HEADER = (
    '"timestamp","ip","protocol","port","hostname","tag","asn","geo","region","city",'
    '"naics","sic","banner","handshake","cipher_suite","cert_length","subject_common_name",'
    '"issuer_common_name","sha1_fingerprint","new_unknown_column"\n'
)


def generate(rows: int) -> bytes:
    out = io.StringIO()
    out.write(HEADER)
    for i in range(rows):
        # A few thousand distinct timestamps, as in a real daily report.
        second = i // 40
        ts = f"2024-05-01 {second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        ip = (
            f"198.51.{(i >> 8) & 255}.{i & 255}"
            if i % 10
            else f"2001:db8::{i >> 16:x}:{i & 0xFFFF:x}"
        )
        out.write(
            f'"{ts}","{ip}","tcp",21,"host{i}.example.net","ftp",64496,"ZZ","REGION","CITY",'
            f'0,0,"220 ProFTPD Server ready.|","TLSv1.2","TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",'
            f'2048,"ftp.example.net","example CA","77:CB:19:FD:85:AA:11:62:F8:19",x\n'
        )
    return out.getvalue().encode()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    csv_bytes = generate(rows)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2024-05-01-scan_ftp-example-asn.csv", csv_bytes)
    figures: dict[str, float | int] = {"rows": rows, "csv_bytes": len(csv_bytes)}
    for label, raw, name in (
        ("csv", csv_bytes, "2024-05-01-scan_ftp-example-asn.csv"),
        ("zip", zipped.getvalue(), "2024-05-01-scan_ftp-example-asn.csv.zip"),
    ):
        start = time.perf_counter()
        doc = load(raw, filename=name)
        loaded = time.perf_counter()
        result = shadowserver.PARSER.parse(doc)
        done = time.perf_counter()
        assert len(result.events) == rows, len(result.events)
        figures[f"{label}_load_s"] = round(loaded - start, 3)
        figures[f"{label}_parse_s"] = round(done - loaded, 3)
        figures[f"{label}_total_s"] = round(done - start, 3)
        print(f"{label}: load {loaded - start:.3f} s, parse {done - loaded:.3f} s, {rows} events")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
