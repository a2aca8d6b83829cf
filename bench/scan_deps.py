"""Benchmark: audit a 200-package lockfile offline, and compare the two ways into pip-audit.

    python bench/scan_deps.py [--packages 200] [--runs 5]

1. Builds a uv.lock of 200 real package names and versions taken from the bundled PyPA
   advisory snapshot (each at a version its advisory lists as affected, so there is work).
2. Times `clearance scan deps uv.lock --advisory-db bundled` as a fresh process: interpreter
   start, reading the lockfile, loading the snapshot, starting and stopping the loopback OSV
   API, pip-audit's audit, the report. Goal: under 2 s.
3. Times the engine alone both ways over the same 200 pins and the same loopback endpoint:
   pip-audit's CLI in a subprocess (`-r FILE --no-deps --disable-pip -f json`) against its
   modules driven in-process (what clearance does for pinned inputs).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clearance.scan.deps.advisories import bundled_snapshot
from clearance.scan.deps.engine import PinnedJob, PipAudit, Service, ServiceKind
from clearance.scan.deps.osv_server import serve
from clearance.scan.deps.ranges import parse_version

GOAL_SECONDS = 2.0


def pins(count: int, seed: int = 20241010) -> list[tuple[str, str]]:
    """`count` (name, version) pairs, each a version an advisory lists as affected."""
    database = bundled_snapshot()
    choices: dict[str, list[str]] = {}
    for name, advisories in database.by_package.items():
        for advisory in advisories:
            for entry in advisory.record.get("affected", ()):
                for version in entry.get("versions", ()):
                    if parse_version(version) is not None:
                        choices.setdefault(name, []).append(version)
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    names = rng.sample(sorted(choices), count)
    return [(name, rng.choice(sorted(set(choices[name])))) for name in names]


def write_uv_lock(path: Path, chosen: list[tuple[str, str]]) -> None:
    lines = ["version = 1", "revision = 2", 'requires-python = ">=3.11"', ""]
    for name, version in sorted(chosen):
        lines += [
            "[[package]]",
            f'name = "{name}"',
            f'version = "{version}"',
            'source = { registry = "https://pypi.org/simple" }',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


CPU: list[float] = []
"""CPU seconds (user + system) of each timed child: steadier than wall time on a shared machine."""


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    if done.returncode not in (0, 1):
        tail = done.stderr.strip()[-400:]
        raise SystemExit(f"{' '.join(command[:4])}... failed ({done.returncode}): {tail}")
    return elapsed


def summary(label: str, times: list[float]) -> str:
    median = statistics.median(times)
    return f"{label:<58} median {median:5.2f} s   min {min(times):5.2f} s   ({len(times)} runs)"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--packages", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    chosen = pins(args.packages)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARANCE_", "GITHUB_"))}
    with tempfile.TemporaryDirectory(prefix="clearance-bench-") as tmp:
        work = Path(tmp)
        env["CLEARANCE_CACHE_DIR"] = str(work / "cache")
        lock = work / "uv.lock"
        write_uv_lock(lock, chosen)
        frozen = work / "requirements.txt"
        frozen.write_text("".join(f"{n}=={v}\n" for n, v in chosen), encoding="utf-8")

        print(f"lockfile: {len(chosen)} packages from the bundled PyPA advisory snapshot")
        command = [
            sys.executable,
            "-m",
            "clearance",
            "scan",
            "deps",
            "uv.lock",
            "--advisory-db",
            "bundled",
            "--format",
            "json",
            "--output",
            str(work / "report.json"),
            "--root",
            str(work),
        ]
        end_to_end = [timed(command, work, env) for _ in range(args.runs)]
        print(summary("clearance scan deps (fresh process, loopback API included)", end_to_end))
        print(summary("  the same, CPU time (user + system)", CPU[-args.runs :]))

        database = bundled_snapshot()
        with serve(database) as endpoint:
            service = Service(
                ServiceKind.OSV,
                "bench",
                osv_url=endpoint.query_url,
                cache_dir=work / "cache" / "pip-audit",
                loopback=True,
            )
            cli = [
                sys.executable,
                "-m",
                "pip_audit",
                "-r",
                str(frozen),
                "--no-deps",
                "--disable-pip",
                "-s",
                "osv",
                "--osv-url",
                endpoint.query_url,
                "-f",
                "json",
                "--progress-spinner",
                "off",
                "--cache-dir",
                str(work / "cache" / "pip-audit"),
            ]
            cli_env = {**env, "PIP_AUDIT_LOGLEVEL": "ERROR", "NO_PROXY": "127.0.0.1"}
            cli_times = [timed(cli, work, cli_env) for _ in range(args.runs)]
            engine = PipAudit()
            job = PinnedJob(requirements=frozen.read_text(), origin="bench")
            start = time.perf_counter()
            engine.audit(job, service, lambda n: None)  # first call pays pip-audit's imports
            first = time.perf_counter() - start
            warm = []
            for _ in range(args.runs):
                start = time.perf_counter()
                engine.audit(job, service, lambda n: None)
                warm.append(time.perf_counter() - start)
        print(summary("engine only: pip-audit CLI in a subprocess", cli_times))
        print(f"{'engine only: pip-audit modules in-process, first call':<58} {first:12.2f} s")
        print(summary("engine only: pip-audit modules in-process, warm", warm))
    median = statistics.median(end_to_end)
    verdict = "meets" if median < GOAL_SECONDS else "MISSES"
    print(
        f"end-to-end median {median:.2f} s {verdict} the {GOAL_SECONDS:.0f} s goal "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
