"""Benchmark: `clearance scan all` against the three scanners run one after another.

On a realistic tree, times (each as a fresh process, as a CI step runs them):
  - `clearance scan secrets`, then `clearance scan deps`, then `clearance scan code`;
  - `clearance scan all` (the same three, concurrently, one report);
and prints the wall times, the ratio all / sum (goal <= 0.8), the CPU time of each, the
bounds of the ratio, and whether both ways find the same findings (by fingerprint).

Trees:
  app     (default) a clean export of this checkout (its tracked files: code, tests, test
          data, docs) plus a requirements.txt of 60 real pins taken from the bundled advisory
          data, audited offline against that snapshot;
  stdlib  a git copy of the running interpreter's standard library (about 1,800 Python
          files) plus the same requirements.txt.

The code scanner's result cache is off for both (`--no-cache`: cold, the same work); the
dependency audit uses `--advisory-db bundled` (offline). Runs alternate (one after another,
then all at once) so that a change of the machine's load hits both; medians are printed.

Usage: python bench/scan_all.py [--tree app|stdlib] [--runs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNERS = ("secrets", "deps", "code")
PINS = 60


def git(tree: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *args],
        cwd=tree,
        check=True,
        capture_output=True,
        timeout=600,
    )


def copy_app(target: Path) -> None:
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    for name in filter(None, listing.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            dest = target / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)


def copy_stdlib(target: Path) -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for source in stdlib.rglob("*.py"):
        rel = source.relative_to(stdlib)
        if rel.parts[0] in ("site-packages", "dist-packages") or "__pycache__" in rel.parts:
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)


def requirements() -> str:
    """PINS real `name==version` pins from the bundled advisory data (affected versions)."""
    import zipfile

    data = ROOT / "src" / "clearance" / "scan" / "deps" / "data"
    pins: dict[str, str] = {}
    for archive in sorted(data.glob("*.zip")):
        with zipfile.ZipFile(archive) as zipped:
            for name in sorted(zipped.namelist()):
                if not name.endswith(".json") or len(pins) >= PINS:
                    continue
                record = json.loads(zipped.read(name))
                for affected in record.get("affected", []):
                    package = affected.get("package", {}).get("name", "").lower()
                    versions = affected.get("versions") or []
                    if package and versions and package not in pins:
                        pins[package] = versions[-1]
    return "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))


def make_tree(kind: str, work: Path) -> Path:
    tree = work / kind
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    (copy_app if kind == "app" else copy_stdlib)(tree)
    (tree / "requirements.txt").write_text(requirements())
    git(tree, "init", "-q")
    git(tree, "add", "-A")
    git(tree, "commit", "-qm", "bench")
    return tree


def command(scanner: str, out: Path) -> list[str]:
    base = [sys.executable, "-m", "clearance", "scan", scanner, "--format", "json"]
    base += ["--fail-on", "none", "-o", str(out)]
    if scanner in ("code", "all"):
        base.append("--no-cache")
    if scanner == "deps":
        base += ["--advisory-db", "bundled", "requirements.txt"]
    if scanner == "all":
        base += ["--advisory-db", "bundled", "--manifest", "requirements.txt"]
    return base


def timed(argv: list[str], tree: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and everything it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        argv, cwd=tree, env=env, capture_output=True, text=True, timeout=3600, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[3:5])} exited {done.returncode}: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def fingerprints(report: Path) -> dict[str, set[str]]:
    doc = json.loads(report.read_text())
    return {run["scanner"]: {f["fingerprint"] for f in run["findings"]} for run in doc["runs"]}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", choices=("app", "stdlib"), default="app")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs (default 3)")
    parser.add_argument("--keep", type=Path, help="use (and keep) this directory")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="clearance-bench-all-"))
    tree = make_tree(args.tree, work)
    out = work / "reports"
    out.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CLEARANCE_"))}
    env["CLEARANCE_CACHE_DIR"] = str(work / "cache")
    files = subprocess.run(
        ["git", "ls-files"], cwd=tree, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    python_files = sum(1 for f in files if f.endswith(".py"))
    cores = os.cpu_count() or 1
    print(
        f"tree: {args.tree}, {len(files)} files ({python_files} Python), {PINS} pins; "
        f"{cores} cores; load average {os.getloadavg()[0]:.2f}"
    )

    walls: dict[str, list[float]] = {name: [] for name in (*SCANNERS, "sum", "all")}
    cpus: dict[str, list[float]] = {name: [] for name in (*SCANNERS, "all")}
    for _ in range(args.runs):
        total = 0.0
        for scanner in SCANNERS:
            wall, cpu = timed(command(scanner, out / f"{scanner}.json"), tree, env)
            walls[scanner].append(wall)
            cpus[scanner].append(cpu)
            total += wall
        walls["sum"].append(total)
        wall, cpu = timed(command("all", out / "all.json"), tree, env)
        walls["all"].append(wall)
        cpus["all"].append(cpu)

    median = {name: statistics.median(values) for name, values in walls.items()}
    cpu = {name: statistics.median(values) for name, values in cpus.items()}
    for name in (*SCANNERS, "sum", "all"):
        runs = " ".join(f"{v:.2f}" for v in walls[name])
        used = f"  cpu {cpu[name]:6.2f} s" if name in cpu else ""
        label = "one after another" if name == "sum" else f"scan {name}"
        print(f"{label:20} {median[name]:7.2f} s{used}   runs: {runs}")
    ratio = median["all"] / median["sum"]
    print(f"ratio all / sum      {ratio:7.3f}   (goal <= 0.8)")
    longest = max(SCANNERS, key=lambda s: median[s])
    cpu_bound = sum(cpu[s] for s in SCANNERS) / cores
    print(
        f"bounds: the longest scanner ({longest}) alone {median[longest]:.2f} s = "
        f"{median[longest] / median['sum']:.3f} of the sum; the three scanners' CPU "
        f"{sum(cpu[s] for s in SCANNERS):.2f} s over {cores} cores = "
        f"{cpu_bound / median['sum']:.3f} of the sum"
    )
    sequential = {s: fingerprints(out / f"{s}.json")[s] for s in SCANNERS}
    together = fingerprints(out / "all.json")
    same = sequential == together
    print(f"same findings (fingerprints per scanner): {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
