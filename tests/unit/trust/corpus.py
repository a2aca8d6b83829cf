"""The Sigstore bundle corpus in tests/data/sigstore-bundles: cases and helpers for tests.

Only each case's inputs (bundle, artifact or digest, identity, issuer, GitHub policy, instance)
and its `expected` verdict are read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data" / "sigstore-bundles"
CASES_DIR = DATA / "cases"


@dataclass(frozen=True)
class Case:
    id: str
    instance: str
    expected: str
    identity: str
    issuer: str
    artifact: Path | None
    digest: str | None
    gh_policy: dict[str, str] = field(default_factory=dict)

    @property
    def bundle(self) -> Path:
        return CASES_DIR / self.id / "bundle.sigstore.json"

    @property
    def subject(self) -> str:
        return str(self.artifact) if self.artifact is not None else str(self.digest)

    def cli_args(self) -> list[str]:
        """`clearance verify` arguments naming exactly this case's inputs and policy."""
        args = [self.subject, "--bundle", str(self.bundle)]
        args += ["--cert-identity", self.identity, "--issuer", self.issuer]
        if "repository" in self.gh_policy:
            args += ["--repository", self.gh_policy["repository"]]
        if self.instance == "staging":
            args.append("--staging")
        return args


def load_cases() -> list[Case]:
    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    cases = []
    for raw in manifest["cases"]:
        artifact = CASES_DIR / raw["id"] / raw["artifact"] if raw.get("artifact") else None
        cases.append(
            Case(
                id=raw["id"],
                instance=raw["instance"],
                expected=raw["expected"],
                identity=raw["identity"],
                issuer=raw["issuer"],
                artifact=artifact,
                digest=raw.get("digest"),
                gh_policy=dict(raw.get("gh_policy") or {}),
            )
        )
    return cases


CASES = load_cases()
BY_ID = {case.id: case for case in CASES}
