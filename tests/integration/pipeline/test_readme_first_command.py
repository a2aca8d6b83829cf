"""The README's first command, as a newcomer runs it: in a clean copy of the repository, with a
plain Python, a fresh virtual environment, and no advisory service reachable.

Packages come from the local wheelhouse (tests/setup.d/wheelhouse.sh; PIP_NO_INDEX), the
advisory service is a loopback port nothing listens on (CLEARANCE_OSV_URL): the run must end
with the example's digest recorded as deployed to `dev` in its ledger, and the notice that the
bundled advisory snapshot answered.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from tests.e2e.harness import ROOT, WHEELHOUSE, commit_all, wheelhouse_problem
from tests.e2e.harness import _base_python as base_python

from clearance.release.digests import file_digest
from clearance.release.ledger.sqlite import DEFAULT_PATH, SqliteLedger
from clearance.release.records import State

pytestmark = pytest.mark.integration

FIRST_COMMAND = (
    "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/clearance run examples/service"
)


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def clean_copy(target: Path) -> Path:
    """The work tree as git sees it (tracked and new files, not ignored ones), committed anew:
    what a fresh clone of this change holds."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source, destination = ROOT / name, target / name
        if not source.is_symlink() and not source.is_file():
            continue  # deleted in the work tree
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), destination)
        else:
            shutil.copy2(source, destination)
    return commit_all(target)


def test_the_readme_starts_with_this_command() -> None:
    assert readme_commands()[0] == FIRST_COMMAND


def test_the_first_command_deploys_the_example_offline_on_a_fresh_machine(tmp_path: Path) -> None:
    problem = wheelhouse_problem()
    if problem:
        pytest.fail(problem)
    clone = clean_copy(tmp_path / "clearance")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(base_python())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    env = {
        "PATH": os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"]),
        "HOME": str(tmp_path / "home"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(WHEELHOUSE),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "CLEARANCE_OSV_URL": f"http://127.0.0.1:{closed}/v1/query",
        "LANG": "C.UTF-8",
    }
    started = time.monotonic()
    done = subprocess.run(
        ["bash", "-c", FIRST_COMMAND],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    seconds = time.monotonic() - started
    print(f"README first command: {seconds:.1f}s")  # the figure, shown with pytest -s
    assert done.returncode == 0, done.stderr[-3000:]
    assert "audited against the bundled PyPA advisory snapshot of 2024-10-10" in done.stderr
    assert "clearance run: passed" in done.stderr
    example = clone / "examples" / "service"
    (wheel,) = (example / "dist").glob("hello_service-*.whl")
    with SqliteLedger(example / DEFAULT_PATH) as ledger:
        rows = [(d.environment, d.digest, d.state) for d in ledger.history()]
    assert rows == [("dev", str(file_digest(wheel)), State.SUCCESS)]
