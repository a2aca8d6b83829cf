"""Benchmark: clearance scan secrets vs detect-secrets scan on a git copy of the standard library.

    python bench/scan_secrets.py [--workdir DIR] [--keep]

Prints, in one run: both wall times and their ratio (goal: clearance <= 0.05x), the difference
of the finding sets by (file, line) with the documented clearance filter that explains each
detect-secrets finding clearance does not report, and the time of `--diff` over a commit
touching 20 files (goal: under 1 s). The machine's load average is printed too: the figures
mean little on a busy machine.
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
from collections import Counter
from pathlib import Path

BIN = Path(sys.executable).parent
TIMEOUT = 3600


def run(args: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False, **kwargs
    )  # type: ignore[call-overload,no-any-return]


def git(cwd: Path, *args: str) -> str:
    done = run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *args], cwd
    )
    if done.returncode != 0:
        raise SystemExit(f"git {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def stdlib_copy(workdir: Path) -> Path:
    source = Path(sysconfig.get_paths()["stdlib"])
    tree = workdir / "stdlib"
    if tree.exists():
        shutil.rmtree(tree)
    shutil.copytree(
        source, tree, ignore=shutil.ignore_patterns("site-packages", "__pycache__"), symlinks=True
    )
    git(tree, "init", "-q")
    git(tree, "add", "-A")
    git(tree, "commit", "-qm", "stdlib")
    return tree


def timed(args: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = run(args, cwd)
    return time.perf_counter() - start, done


def detect_secrets_findings(tree: Path) -> tuple[float, dict[tuple[str, int], set[str]]]:
    seconds, done = timed([str(BIN / "detect-secrets"), "scan", "--all-files"], tree)
    if done.returncode != 0:
        raise SystemExit(f"detect-secrets failed: {done.stderr.strip()[-500:]}")
    found: dict[tuple[str, int], set[str]] = {}
    for filename, entries in json.loads(done.stdout)["results"].items():
        for entry in entries:
            found.setdefault((filename, entry["line_number"]), set()).add(entry["type"])
    return seconds, found


def clearance_findings(
    tree: Path, *extra: str
) -> tuple[float, dict[tuple[str, int], set[str]], dict[str, object]]:
    seconds, done = timed(
        [
            str(BIN / "clearance"),
            "scan",
            "secrets",
            *extra,
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
        tree,
    )
    if done.returncode != 0:
        raise SystemExit(f"clearance failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    report = json.loads(done.stdout)
    run_ = report["runs"][0]
    found: dict[tuple[str, int], set[str]] = {}
    for finding in run_["findings"]:
        if finding["suppression"] is None:
            loc = finding["location"]
            found.setdefault((loc["path"], loc["start_line"]), set()).add(finding["rule_id"])
    return seconds, found, run_["stats"]


def explain(tree: Path, path: str, line: int, types: set[str]) -> str:
    """Which documented clearance filter drops detect-secrets' finding on this line."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.util.code_snippet import get_code_snippet

    from clearance.scan.secrets import filters

    text = (tree / path).read_text(encoding="utf-8", errors="replace").split("\n")
    content = text[line - 1].rstrip() if 0 < line <= len(text) else ""
    context = get_code_snippet(text, line)
    classes = get_mapping_from_secret_type_to_class()
    reasons = set()
    for secret_type in types:
        plugin = classes[secret_type]()
        for found in plugin.analyze_line(
            filename=path, line=content, line_number=line, context=context
        ):
            values = {
                "secret": found.secret_value,
                "line": content,
                "plugin": plugin,
                "filename": path,
                "context": context,
            }
            for name in filters.CLEARANCE_FILTERS:
                function = getattr(filters, name.rsplit(".", 1)[1])
                wanted = function.__code__.co_varnames[: function.__code__.co_argcount]
                if function(**{k: values[k] for k in wanted}):
                    reasons.add(name.rsplit(".", 1)[1])
    return ", ".join(sorted(reasons)) or "UNEXPLAINED"


def diff_timing(tree: Path) -> tuple[float, int]:
    files = [p for p in sorted(git(tree, "ls-files").split("\n")) if p.endswith(".py")][:20]
    for index, name in enumerate(files):
        with (tree / name).open("a", encoding="utf-8") as handle:
            handle.write(f"\n# bench change {index}\n")
    with (tree / files[0]).open("a", encoding="utf-8") as handle:
        token = "ghp_" + "".join(
            "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7) % 36] for i in range(36)
        )
        handle.write(f'BENCH_TOKEN = "{token}"\n')
    git(tree, "commit", "-qam", "touch 20 files")
    seconds, found, _ = clearance_findings(tree, "--diff", "HEAD~1..HEAD")
    return seconds, len(found)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, help="where to put the copy (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the copy")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="clearance-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        tree = stdlib_copy(workdir)
        files = len(git(tree, "ls-files").split("\n")) - 1
        size = sum(
            f.stat().st_size for f in tree.rglob("*") if f.is_file() and ".git" not in f.parts
        )
        print(
            f"tree: {tree} ({files} files, {size / 1e6:.1f} MB); cores: {os.cpu_count()}; "
            f"load average before: {os.getloadavg()[0]:.2f}"
        )
        ds_seconds, ds = detect_secrets_findings(tree)
        print(
            f"detect-secrets scan --all-files:     {ds_seconds:8.2f} s  {len(ds)} lines with findings"
        )
        cl_seconds, cl, stats = clearance_findings(tree, "--all-files")
        print(
            f"clearance scan secrets --all-files:  {cl_seconds:8.2f} s  {len(cl)} lines with findings  {stats}"
        )
        print(
            f"wall-time ratio clearance / detect-secrets: {cl_seconds / ds_seconds:.4f}x "
            f"({ds_seconds / cl_seconds:.1f} times faster; goal <= 0.05x)"
        )
        lost = sorted(set(ds) - set(cl))
        added = sorted(set(cl) - set(ds))
        print(
            f"finding-set difference by (file, line): {len(lost)} only detect-secrets, {len(added)} only clearance"
        )
        reasons: Counter[str] = Counter()
        for key in lost:
            reason = explain(tree, key[0], key[1], ds[key])
            reasons[reason] += 1
            print(f"  lost {key[0]}:{key[1]} {sorted(ds[key])} -> {reason}")
        print(f"  lost, by documented filter: {dict(reasons)}")
        added_types: Counter[str] = Counter(t for key in added for t in cl[key])
        print(f"  added by clearance, by type: {dict(added_types)}")
        diff_seconds, diff_found = diff_timing(tree)
        print(
            f"clearance scan secrets --diff HEAD~1..HEAD (20 files): {diff_seconds:.2f} s, "
            f"{diff_found} line(s) with findings (goal < 1 s)"
        )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
