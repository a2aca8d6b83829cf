"""`actions/sign` and `actions/attest` from a consumer workflow under act, with the runner OIDC
endpoint and the Sigstore instance started by the test (their URLs and trust config passed
through env and inputs), then `actions/verify` on what they made.

One run covers: several files signed keylessly (outputs `bundle-files`, `verify-command`);
provenance, scan and SBOM attestations (`statement-digest`); the provenance filled with that
run's facts (act's run id, the consumer commit, the event payload's ids); the identity policy
passing for this workflow and failing for another; a key-based signature and attestation
verified with the public key; and no identity token anywhere in the log.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.e2e.harness import CHECKOUT, CHECKOUT_COMMENT, git
from tests.events import make_event
from tests.standins.actions_oidc import ActionsOidcStandIn
from tests.standins.sigstore_instance import SigstoreInstance
from tests.standins.tokens import ActionsRun

pytestmark = pytest.mark.e2e

SIGN = "clearance-dev/clearance/actions/sign@v1"
ATTEST = "clearance-dev/clearance/actions/attest@v1"
VERIFY = "clearance-dev/clearance/actions/verify@v1"
REPOSITORY = "clearance-dev/consumer"
WORKFLOW_REF = f"{REPOSITORY}/.github/workflows/release.yml@refs/heads/main"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
REPORT = {
    "$schema": "https://clearance.dev/schema/report/v1.json",
    "version": 1,
    "tool": {"name": "clearance", "version": "0.1.0"},
    "outcome": "pass",
    "fail_on": "low",
    "counts": {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0},
    "runs": [],
}
SBOM = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": []}


def workflow(trust_config: Path) -> str:
    return f"""\
name: release
on: push
permissions: {{}}
jobs:
  release:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: {CHECKOUT} {CHECKOUT_COMMENT}
        with:
          persist-credentials: false
      - id: sign
        uses: {SIGN}
        with:
          files: dist/*.tar.gz dist/*.whl
          trust-config: {trust_config}
      - id: provenance
        uses: {ATTEST}
        with:
          type: provenance
          files: dist/app.tar.gz dist/app.whl
          trust-config: {trust_config}
      - id: scan
        uses: {ATTEST}
        with:
          type: scan
          files: dist/app.tar.gz
          report: scan.json
          trust-config: {trust_config}
          summary: "false"
      - id: sbom
        uses: {ATTEST}
        with:
          type: sbom
          files: dist/app.tar.gz
          sbom: sbom.cdx.json
          trust-config: {trust_config}
          summary: "false"
      - id: verify
        uses: {VERIFY}
        with:
          artifacts: dist/app.tar.gz
          kinds: signature provenance scan sbom
          repository: {REPOSITORY}
          workflow: .github/workflows/release.yml
          ref: refs/heads/main
          trust-config: {trust_config}
          summary: "false"
      - id: another-workflow
        continue-on-error: true
        uses: {VERIFY}
        with:
          artifacts: dist/app.tar.gz
          repository: {REPOSITORY}
          workflow: .github/workflows/ci.yml
          trust-config: {trust_config}
          summary: "false"
      - id: key-sign
        uses: {SIGN}
        with:
          files: offline/tool.bin
          key: keys/signing.key
          summary: "false"
      - id: key-attest
        uses: {ATTEST}
        with:
          type: sbom
          files: offline/tool.bin
          sbom: sbom.cdx.json
          key: keys/signing.key
          summary: "false"
      - id: key-verify
        uses: {VERIFY}
        with:
          artifacts: offline/tool.bin
          kinds: signature sbom
          key: keys/signing.pub
          summary: "false"
      - name: keep what was made
        shell: bash
        run: cp -r dist offline "$STANDIN_RUN_DIR/"
"""


def private_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_sign_and_attest_actions_under_act(
    consumer_repo,
    run_act,
    run_cli,
    actions_oidc: ActionsOidcStandIn,
    sigstore_instance: SigstoreInstance,
) -> None:  # type: ignore[no-untyped-def]
    trust_config = sigstore_instance.trust_config_path
    repo: Path = consumer_repo(
        {
            ".github/workflows/release.yml": workflow(trust_config),
            "dist/app.tar.gz": "the application\n",
            "dist/app.whl": "the wheel\n",
            "offline/tool.bin": "a tool for an air-gapped network\n",
            "scan.json": json.dumps(REPORT),
            "sbom.cdx.json": json.dumps(SBOM),
            "keys/signing.key": private_key_pem(),
        }
    )
    sha = git(repo, "rev-parse", "HEAD").strip()
    # The job's token says what GitHub would: this repository, workflow, ref and commit.
    actions_oidc.run = ActionsRun(
        repository=REPOSITORY,
        repository_owner="clearance-dev",
        ref="refs/heads/main",
        sha=sha,
        workflow="release",
        workflow_ref=WORKFLOW_REF,
        workflow_sha=sha,
        job_workflow_ref=WORKFLOW_REF,
        job_workflow_sha=sha,
        event_name="push",
    )
    event = make_event(
        "push",
        ref="refs/heads/main",
        after=sha,
        repository={"id": 424242, "full_name": REPOSITORY, "owner": {"id": 171717}},
    )

    result = run_act(
        ".github/workflows/release.yml", repo=repo, event_payload=event, env=actions_oidc.env()
    )

    steps = result.steps["release"]
    for step in ("sign", "provenance", "scan", "sbom", "verify", "key-sign", "key-attest"):
        assert steps[step] == "success", result.describe()
    assert steps["key-verify"] == "success", result.describe()
    assert steps["another-workflow"] == "failure"
    [mismatch] = result.annotations_of(step="another-workflow", level="error")
    assert "workflow-mismatch" in mismatch.message

    signed = result.output("release", "sign")
    assert [Path(p).name for p in signed["bundle-files"].splitlines()] == [
        "app.tar.gz.sigstore.json",
        "app.whl.sigstore.json",
    ]
    assert shlex.split(signed["verify-command"]) == [
        "clearance", "verify", "dist/app.tar.gz", "dist/app.whl",
        "--repository", REPOSITORY, "--workflow", ".github/workflows/release.yml",
        "--ref", "refs/heads/main", "--trust-config", str(trust_config),
    ]  # fmt: skip
    for step in ("provenance", "scan", "sbom", "key-attest"):
        assert result.output("release", step)["statement-digest"].startswith("sha256:")
    verified = result.output("release", "verify")
    assert (verified["outcome"], verified["verified-count"]) == ("verified", "4")
    assert result.output("release", "key-verify")["verified-count"] == "2"
    assert sigstore_instance.counts["fulcio/signingCert"] == 4  # one per signing step

    # The provenance carries this run's facts.
    kept = result.run_dir
    bundle = json.loads((kept / "dist/app.tar.gz.provenance.sigstore.json").read_text())
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    predicate = statement["predicate"]
    definition = predicate["buildDefinition"]
    assert definition["externalParameters"]["workflow"] == {
        "ref": "refs/heads/main",
        "repository": f"https://github.com/{REPOSITORY}",
        "path": ".github/workflows/release.yml",
    }
    assert definition["internalParameters"]["github"] == {
        "event_name": "push",
        "repository_id": "424242",
        "repository_owner_id": "171717",
        "runner_environment": "github-hosted",
    }
    assert definition["resolvedDependencies"] == [
        {
            "uri": f"git+https://github.com/{REPOSITORY}@refs/heads/main",
            "digest": {"gitCommit": sha},
        }
    ]
    invocation = predicate["runDetails"]["metadata"]["invocationId"]
    assert re.fullmatch(rf"https://github.com/{REPOSITORY}/actions/runs/\d+/attempts/1", invocation)
    assert actions_oidc.run.run_id not in invocation  # act's run, not the token's default
    assert predicate["runDetails"]["builder"]["id"] == f"https://github.com/{WORKFLOW_REF}"

    # The printed command verifies what was kept, outside the run.
    again = run_cli(*shlex.split(signed["verify-command"])[1:], cwd=kept)
    assert again.code == 0, again.stdout + again.stderr

    # No identity token in the log. Each token was masked (`::add-mask::`, which the runner
    # consumes: act's JSON log keeps the command's raw text in that one event, and shows
    # "***"); every other event, the outputs, summaries and act's stderr are free of it.
    assert len(actions_oidc.issued) == 4
    masks = [e for e in result.log if e.get("command") == "add-mask"]
    assert len(masks) == 4 and all(e["msg"].strip().endswith("***") for e in masks)
    tokens = [str(e["arg"]) for e in masks]
    assert all(JWT.fullmatch(token) for token in tokens)
    others = [json.dumps(e) for e in result.log if e.get("command") != "add-mask"]
    text = "\n".join([*others, result.stderr, *result.summaries.values()])
    assert not JWT.search(text), "an identity token is in the act log"
    assert not any(token.split(".")[2] in text for token in tokens)
