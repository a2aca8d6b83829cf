"""Benchmark: `clearance scan code` against `bandit -r` on a copy of the standard library.

Copies the running interpreter's standard library (its .py files, without site-packages)
to a temporary directory, then times, in one run:
  - bandit -r (same thresholds: all severities and confidences),
  - clearance scan code with an empty cache (cold),
  - clearance scan code again (warm cache),
and prints the wall-time ratios and whether the finding sets are identical.

Usage: python bench/scan_code.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

Key = tuple[str, str, int]


def copy_stdlib(target: Path) -> int:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    count = 0
    for source in stdlib.rglob("*.py"):
        rel = source.relative_to(stdlib)
        if rel.parts[0] in ("site-packages", "dist-packages") or "__pycache__" in rel.parts:
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        count += 1
    return count


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600, check=False
    )
    elapsed = time.perf_counter() - start
    if not done.stdout.strip():
        raise SystemExit(
            f"{argv[0]} produced no output (exit {done.returncode}): {done.stderr[-2000:]}"
        )
    return elapsed, done.stdout


def bandit_findings(text: str) -> set[Key]:
    doc = json.loads(text)
    return {
        (r["test_id"], r["filename"].removeprefix("./"), r["line_number"]) for r in doc["results"]
    }


def clearance_findings(text: str) -> set[Key]:
    doc = json.loads(text)
    return {
        (f["rule_id"], f["location"]["path"], f["location"]["start_line"])
        for run in doc["runs"]
        for f in run["findings"]
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--keep", type=Path, help="use (and keep) this directory for the copy and the cache"
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="clearance-bench-"))
    tree = work / "stdlib"
    cache = work / "cache"
    shutil.rmtree(tree, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    files = copy_stdlib(tree)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CLEARANCE_"))}
    env["CLEARANCE_CACHE_DIR"] = str(cache)
    print(
        f"tree: {files} Python files from {sysconfig.get_paths()['stdlib']} ({os.cpu_count()} cores)"
    )

    bandit_s, bandit_out = timed(
        [sys.executable, "-m", "bandit", "-r", ".", "-f", "json", "-q"], tree, env
    )
    clearance = [
        sys.executable,
        "-m",
        "clearance",
        "scan",
        "code",
        "--format",
        "json",
        "--fail-on",
        "none",
        ".",
    ]
    cold_s, cold_out = timed(clearance, tree, env)
    warm_s, warm_out = timed(clearance, tree, env)

    expected = bandit_findings(bandit_out)
    cold = clearance_findings(cold_out)
    warm = clearance_findings(warm_out)
    stats = json.loads(warm_out)["runs"][0]["stats"]
    print(f"bandit -r            {bandit_s:8.2f} s  {len(expected)} findings")
    print(
        f"clearance cold       {cold_s:8.2f} s  {len(cold)} findings  ratio {cold_s / bandit_s:.3f} (goal <= 0.6)"
    )
    print(
        f"clearance warm cache {warm_s:8.2f} s  {len(warm)} findings  ratio {warm_s / bandit_s:.3f} (goal <= 0.1)"
    )
    print(f"warm run: {stats}")
    identical = expected == cold == warm
    print(f"finding sets identical: {identical}")
    if not identical:
        print(f"  only in bandit: {sorted(expected - cold)[:10]}")
        print(f"  only in clearance: {sorted(cold - expected)[:10]}")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
