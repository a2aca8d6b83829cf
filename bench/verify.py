"""Benchmark: 100 verifications of corpus bundles in one `clearance verify` call versus 100
`sigstore verify identity` processes (sigstore-python's CLI, offline), wall-clock time.

    .venv/bin/python bench/verify.py [--count 100]

Prints both times and the ratio (goal: clearance >= 10x faster). Both sides verify the same
artifacts and bundles with an identity policy, offline, and must all succeed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from itertools import cycle, islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "sigstore-bundles"
GITHUB = "https://token.actions.githubusercontent.com"
TIMEOUT = 600


def cases() -> list[dict[str, str]]:
    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    chosen = [
        c
        for c in manifest["cases"]
        if c["expected"] == "valid"
        and c["instance"] == "production"
        and c["issuer"] == GITHUB
        and c.get("artifact")
    ]
    return [
        {
            "artifact": str(DATA / "cases" / c["id"] / c["artifact"]),
            "bundle": str(DATA / "cases" / c["id"] / "bundle.sigstore.json"),
            "identity": c["identity"],
        }
        for c in chosen
    ]


def tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"bench: {name} not found (install the project with its dependencies)")
    return found


def run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: {argv[0]} failed ({done.returncode}): {done.stderr[-500:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    count = parser.parse_args().count
    subjects = list(islice(cycle(cases()), count))
    identities = sorted({s["identity"] for s in subjects})
    regex = "|".join(i.replace(".", r"\.") for i in identities)
    env_note = f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"

    clearance = [tool("clearance"), "verify", *(s["artifact"] for s in subjects)]
    for s in subjects:
        clearance += ["--bundle", s["bundle"]]
    clearance += ["--cert-identity-regex", regex, "--format", "json", "--no-summary"]
    started = time.perf_counter()
    run(clearance)
    one_call = time.perf_counter() - started

    sigstore = tool("sigstore")
    started = time.perf_counter()
    for s in subjects:
        run([sigstore, "verify", "identity", "--offline", "--bundle", s["bundle"],
             "--cert-identity", s["identity"], "--cert-oidc-issuer", GITHUB, s["artifact"]])  # fmt: skip
    processes = time.perf_counter() - started

    print(f"machine: {env_note}")
    print(f"clearance verify, {count} verifications in one call: {one_call:.2f} s")
    print(f"sigstore verify, {count} processes:                  {processes:.2f} s")
    print(f"ratio: {processes / one_call:.1f}x (goal >= 10x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
