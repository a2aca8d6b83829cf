"""Optional uploads of signing results to GitHub, through PyGithub.

- `attach_to_release(tag, bundles)`: each bundle becomes an asset of the release with that tag
  (its file name, `application/json`). The release must exist; an asset of the same name is
  refused rather than replaced (a bundle is evidence: nothing is overwritten silently).
- `upload_to_release(tag, files, create=...)`: the release files themselves (a package's wheel
  and sdist, with their bundles), creating the release for the tag when there is none yet
  (`clearance release upload`); the same no-overwrite rule.
- `comment_on_pull_request(number, body, head_sha=...)`: a comment on a pull request, for a
  `workflow_run` job reporting the scan of a pull request from a fork (`clearance pr comment`);
  with `head_sha`, only when that commit belongs to that pull request.
- `store_attestation(bundle)`: GitHub's attestations API (`POST /repos/{owner}/{repo}/attestations`),
  which `gh attestation verify` and the repository's attestations page read. Not every
  repository has it (private repositories without GitHub Enterprise Cloud, GitHub Enterprise
  Server): a 404 or 403 is answered with a notice and the bundle stays a local file.

The repository, API URL and token come from the runner's environment (`GITHUB_REPOSITORY`,
`GITHUB_API_URL`, `GITHUB_TOKEN`), never from arguments. Every request has a timeout; no
message contains the token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clearance.errors import ServiceError, UsageError, VerificationError

DEFAULT_API_URL = "https://api.github.com"
TIMEOUT_SECONDS = 30
UNSUPPORTED = (403, 404)


@dataclass(frozen=True)
class GitHubTarget:
    api_url: str
    repository: str
    token: str
    server_url: str = "https://github.com"

    def __repr__(self) -> str:
        return f"GitHubTarget(api_url={self.api_url!r}, repository={self.repository!r})"


def github_target(env: Mapping[str, str], what: str) -> GitHubTarget:
    """Where to upload, from the environment; `UsageError` saying what to set."""
    token = env.get("GITHUB_TOKEN", "").strip()
    repository = env.get("GITHUB_REPOSITORY", "").strip()
    if not token:
        raise UsageError(
            f"{what} needs GITHUB_TOKEN in the environment "
            "(env: GITHUB_TOKEN: ${{ github.token }}, with the permission it needs)"
        )
    if not repository or "/" not in repository:
        raise UsageError(f"{what} needs GITHUB_REPOSITORY (owner/name) in the environment")
    return GitHubTarget(
        api_url=(env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
        repository=repository,
        token=token,
        server_url=(env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
    )


@dataclass(frozen=True)
class UploadedAsset:
    name: str
    url: str


@dataclass(frozen=True)
class PublishedRelease:
    """A release and the assets just uploaded to it."""

    tag: str
    url: str
    created: bool
    assets: tuple[UploadedAsset, ...]


def content_type(path: Path) -> str:
    """The asset's media type: JSON bundles as JSON, the rest by extension, else bytes."""
    import mimetypes

    if path.name.endswith(".json"):
        return "application/json"
    if path.suffix == ".whl":
        return "application/zip"
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


@dataclass(frozen=True)
class StoredAttestation:
    """An attestation GitHub stored (`id`), or why it did not (`notice`)."""

    id: int | None
    url: str | None = None
    notice: str | None = None


class GitHubPublisher:
    """Uploads to one repository."""

    def __init__(self, target: GitHubTarget, *, timeout: int = TIMEOUT_SECONDS) -> None:
        import github

        self.target = target
        self._client = github.Github(
            base_url=target.api_url,
            auth=github.Auth.Token(target.token),
            timeout=timeout,
            retry=None,
            lazy=True,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> GitHubPublisher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _fail(self, action: str, exc: Exception) -> ServiceError:
        import requests
        from github import GithubException

        if isinstance(exc, GithubException):
            message = exc.data.get("message") if isinstance(exc.data, dict) else None
            detail = f"HTTP {exc.status}" + (f": {message}" if message else "")
        elif isinstance(exc, requests.RequestException):
            detail = f"unreachable ({type(exc).__name__})"
        else:
            detail = type(exc).__name__
        return ServiceError(f"GitHub API at {self.target.api_url}: {action}: {detail}")

    def attach_to_release(self, tag: str, files: Sequence[Path]) -> list[UploadedAsset]:
        """Upload each file as an asset of the release `tag`."""
        from github import UnknownObjectException

        where = f"release {tag} of {self.target.repository}"
        try:
            release = self._call(f"reading {where}", lambda: self._repo().get_release(tag))
        except UnknownObjectException:
            raise UsageError(f"--attach-to-release: there is no {where}: create it first") from None
        return self._upload(release, files, where, "--attach-to-release")

    def upload_to_release(
        self,
        tag: str,
        files: Sequence[Path],
        *,
        create: bool = True,
        name: str | None = None,
        notes: str = "",
        commitish: str | None = None,
    ) -> PublishedRelease:
        """Upload FILES as assets of the release `tag`, created first when `create` and absent."""
        from github import UnknownObjectException

        where = f"release {tag} of {self.target.repository}"
        repo = self._call(f"reading {self.target.repository}", self._repo)
        created = False
        try:
            release = self._call(f"reading {where}", lambda: repo.get_release(tag))
        except UnknownObjectException:
            if not create:
                raise UsageError(f"there is no {where}: create it, or drop --no-create") from None
            extra = {"target_commitish": commitish} if commitish else {}
            release = self._call(
                f"creating {where}",
                lambda: repo.create_git_release(tag, name=name or tag, message=notes, **extra),
            )
            created = True
        assets = self._upload(release, files, where, "release upload")
        return PublishedRelease(
            tag=tag, url=release.html_url, created=created, assets=tuple(assets)
        )

    def comment_on_pull_request(
        self, number: int, body: str, *, head_sha: str | None = None
    ) -> UploadedAsset:
        """Comment on pull request `number`; with `head_sha`, refuse (exit 1) when that commit
        is not one of the pull request's: a number read from an untrusted artifact must not
        let one pull request's run comment on another."""
        where = f"pull request #{number} of {self.target.repository}"
        repo = self._call(f"reading {self.target.repository}", self._repo)
        if head_sha:
            numbers = self._call(
                f"reading the pull requests of {head_sha[:12]}",
                lambda: [pr.number for pr in repo.get_commit(head_sha).get_pulls()],
            )
            if number not in numbers:
                raise VerificationError(
                    f"commit {head_sha[:12]} is not part of {where} "
                    f"(its pull requests: {', '.join(f'#{n}' for n in numbers) or 'none'})"
                )
        comment = self._call(
            f"commenting on {where}",
            lambda: repo.get_issue(number).create_comment(body),
        )
        return UploadedAsset(name=f"#{number}", url=comment.html_url)

    def _repo(self) -> Any:
        return self._client.get_repo(self.target.repository)

    def _call(self, action: str, call: Any) -> Any:
        """CALL(), with API and network failures as `ServiceError` (404s pass through)."""
        import requests
        from github import GithubException, UnknownObjectException

        try:
            return call()
        except UnknownObjectException:
            raise
        except (GithubException, requests.RequestException) as exc:
            raise self._fail(action, exc) from None

    def _upload(
        self, release: Any, files: Sequence[Path], where: str, what: str
    ) -> list[UploadedAsset]:
        existing = {
            asset.name
            for asset in self._call(f"reading {where}", lambda: list(release.get_assets()))
        }
        clashes = sorted(f.name for f in files if f.name in existing)
        if clashes:
            raise UsageError(
                f"{what}: {where} already has {', '.join(clashes)}: "
                "assets are not replaced; delete those assets or release under a new tag"
            )
        uploaded: list[UploadedAsset] = []
        for path in files:
            asset = self._call(
                f"uploading {path.name} to {where}",
                lambda path=path: release.upload_asset(
                    str(path), name=path.name, content_type=content_type(path)
                ),
            )
            uploaded.append(UploadedAsset(name=asset.name, url=asset.browser_download_url))
        return uploaded

    def store_attestation(self, bundle_json: str) -> StoredAttestation:
        """Store a DSSE bundle with GitHub's attestations API, or say why it could not."""
        import requests
        from github import GithubException

        path = f"/repos/{self.target.repository}/attestations"
        bundle: dict[str, Any] = json.loads(bundle_json)
        try:
            _, data = self._client.requester.requestJsonAndCheck(
                "POST", path, input={"bundle": bundle}
            )
        except GithubException as exc:
            if exc.status in UNSUPPORTED:
                message = exc.data.get("message") if isinstance(exc.data, dict) else None
                return StoredAttestation(
                    id=None,
                    notice=(
                        f"GitHub did not store the attestation (HTTP {exc.status}"
                        + (f": {message}" if message else "")
                        + f"): {self.target.repository} has no attestations API for this token "
                        "(private repositories need GitHub Enterprise Cloud; the job needs "
                        "`permissions: attestations: write`). The bundles are written locally."
                    ),
                )
            raise self._fail("storing the attestation", exc) from None
        except requests.RequestException as exc:
            raise self._fail("storing the attestation", exc) from None
        ident = data.get("id") if isinstance(data, dict) else None
        if not isinstance(ident, int):
            raise ServiceError(
                f"GitHub API at {self.target.api_url}: stored the attestation without an id"
            )
        url = f"{self.target.server_url}/{self.target.repository}/attestations/{ident}"
        return StoredAttestation(id=ident, url=url)
