"""`clearance scan secrets` end to end through `main(argv)` on real git repositories: modes,
baselines, inline allowlisting, and redaction of every output."""

from __future__ import annotations

import json
import random
import re
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.unit.secrets.test_corpus import CORPUS

pytestmark = pytest.mark.integration

# Fresh fake tokens in documented formats (not from any corpus).
_RANDOM = random.Random(20240611)
_ALNUM = string.ascii_letters + string.digits
GITHUB = "ghp_" + "".join(_RANDOM.choices(_ALNUM, k=36))
ANTHROPIC = "sk-ant-api03-" + "".join(_RANDOM.choices(_ALNUM + "-_", k=93)) + "AA"
PASSWORD = "Tr0ub4dor&3horse"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def make_repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    commit(path, files, "initial")
    return path


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


def findings(stdout: str) -> list[dict[str, Any]]:
    return list(json.loads(stdout)["runs"][0]["findings"])


def active_places(stdout: str) -> set[tuple[str, int, str]]:
    return {
        (f["location"]["path"], f["location"]["start_line"], f["rule_id"])
        for f in findings(stdout)
        if f["suppression"] is None
    }


def test_default_scan_reads_tracked_files_only_and_fails_on_findings(
    run_cli, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": f'TOKEN = "{GITHUB}"\n', "ok.py": "x = 1\n"})
    (repo / "untracked.py").write_text(f'KEY = "{GITHUB}"\n')

    result = run_cli("scan", "secrets", "--format", "json", cwd=repo)
    assert result.code == 1
    assert active_places(result.stdout) == {("app.py", 1, "secret/github-pat")}

    everything = run_cli("scan", "secrets", "--all-files", "--format", "json", cwd=repo)
    assert {p for p, _, _ in active_places(everything.stdout)} == {"app.py", "untracked.py"}


def test_staged_mode_reads_the_index_not_the_work_tree(run_cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "x = 1\n"})
    (repo / "app.py").write_text(f'x = 1\nTOKEN = "{GITHUB}"\n')
    git(repo, "add", "app.py")
    (repo / "app.py").write_text("x = 1\n")  # the work tree is clean again, the index is not

    result = run_cli("scan", "secrets", "--staged", "--format", "json", cwd=repo)
    assert active_places(result.stdout) == {("app.py", 2, "secret/github-pat")}
    assert result.code == 1


def test_diff_mode_reports_only_added_lines(run_cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"old.py": f'OLD = "{GITHUB}"\n'})
    base = git(repo, "rev-parse", "HEAD")
    commit(
        repo,
        {"new.py": f'x = 1\nKEY = "{ANTHROPIC}"\n', "old.py": f'OLD = "{GITHUB}"\ny = 2\n'},
        "add",
    )

    result = run_cli("scan", "secrets", "--diff", f"{base}..HEAD", "--format", "json", cwd=repo)
    assert active_places(result.stdout) == {("new.py", 2, "secret/anthropic-api-key")}


def _event(tmp_path: Path, payload: dict[str, Any]) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return str(path)


def test_diff_auto_on_a_force_push_with_an_unreachable_base_scans_the_pushed_commits(
    run_cli, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "r", {"old.py": f'OLD = "{GITHUB}"\n'})
    first = commit(repo, {"a.py": f'A = "{ANTHROPIC}"\n'}, "pushed 1")
    second = commit(repo, {"b.py": f'password = "{PASSWORD}"\n'}, "pushed 2")
    payload = {
        "ref": "refs/heads/main",
        "before": "0123456789abcdef0123456789abcdef01234567",  # rewritten away: not in the clone
        "after": second,
        "forced": True,
        "commits": [{"id": first}, {"id": second}],
        "repository": {"default_branch": "main"},
    }
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": _event(tmp_path, payload),
    }

    result = run_cli(
        "scan", "secrets", "--diff", "auto", "--format", "json", "--no-summary", cwd=repo, env=env
    )
    assert active_places(result.stdout) == {
        ("a.py", 1, "secret/anthropic-api-key"),
        ("b.py", 1, "secret/secret-keyword"),
    }
    notices = json.loads(result.stdout)["runs"][0]["notices"]
    assert any("pushed commit" in n["message"] for n in notices)


def test_diff_auto_on_a_pull_request_scans_from_the_merge_base(run_cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"old.py": f'OLD = "{GITHUB}"\n'})
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-qb", "feature")
    head = commit(repo, {"feature.py": f'K = "{ANTHROPIC}"\n'}, "feature")
    payload = {
        "pull_request": {
            "base": {"sha": base, "ref": "main"},
            "head": {"sha": head, "ref": "feature"},
        }
    }
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": _event(tmp_path, payload),
    }

    result = run_cli(
        "scan", "secrets", "--diff", "auto", "--format", "json", "--no-summary", cwd=repo, env=env
    )
    assert active_places(result.stdout) == {("feature.py", 1, "secret/anthropic-api-key")}


def test_diff_auto_for_a_new_branch_without_pushed_commits_scans_the_whole_tree(
    run_cli, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "r", {"old.py": f'OLD = "{GITHUB}"\n'})
    payload = {"before": "0" * 40, "after": git(repo, "rev-parse", "HEAD"), "commits": []}
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": _event(tmp_path, payload),
    }

    result = run_cli(
        "scan", "secrets", "--diff", "auto", "--format", "json", "--no-summary", cwd=repo, env=env
    )
    assert active_places(result.stdout) == {("old.py", 1, "secret/github-pat")}


def test_history_mode_finds_a_secret_removed_since_once(run_cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": f'TOKEN = "{GITHUB}"\n'})
    introduced = git(repo, "rev-parse", "HEAD")
    commit(repo, {"app.py": f'TOKEN = "{GITHUB}"\nx = 1\n'}, "same secret, new blob")
    commit(repo, {"app.py": "x = 1\n"}, "removed")

    result = run_cli("scan", "secrets", "--history", "--format", "json", cwd=repo)
    found = [f for f in findings(result.stdout) if f["rule_id"] == "secret/github-pat"]
    assert len(found) == 1
    assert found[0]["properties"]["commit"] == introduced
    assert run_cli("scan", "secrets", "--format", "json", cwd=repo).code == 0


def test_inline_allowlisting_and_ignores_with_a_reason(run_cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            "a.py": f'T = "{GITHUB}"  # pragma: allowlist secret\n',
            "b.py": f'# clearance: ignore[github-pat] test fixture, revoked\nT = "{GITHUB}"\n',
            "c.py": f'T = "{GITHUB}"  # clearance: ignore[github-pat]\n',
        },
    )
    result = run_cli("scan", "secrets", "--format", "json", cwd=repo)
    by_path = {f["location"]["path"]: f for f in findings(result.stdout)}
    assert by_path["a.py"]["suppression"] == {
        "kind": "inline",
        "reason": "pragma: allowlist secret",
    }
    assert by_path["b.py"]["suppression"] == {"kind": "inline", "reason": "test fixture, revoked"}
    assert by_path["c.py"]["suppression"] is None  # no reason: not honoured, and said so
    assert any(
        "needs a reason" in n["message"] for n in json.loads(result.stdout)["runs"][0]["notices"]
    )


def test_an_existing_detect_secrets_baseline_is_honoured_as_is(run_cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r", {"app.py": f'password = "{PASSWORD}"\n', "cfg.py": f'T = "{GITHUB}"\n'}
    )
    made = subprocess.run(
        [str(Path(sys.executable).parent / "detect-secrets"), "scan", "app.py", "cfg.py"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    (repo / ".secrets.baseline").write_text(made.stdout)
    commit(repo, {"new.py": f'K = "{ANTHROPIC}"\n'}, "new secret")

    result = run_cli(
        "scan", "secrets", "--baseline", ".secrets.baseline", "--format", "json", cwd=repo
    )
    assert active_places(result.stdout) == {("new.py", 1, "secret/anthropic-api-key")}
    suppressed = {f["location"]["path"] for f in findings(result.stdout) if f["suppression"]}
    assert suppressed == {"app.py", "cfg.py"}


def test_updated_baseline_is_churn_free_and_line_independent(run_cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": f'TOKEN = "{GITHUB}"\nK = "{ANTHROPIC}"\n'})
    assert (
        run_cli("scan", "secrets", "--baseline", "b.json", "--update-baseline", cwd=repo).code == 0
    )
    first = (repo / "b.json").read_text()
    commit(repo, {"app.py": f'"""doc"""\n\nTOKEN = "{GITHUB}"\nK = "{ANTHROPIC}"\n'}, "lines move")
    assert (
        run_cli("scan", "secrets", "--baseline", "b.json", "--update-baseline", cwd=repo).code == 0
    )
    assert (repo / "b.json").read_text() == first
    assert run_cli("scan", "secrets", "--baseline", "b.json", cwd=repo).code == 0


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"format": "something-else"}',
        '["a", "b"]',
        '{"results": {"a.py": [{"type": "x"}]}, "version": "1"}',
    ],
    ids=["corrupt", "foreign", "list", "detect-secrets-without-hashes"],
)
def test_a_corrupt_or_foreign_baseline_is_one_line_exit_2(
    run_cli, tmp_path: Path, content: str
) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "x = 1\n"})
    (repo / "b.json").write_text(content)
    result = run_cli("scan", "secrets", "--baseline", "b.json", cwd=repo)
    assert result.code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_binary_and_oversized_files_are_skipped_and_counted(run_cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"big.txt": "x" * 2048 + f'\nT = "{GITHUB}"\n', "app.py": "x = 1\n"},
    )
    (repo / "blob.bin").write_bytes(b"\0\x01" + f'T = "{GITHUB}"'.encode())
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "bin")
    result = run_cli("scan", "secrets", "--max-file-size", "1024", "--format", "json", cwd=repo)
    run = json.loads(result.stdout)["runs"][0]
    assert run["findings"] == []
    assert run["stats"]["skipped"] == 2


# --- redaction ----------------------------------------------------------------------------------


def _planted() -> list[tuple[str, str]]:
    """Corpus positives (file text, secret) from every provider family: planted in a repository."""
    rows = [json.loads(line) for line in (CORPUS / "labels.jsonl").read_text().splitlines() if line]
    chosen = [
        r
        for r in rows
        if r["label"] == "positive"
        and len(r["secret"]) >= 12
        and re.fullmatch(r"[\w.+/=~-]+", r["secret"])
    ][::6]
    return [((CORPUS / "files" / r["file"]).read_text(), r["secret"]) for r in chosen]


def _pieces(secret: str) -> set[str]:
    """Every 8-character piece of a secret past its public prefix (the first 8 characters may
    be a documented prefix such as `sk-ant-a`)."""
    tail = secret[8:]
    return {tail[i : i + 8] for i in range(max(0, len(tail) - 7))}


def test_planted_secrets_never_appear_in_any_output(run_cli, tmp_path: Path, monkeypatch) -> None:
    planted = _planted()
    repo = make_repo(tmp_path / "r", {f"f{i}/{i}.txt": text for i, (text, _) in enumerate(planted)})
    out = tmp_path / "out"
    out.mkdir()
    summary, outputs = out / "summary.md", out / "outputs.txt"
    summary.touch()
    outputs.touch()
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
    }
    written: list[str] = []
    for fmt in ("text", "json", "sarif", "markdown", "github"):
        result = run_cli(
            "scan",
            "secrets",
            "--format",
            fmt,
            "--sarif-file",
            str(out / f"{fmt}.sarif"),
            "-o",
            str(out / f"report.{fmt}"),
            "-v",
            cwd=repo,
            env=env,
        )
        assert result.code == 1
        written += [result.stdout, result.stderr]
    assert (
        run_cli(
            "scan",
            "secrets",
            "--baseline",
            str(out / "baseline.json"),
            "--update-baseline",
            cwd=repo,
        ).code
        == 0
    )

    # A forced error after the scan, under -v: the traceback is scrubbed too.
    import clearance.commands.scanning as scanning

    def explode(*args: object, **kwargs: object) -> int:
        raise RuntimeError(f"boom while writing {planted[0][1]} and {planted[1][1]}")

    monkeypatch.setattr(scanning, "render", explode)
    import clearance.commands.scan_secrets as command

    monkeypatch.setattr(command, "emit", lambda *a, **k: explode())
    failed = run_cli("scan", "secrets", "-v", cwd=repo)
    assert failed.code == 3 and "Traceback" in failed.stderr
    written += [failed.stdout, failed.stderr]
    written += [p.read_text(errors="replace") for p in out.iterdir() if p.is_file()]

    everything = "\n".join(written)
    assert "[REDACTED]" in failed.stderr
    for _, secret in planted:
        assert secret not in everything
        leaked = [piece for piece in _pieces(secret) if piece in everything]
        assert not leaked, f"pieces of a planted secret were written: {len(leaked)}"
