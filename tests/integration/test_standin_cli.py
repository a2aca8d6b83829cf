"""`python -m tests.standins serve ...`: the stand-ins as processes, as act runs use them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from sigstore.models import ClientTrustConfig
from sigstore.oidc import IdentityToken
from sigstore.sign import SigningContext
from sigstore.verify import Verifier, policy

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


@contextmanager
def served(
    service: str, state_dir: Path, *extra: str
) -> Iterator[tuple[dict[str, Any], subprocess.Popen[str]]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.standins",
            "serve",
            service,
            "--port",
            "0",
            "--state-dir",
            str(state_dir),
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else ""
        yield json.loads(line), process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def test_the_github_stand_in_serves_until_sigterm_and_leaves_its_state(tmp_path: Path) -> None:
    with served("github", tmp_path, "--repo", "acme/app") as (info, process):
        token = Path(info["token_file"]).read_text()
        assert token not in json.dumps(info)  # the token is in a file, not in the output
        response = requests.post(
            f"{info['api_url']}/repos/acme/app/deployments",
            json={"ref": "main", "environment": "staging", "required_contexts": []},
            headers={"Authorization": f"token {token}"},
            timeout=10,
        )
        assert response.status_code == 201
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    state = json.loads(Path(info["state_file"]).read_text())
    assert [d["environment"] for d in state["acme/app"]["deployments"]] == ["staging"]
    assert json.loads(Path(info["problems_file"]).read_text()) == []


def test_a_problem_seen_by_a_served_stand_in_makes_it_exit_1(tmp_path: Path) -> None:
    with served("github", tmp_path) as (info, process):
        token = Path(info["token_file"]).read_text()
        requests.post(
            f"{info['api_url']}/repos/octo-org/octo-repo/deployments",
            json={"ref": 5},
            headers={"Authorization": f"token {token}"},
            timeout=10,
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 1
    assert (
        json.loads(Path(info["problems_file"]).read_text())[0]["where"] == "repos/create-deployment"
    )


def test_served_oidc_and_sigstore_processes_sign_together(tmp_path: Path) -> None:
    with served("oidc", tmp_path) as (oidc, _), served("sigstore", tmp_path) as (sigstore, _):
        request_token = Path(oidc["request_token_file"]).read_text()
        token = requests.get(
            oidc["request_url"],
            params={"audience": "sigstore"},
            headers={"Authorization": f"Bearer {request_token}"},
            timeout=10,
        ).json()["value"]
        config = ClientTrustConfig.from_json(Path(sigstore["trust_config"]).read_text())
        with SigningContext.from_trust_config(config).signer(IdentityToken(token)) as signer:
            bundle = signer.sign_artifact(b"built in an act run")
        identity = policy.Identity(
            identity="https://github.com/octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main",
            issuer="https://token.actions.githubusercontent.com",
        )
        Verifier(trusted_root=config.trusted_root).verify_artifact(
            b"built in an act run", bundle, identity
        )
