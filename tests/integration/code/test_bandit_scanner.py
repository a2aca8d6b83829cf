"""The code scanner on real bandit: same findings as `bandit -r`, cache, shards, config,
nosec, baselines by fingerprint."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clearance.errors import ExitCode

SAMPLES = {
    "pkg/shell.py": "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n",
    "pkg/crypto.py": "import hashlib\n\n\ndef h(x):\n    return hashlib.md5(x).hexdigest()\n",
    "pkg/pickle_use.py": "import pickle\n\n\ndef load(b):\n    return pickle.loads(b)\n",
    "pkg/yaml_use.py": "import yaml\n\n\ndef load(t):\n    return yaml.load(t)\n",
    "pkg/asserts.py": "def f(x):\n    assert x\n    assert x\n    return x\n",
    "pkg/tmp.py": "def f():\n    return open('/tmp/x', 'w')\n",
    "pkg/eval_use.py": "def f(s):\n    return eval(s)\n",
    "pkg/clean.py": "def add(a, b):\n    return a + b\n",
    "pkg/nosec.py": "import subprocess  # nosec\n",
}


def make_tree(root: Path, files: dict[str, str] = SAMPLES, copies: int = 1) -> Path:
    for i in range(copies):
        for name, text in files.items():
            target = root / (name if copies == 1 else name.replace("pkg/", f"pkg{i}/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    return root


def scan_json(run_cli, root: Path, *args: str) -> dict:
    r = run_cli("scan", "code", "--format", "json", "--fail-on", "none", *args, cwd=root)
    assert r.code == ExitCode.OK, r.stderr
    return json.loads(r.stdout)


def finding_set(doc: dict) -> set[tuple[str, str, int]]:
    return {
        (f["rule_id"], f["location"]["path"], f["location"]["start_line"])
        for run in doc["runs"]
        for f in run["findings"]
        if f["suppression"] is None
    }


def bandit_set(root: Path) -> set[tuple[str, str, int]]:
    done = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", ".", "-f", "json", "-q"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    doc = json.loads(done.stdout)
    return {
        (r["test_id"], r["filename"].removeprefix("./"), r["line_number"]) for r in doc["results"]
    }


def test_findings_equal_bandit_r(tmp_path: Path, run_cli) -> None:
    root = make_tree(tmp_path, copies=6)
    ours = finding_set(scan_json(run_cli, root, "--no-cache", "--jobs", "2"))
    assert ours == bandit_set(root)
    assert ("B602", "pkg0/shell.py", 5) in ours
    assert not any(path.endswith("nosec.py") for _, path, _ in ours)  # '# nosec' honoured


def test_sharded_and_single_process_agree(tmp_path: Path, run_cli) -> None:
    root = make_tree(tmp_path, copies=8)
    one = scan_json(run_cli, root, "--no-cache", "--jobs", "1")
    two = scan_json(run_cli, root, "--no-cache", "--jobs", "2")
    assert one["runs"][0]["findings"] == two["runs"][0]["findings"]


def test_an_unchanged_file_is_never_analysed_twice(tmp_path: Path, run_cli) -> None:
    root = make_tree(tmp_path)
    first = scan_json(run_cli, root)
    assert first["runs"][0]["stats"]["analysed"] == len(SAMPLES)
    second = scan_json(run_cli, root)
    assert second["runs"][0]["stats"] == {
        **first["runs"][0]["stats"],
        "analysed": 0,
        "cached": len(SAMPLES),
    }
    assert second["runs"][0]["findings"] == first["runs"][0]["findings"]
    (root / "pkg/clean.py").write_text("def add(a, b):\n    return eval('a + b')\n")
    third = scan_json(run_cli, root)
    assert third["runs"][0]["stats"]["analysed"] == 1
    assert ("B307", "pkg/clean.py", 2) in finding_set(third)


def test_a_corrupt_cache_is_rebuilt_not_fatal(tmp_path: Path, run_cli, monkeypatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("CLEARANCE_CACHE_DIR", str(cache))
    root = make_tree(tmp_path / "repo")
    cache.mkdir()
    (cache / "code.sqlite").write_bytes(b"this is not a database" * 100)
    assert scan_json(run_cli, root)["runs"][0]["stats"]["analysed"] == len(SAMPLES)
    assert scan_json(run_cli, root)["runs"][0]["stats"]["analysed"] == 0


def test_tool_bandit_skips_are_honoured_and_change_the_cache_key(tmp_path: Path, run_cli) -> None:
    root = make_tree(tmp_path)
    assert any(r == "B101" for r, _, _ in finding_set(scan_json(run_cli, root)))
    (root / "pyproject.toml").write_text("[tool.bandit]\nskips = ['B101']\n")
    doc = scan_json(run_cli, root)
    assert not any(r == "B101" for r, _, _ in finding_set(doc))
    assert doc["runs"][0]["stats"]["analysed"] == len(SAMPLES)


def test_thresholds_filter_severity_and_confidence(tmp_path: Path, run_cli) -> None:
    root = make_tree(tmp_path)
    everything = finding_set(scan_json(run_cli, root))
    high = finding_set(scan_json(run_cli, root, "--severity-level", "high"))
    assert high and high < everything
    assert ("B101", "pkg/asserts.py", 2) not in high


def test_explicit_files_still_obey_config_excludes(tmp_path: Path, run_cli) -> None:
    root = make_tree(tmp_path)
    (root / "clearance.toml").write_text("exclude = ['pkg/shell.py']\n")
    doc = scan_json(run_cli, root, "pkg/shell.py", "pkg/eval_use.py")
    assert {p for _, p, _ in finding_set(doc)} == {"pkg/eval_use.py"}


def test_git_repositories_scan_tracked_and_unignored_files(tmp_path: Path, run_cli) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = make_tree(tmp_path)
    (root / ".gitignore").write_text("pkg/eval_use.py\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=60)
    paths = {p for _, p, _ in finding_set(scan_json(run_cli, root))}
    assert "pkg/shell.py" in paths and "pkg/eval_use.py" not in paths


def test_fingerprints_survive_insertions_above_and_distinguish_identical_lines(
    tmp_path: Path, run_cli
) -> None:
    root = make_tree(tmp_path)

    def fps(doc: dict) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = {}
        for f in doc["runs"][0]["findings"]:
            out.setdefault((f["rule_id"], f["location"]["path"]), []).append(f["fingerprint"])
        return out

    before = fps(scan_json(run_cli, root))
    asserts = before[("B101", "pkg/asserts.py")]
    assert len(set(asserts)) == 2  # two identical `assert x` lines
    for name in ("pkg/asserts.py", "pkg/shell.py"):
        path = root / name
        path.write_text("# a comment\n\nCONSTANT = 1\n" + path.read_text())
    after = fps(scan_json(run_cli, root))
    assert after == before
    (root / "pkg/shell.py").write_text(SAMPLES["pkg/shell.py"].replace("call(cmd", "call(other"))
    changed = fps(scan_json(run_cli, root))
    assert changed[("B602", "pkg/shell.py")] != before[("B602", "pkg/shell.py")]


def test_baseline_accepts_known_findings_but_not_a_new_identical_one(
    tmp_path: Path, run_cli
) -> None:
    root = make_tree(tmp_path)
    r = run_cli("scan", "code", "--baseline", "base.json", "--update-baseline", cwd=root)
    assert r.code == ExitCode.OK
    assert run_cli("scan", "code", "--baseline", "base.json", cwd=root).code == ExitCode.OK
    shell = root / "pkg/shell.py"
    shell.write_text(
        shell.read_text() + "\n\ndef run2(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    )
    r = run_cli("scan", "code", "--baseline", "base.json", "--format", "json", cwd=root)
    assert r.code == ExitCode.FAILED
    active = [f for f in json.loads(r.stdout)["runs"][0]["findings"] if f["suppression"] is None]
    assert [(f["rule_id"], f["location"]["path"]) for f in active] == [("B602", "pkg/shell.py")]


def test_hardcoded_password_values_never_reach_reports(tmp_path: Path, run_cli) -> None:
    root = make_tree(
        tmp_path, {"app.py": 'password = "Tr0ub4dor&3-horse"\nconnect(password="s3cr3t-value-x")\n'}
    )
    for fmt in ("text", "json", "sarif", "markdown", "github"):
        r = run_cli("scan", "code", "--format", fmt, "--fail-on", "none", cwd=root)
        assert "B105" in r.stdout or "B106" in r.stdout
        assert "Tr0ub4dor" not in r.stdout and "s3cr3t-value" not in r.stdout
