"""The results: summary figures, the table printed to stdout, and results/*.json."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import subprocess
from pathlib import Path
from typing import Any

import orjson

RESULTS = Path(__file__).resolve().parent / "results"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine(**extra: Any) -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "commit": commit,
        **extra,
    }


def bulk_entry(
    times: list[float], floor: list[float], n: int, rss_mb: list[float]
) -> dict[str, Any]:
    median, floor_median = statistics.median(times), statistics.median(floor)
    return {
        "median_s": round(median, 5),
        "min_s": round(min(times), 5),
        "max_s": round(max(times), 5),
        "orders_per_s": round(n / median, 1),
        "floor_median_s": round(floor_median, 5),
        "ratio": round(median / floor_median, 2),
        "rss_growth_mb": round(max(rss_mb), 1),
    }


def _percentile(sorted_values: list[float], p: float) -> float:
    index = min(len(sorted_values) - 1, round(p / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]


def small_entry(
    latencies: list[float], errors: int, elapsed: float, floor_tps: float
) -> dict[str, Any]:
    ordered = sorted(latencies)
    rps = (len(latencies) - errors) / elapsed
    return {
        "rps": round(rps, 1),
        "p50_ms": round(_percentile(ordered, 50) * 1000, 2),
        "p95_ms": round(_percentile(ordered, 95) * 1000, 2),
        "p99_ms": round(_percentile(ordered, 99) * 1000, 2),
        "errors": errors,
        "floor_tps": round(floor_tps, 1),
        "ratio": round(rps / floor_tps, 2),
    }


def revert_entry(reverts: list[float], changes: list[float], n: int) -> dict[str, Any]:
    revert_median, change_median = statistics.median(reverts), statistics.median(changes)
    return {
        "median_s": round(revert_median, 5),
        "min_s": round(min(reverts), 5),
        "max_s": round(max(reverts), 5),
        "orders_per_s": round(n / revert_median, 1),
        "change_median_s": round(change_median, 5),
        "ratio_to_change": round(revert_median / change_median, 2),
    }


def table(results: dict[str, Any]) -> str:
    """The figures as a Markdown table (the README shows the last one)."""
    lines = [
        "| database | case | median | min | max | orders/s | floor | ratio | RSS growth |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for db in ("postgresql", "sqlite"):
        if db not in results:
            continue
        cases = [("bulk", "ids"), ("bulk_uuid", "UUIDs")]
        entries = [
            (n, b, named)
            for case, named in cases
            for n, b in sorted(results[db].get(case, {}).items(), key=lambda kv: int(kv[0]))
        ]
        for n, b, named in entries:
            lines.append(
                f"| {db} | bulk {int(n):,} {named} | {b['median_s'] * 1000:.1f} ms "
                f"| {b['min_s'] * 1000:.1f} ms | {b['max_s'] * 1000:.1f} ms "
                f"| {b['orders_per_s']:,.0f} | {b['floor_median_s'] * 1000:.1f} ms "
                f"| {b['ratio']:.2f}x | {b['rss_growth_mb']:.1f} MB |"
            )
    lines += [
        "",
        "| database | small requests (10 ids, 32 clients) | rps | p50 | p95 | p99 | errors "
        "| floor tps | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for db in ("postgresql", "sqlite"):
        if db not in results:
            continue
        s, workers = results[db]["small"], results["machine"]["server_workers"][db]
        lines.append(
            f"| {db} | {workers} worker{'s' if workers > 1 else ''} | {s['rps']:,.0f} "
            f"| {s['p50_ms']:.1f} ms | {s['p95_ms']:.1f} ms | {s['p99_ms']:.1f} ms | {s['errors']} "
            f"| {s['floor_tps']:,.0f} | {s['ratio']:.2f} |"
        )
    reverts = [
        (db, results[db]["revert"])
        for db in ("postgresql", "sqlite")
        if "revert" in results.get(db, {})
    ]
    if reverts:
        lines += [
            "",
            "| database | revert of a 10,000-order change | median | min | max | orders/s "
            "| the change | ratio |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for db, r in reverts:
            lines.append(
                f"| {db} | one request | {r['median_s'] * 1000:.1f} ms "
                f"| {r['min_s'] * 1000:.1f} ms | {r['max_s'] * 1000:.1f} ms "
                f"| {r['orders_per_s']:,.0f} | {r['change_median_s'] * 1000:.1f} ms "
                f"| {r['ratio_to_change']:.2f}x |"
            )
    written = results.get("postgresql", {}).get("bytes_per_order")
    if written:
        lines += [
            "",
            "| PostgreSQL, bytes per changed order (10,000 to shipped + paid) | orders | history "
            "| outbox | queue | total |",
            "|---|---:|---:|---:|---:|---:|",
            f"| after a CHECKPOINT, tables with their indexes | {written['orders']:,.0f} "
            f"| {written['order_status_history']:,.0f} | {written['outbox']:,.0f} "
            f"| {written['outbox_pending']:,.0f} | {written['total']:,.0f} |",
        ]
    m = results["machine"]
    lines += [
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}; "
        f"Python {m['python']}, PostgreSQL {m.get('postgresql', '-')}, SQLite {m['sqlite']}; "
        f"{m['orders_seeded']:,} orders seeded; commit {m['commit']}; {m['date']}; "
        f"load average {m['load_before']} before, {m['load_after']} after.",
    ]
    return "\n".join(lines)


def write(results: dict[str, Any], name: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / name
    path.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2) + b"\n")
    return path
