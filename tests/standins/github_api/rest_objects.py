"""REST representations of the state, in the shapes GitHub's OpenAPI description gives them
(every response is validated against it, so a field missing here fails loudly). URLs are built
from the stand-in's own origin in GitHub Enterprise Server's layout: the API under /api/v3,
uploads under /api/uploads, GraphQL at /api/graphql, web pages at the root."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .state import (
    CheckRun,
    Commit,
    CommitStatus,
    Deployment,
    DeploymentStatus,
    Environment,
    IssueComment,
    PullRequest,
    Release,
    ReleaseAsset,
    Repository,
    Tag,
    User,
    github_time,
    node_id,
)

JSON = dict[str, Any]


def _time(moment: datetime | None) -> str | None:
    return github_time(moment) if moment else None


@dataclass(frozen=True)
class Urls:
    server: str  # http://127.0.0.1:PORT

    @property
    def api(self) -> str:
        return f"{self.server}/api/v3"

    @property
    def uploads(self) -> str:
        return f"{self.server}/api/uploads"

    @property
    def graphql(self) -> str:
        return f"{self.server}/api/graphql"

    def repo_api(self, repo: Repository) -> str:
        return f"{self.api}/repos/{repo.full_name}"

    def repo_html(self, repo: Repository) -> str:
        return f"{self.server}/{repo.full_name}"


class Rest:
    """Renders state objects as REST JSON."""

    def __init__(self, urls: Urls) -> None:
        self.urls = urls

    # ------------------------------------------------------------------ people and repos
    def user(self, user: User) -> JSON:
        api = f"{self.urls.api}/users/{user.login}"
        return {
            "login": user.login,
            "id": user.id,
            "node_id": user.node_id,
            "avatar_url": f"{self.urls.server}/avatars/u/{user.id}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{self.urls.server}/{user.login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": user.type,
            "user_view_type": "public",
            "site_admin": False,
        }

    def repository(self, repo: Repository, *, full: bool = True) -> JSON:
        api, html = self.urls.repo_api(repo), self.urls.repo_html(repo)
        templated = {
            "archive_url": "/{archive_format}{/ref}",
            "assignees_url": "/assignees{/user}",
            "blobs_url": "/git/blobs{/sha}",
            "branches_url": "/branches{/branch}",
            "collaborators_url": "/collaborators{/collaborator}",
            "comments_url": "/comments{/number}",
            "commits_url": "/commits{/sha}",
            "compare_url": "/compare/{base}...{head}",
            "contents_url": "/contents/{+path}",
            "git_commits_url": "/git/commits{/sha}",
            "git_refs_url": "/git/refs{/sha}",
            "git_tags_url": "/git/tags{/sha}",
            "issue_comment_url": "/issues/comments{/number}",
            "issue_events_url": "/issues/events{/number}",
            "issues_url": "/issues{/number}",
            "keys_url": "/keys{/key_id}",
            "labels_url": "/labels{/name}",
            "milestones_url": "/milestones{/number}",
            "notifications_url": "/notifications{?since,all,participating}",
            "pulls_url": "/pulls{/number}",
            "releases_url": "/releases{/id}",
            "statuses_url": "/statuses/{sha}",
            "trees_url": "/git/trees{/sha}",
        }
        plain = {
            "contributors_url": "/contributors",
            "deployments_url": "/deployments",
            "downloads_url": "/downloads",
            "events_url": "/events",
            "forks_url": "/forks",
            "hooks_url": "/hooks",
            "languages_url": "/languages",
            "merges_url": "/merges",
            "stargazers_url": "/stargazers",
            "subscribers_url": "/subscribers",
            "subscription_url": "/subscription",
            "tags_url": "/tags",
            "teams_url": "/teams",
        }
        host = self.urls.server.split("://", 1)[1]
        body: JSON = {
            "id": repo.id,
            "node_id": repo.node_id,
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": self.user(repo.owner),
            "private": repo.private,
            "html_url": html,
            "description": repo.description,
            "fork": False,
            "url": api,
            **{key: api + suffix for key, suffix in {**templated, **plain}.items()},
            "git_url": f"git://{host}/{repo.full_name}.git",
            "ssh_url": f"git@{host.split(':')[0]}:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": "Python",
            "forks_count": 0,
            "forks": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "size": 128,
            "default_branch": repo.default_branch,
            "open_issues_count": 0,
            "open_issues": 0,
            "is_template": False,
            "topics": [],
            "has_issues": True,
            "has_projects": True,
            "has_wiki": True,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": repo.visibility,
            "pushed_at": _time(repo.pushed_at),
            "created_at": _time(repo.created_at),
            "updated_at": _time(repo.pushed_at),
            "allow_forking": True,
            "web_commit_signoff_required": False,
            "license": None,
        }
        if full:
            body |= {
                "network_count": 0,
                "subscribers_count": 1,
                "permissions": {
                    "admin": True,
                    "maintain": True,
                    "push": True,
                    "triage": True,
                    "pull": True,
                },
                "allow_rebase_merge": True,
                "allow_squash_merge": True,
                "allow_merge_commit": True,
                "allow_auto_merge": False,
                "delete_branch_on_merge": False,
            }
        return body

    # ------------------------------------------------------------------ git
    def commit(self, repo: Repository, commit: Commit, *, with_files: bool = True) -> JSON:
        api = self.urls.repo_api(repo)
        html = self.urls.repo_html(repo)
        author = repo.world.users.get(commit.author_login or "")

        def person(p: Any) -> JSON:
            return {"name": p.name, "email": p.email, "date": github_time(p.date)}

        additions = sum(f.additions for f in commit.files)
        deletions = sum(f.deletions for f in commit.files)
        body: JSON = {
            "sha": commit.sha,
            "node_id": node_id("C", repo.id, int(commit.sha[:12], 16)),
            "url": f"{api}/commits/{commit.sha}",
            "html_url": f"{html}/commit/{commit.sha}",
            "comments_url": f"{api}/commits/{commit.sha}/comments",
            "commit": {
                "url": f"{api}/git/commits/{commit.sha}",
                "author": person(commit.author),
                "committer": person(commit.committer),
                "message": commit.message,
                "comment_count": 0,
                "tree": {"sha": commit.tree_sha, "url": f"{api}/git/trees/{commit.tree_sha}"},
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "payload": None,
                    "signature": None,
                    "verified_at": None,
                },
            },
            "author": self.user(author) if author else {},
            "committer": self.user(author) if author else {},
            "parents": [
                {"sha": p, "url": f"{api}/commits/{p}", "html_url": f"{html}/commit/{p}"}
                for p in commit.parents
            ],
        }
        if with_files:
            body["stats"] = {
                "additions": additions,
                "deletions": deletions,
                "total": additions + deletions,
            }
            body["files"] = [self.diff_entry(repo, commit.sha, f) for f in commit.files]
        return body

    def diff_entry(self, repo: Repository, sha: str, change: Any) -> JSON:
        html = self.urls.repo_html(repo)
        return {
            "sha": change.sha,
            "filename": change.filename,
            "status": change.status,
            "additions": change.additions,
            "deletions": change.deletions,
            "changes": change.additions + change.deletions,
            "blob_url": f"{html}/blob/{sha}/{change.filename}",
            "raw_url": f"{html}/raw/{sha}/{change.filename}",
            "contents_url": f"{self.urls.repo_api(repo)}/contents/{change.filename}?ref={sha}",
            "patch": change.patch,
        }

    def git_ref(self, repo: Repository, ref: str, sha: str) -> JSON:
        kind = "tag" if sha in repo.tags else "commit"
        plural = "tags" if kind == "tag" else "commits"
        api = self.urls.repo_api(repo)
        return {
            "ref": ref,
            "node_id": node_id("REF", repo.id, int(sha[:12], 16)),
            "url": f"{api}/git/{ref}",
            "object": {"type": kind, "sha": sha, "url": f"{api}/git/{plural}/{sha}"},
        }

    def git_tag(self, repo: Repository, tag: Tag) -> JSON:
        api = self.urls.repo_api(repo)
        plural = "tags" if tag.object_type == "tag" else f"{tag.object_type}s"
        return {
            "node_id": node_id("TAG", repo.id, int(tag.sha[:12], 16)),
            "tag": tag.tag,
            "sha": tag.sha,
            "url": f"{api}/git/tags/{tag.sha}",
            "message": tag.message,
            "tagger": {
                "name": tag.tagger.name,
                "email": tag.tagger.email,
                "date": github_time(tag.tagger.date),
            },
            "object": {
                "type": tag.object_type,
                "sha": tag.object_sha,
                "url": f"{api}/git/{plural}/{tag.object_sha}",
            },
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "payload": None,
                "signature": None,
                "verified_at": None,
            },
        }

    # ------------------------------------------------------------------ statuses and checks
    def status(self, repo: Repository, status: CommitStatus) -> JSON:
        return {
            "url": f"{self.urls.repo_api(repo)}/statuses/{status.sha}",
            "avatar_url": f"{self.urls.server}/avatars/u/{status.creator.id}?v=4",
            "id": status.id,
            "node_id": status.node_id,
            "state": status.state,
            "description": status.description,
            "target_url": status.target_url,
            "context": status.context,
            "created_at": github_time(status.created_at),
            "updated_at": github_time(status.updated_at),
            "creator": self.user(status.creator),
        }

    def combined_status(
        self, repo: Repository, sha: str, latest: list[CommitStatus], state: str
    ) -> JSON:
        api = self.urls.repo_api(repo)
        return {
            "state": state,
            "sha": sha,
            "total_count": len(latest),
            "statuses": [
                {key: value for key, value in self.status(repo, s).items() if key != "creator"}
                | {"required": False}
                for s in latest
            ],
            "repository": self.repository(repo, full=False),
            "commit_url": f"{api}/commits/{sha}",
            "url": f"{api}/commits/{sha}/status",
        }

    def check_run(self, repo: Repository, run: CheckRun) -> JSON:
        api, html = self.urls.repo_api(repo), self.urls.repo_html(repo)
        actions = repo.world.user("github-actions[bot]")
        return {
            "id": run.id,
            "node_id": run.node_id,
            "head_sha": run.head_sha,
            "external_id": run.external_id,
            "url": f"{api}/check-runs/{run.id}",
            "html_url": f"{html}/runs/{run.id}",
            "details_url": run.details_url,
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": _time(run.started_at),
            "completed_at": _time(run.completed_at),
            "output": {
                "title": run.output.get("title"),
                "summary": run.output.get("summary"),
                "text": run.output.get("text"),
                "annotations_count": len(run.output.get("annotations", [])),
                "annotations_url": f"{api}/check-runs/{run.id}/annotations",
            },
            "name": run.name,
            "check_suite": {"id": run.check_suite_id},
            "app": {
                "id": 15368,
                "slug": "github-actions",
                "node_id": "MDM6QXBwMTUzNjg=",
                "owner": self.user(repo.world.user("github", type="Organization")),
                "name": "GitHub Actions",
                "description": "Automate your workflow from idea to production",
                "external_url": "https://help.github.com/en/actions",
                "html_url": f"{self.urls.server}/apps/github-actions",
                "created_at": "2018-07-30T09:30:17Z",
                "updated_at": "2024-04-10T20:33:16Z",
                "permissions": {
                    "checks": "write",
                    "contents": "write",
                    "deployments": "write",
                    "issues": "write",
                    "metadata": "read",
                },
                "events": ["check_run", "deployment", "deployment_status", "push", "release"],
                "client_id": f"Iv1.{actions.id:016x}",
            },
            "pull_requests": [
                self.pull_request_minimal(repo, pr)
                for pr in repo.pulls_for_commit(run.head_sha)
                if pr.state == "open"
            ],
        }

    # ------------------------------------------------------------------ deployments
    def deployment(self, repo: Repository, d: Deployment) -> JSON:
        api = self.urls.repo_api(repo)
        return {
            "url": f"{api}/deployments/{d.id}",
            "id": d.id,
            "node_id": d.node_id,
            "sha": d.sha,
            "ref": d.ref,
            "task": d.task,
            "payload": d.payload,
            "original_environment": d.original_environment,
            "environment": d.environment,
            "description": d.description,
            "creator": self.user(d.creator),
            "created_at": github_time(d.created_at),
            "updated_at": github_time(d.updated_at),
            "statuses_url": f"{api}/deployments/{d.id}/statuses",
            "repository_url": api,
            "transient_environment": d.transient_environment,
            "production_environment": d.production_environment,
        }

    def deployment_status(self, repo: Repository, s: DeploymentStatus) -> JSON:
        api = self.urls.repo_api(repo)
        return {
            "url": f"{api}/deployments/{s.deployment_id}/statuses/{s.id}",
            "id": s.id,
            "node_id": s.node_id,
            "state": s.state,
            "creator": self.user(s.creator),
            "description": s.description,
            "environment": s.environment,
            "target_url": s.target_url,
            "created_at": github_time(s.created_at),
            "updated_at": github_time(s.updated_at),
            "deployment_url": f"{api}/deployments/{s.deployment_id}",
            "repository_url": api,
            "environment_url": s.environment_url,
            "log_url": s.log_url,
        }

    def environment(self, repo: Repository, env: Environment) -> JSON:
        rules: list[JSON] = []
        if env.wait_timer:
            rid = env.rule_ids["wait_timer"]
            rules.append(
                {
                    "id": rid,
                    "node_id": node_id("GA", rid),
                    "type": "wait_timer",
                    "wait_timer": env.wait_timer,
                }
            )
        if env.reviewers:
            rid = env.rule_ids["required_reviewers"]
            reviewers = []
            for reviewer in env.reviewers:
                user = repo.world.users.get(str(reviewer.get("login")))
                if user is not None:
                    reviewers.append({"type": "User", "reviewer": self.user(user)})
            rules.append(
                {
                    "id": rid,
                    "node_id": node_id("GA", rid),
                    "type": "required_reviewers",
                    "prevent_self_review": env.prevent_self_review,
                    "reviewers": reviewers,
                }
            )
        if env.deployment_branch_policy:
            rid = env.rule_ids["branch_policy"]
            rules.append({"id": rid, "node_id": node_id("GA", rid), "type": "branch_policy"})
        return {
            "id": env.id,
            "node_id": env.node_id,
            "name": env.name,
            "url": f"{self.urls.repo_api(repo)}/environments/{env.name}",
            "html_url": f"{self.urls.repo_html(repo)}/deployments/activity_log?environments_filter={env.name}",
            "created_at": github_time(env.created_at),
            "updated_at": github_time(env.updated_at),
            "protection_rules": rules,
            "deployment_branch_policy": env.deployment_branch_policy,
        }

    # ------------------------------------------------------------------ releases
    def release(self, repo: Repository, r: Release) -> JSON:
        api, html = self.urls.repo_api(repo), self.urls.repo_html(repo)
        tag_path = r.tag_name if not r.draft else f"untagged-{r.id:x}"
        return {
            "url": f"{api}/releases/{r.id}",
            "html_url": f"{html}/releases/tag/{tag_path}",
            "assets_url": f"{api}/releases/{r.id}/assets",
            "upload_url": f"{self.urls.uploads}/repos/{repo.full_name}/releases/{r.id}/assets{{?name,label}}",
            "tarball_url": f"{api}/tarball/{r.tag_name}",
            "zipball_url": f"{api}/zipball/{r.tag_name}",
            "id": r.id,
            "node_id": r.node_id,
            "tag_name": r.tag_name,
            "target_commitish": r.target_commitish,
            "name": r.name,
            "body": r.body,
            "draft": r.draft,
            "prerelease": r.prerelease,
            "immutable": False,
            "created_at": github_time(r.created_at),
            "published_at": _time(r.published_at),
            "updated_at": github_time(r.updated_at),
            "author": self.user(r.author),
            "assets": [self.release_asset(repo, r, a) for a in r.assets],
        }

    def release_asset(self, repo: Repository, release: Release, a: ReleaseAsset) -> JSON:
        return {
            "url": f"{self.urls.repo_api(repo)}/releases/assets/{a.id}",
            "browser_download_url": f"{self.urls.repo_html(repo)}/releases/download/{release.tag_name}/{a.name}",
            "id": a.id,
            "node_id": a.node_id,
            "name": a.name,
            "label": a.label,
            "state": "uploaded",
            "content_type": a.content_type,
            "size": len(a.content),
            "digest": a.digest,
            "download_count": a.download_count,
            "created_at": github_time(a.created_at),
            "updated_at": github_time(a.updated_at),
            "uploader": self.user(a.uploader),
        }

    # ------------------------------------------------------------------ pulls and issues
    def pull_request_minimal(self, repo: Repository, pr: PullRequest) -> JSON:
        ref = {"id": repo.id, "url": self.urls.repo_api(repo), "name": repo.name}
        return {
            "id": pr.id,
            "number": pr.number,
            "url": f"{self.urls.repo_api(repo)}/pulls/{pr.number}",
            "head": {"ref": pr.head_ref, "sha": pr.head_sha, "repo": ref},
            "base": {"ref": pr.base_ref, "sha": pr.base_sha, "repo": ref},
        }

    def pull_request_simple(self, repo: Repository, pr: PullRequest) -> JSON:
        api, html = self.urls.repo_api(repo), self.urls.repo_html(repo)
        pull_api, issue_api = f"{api}/pulls/{pr.number}", f"{api}/issues/{pr.number}"
        repo_json = self.repository(repo, full=False)

        def side(ref: str, sha: str) -> JSON:
            return {
                "label": f"{repo.owner.login}:{ref}",
                "ref": ref,
                "sha": sha,
                "user": self.user(repo.owner),
                "repo": repo_json,
            }

        links = {
            "self": pull_api,
            "html": f"{html}/pull/{pr.number}",
            "issue": issue_api,
            "comments": f"{issue_api}/comments",
            "review_comments": f"{pull_api}/comments",
            "review_comment": f"{api}/pulls/comments{{/number}}",
            "commits": f"{pull_api}/commits",
            "statuses": f"{api}/statuses/{pr.head_sha}",
        }
        return {
            "url": pull_api,
            "id": pr.id,
            "node_id": pr.node_id,
            "html_url": links["html"],
            "diff_url": f"{html}/pull/{pr.number}.diff",
            "patch_url": f"{html}/pull/{pr.number}.patch",
            "issue_url": issue_api,
            "commits_url": links["commits"],
            "review_comments_url": links["review_comments"],
            "review_comment_url": links["review_comment"],
            "comments_url": links["comments"],
            "statuses_url": links["statuses"],
            "number": pr.number,
            "state": pr.state,
            "locked": False,
            "title": pr.title,
            "user": self.user(pr.user),
            "body": pr.body,
            "labels": [],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": github_time(pr.created_at),
            "updated_at": github_time(pr.updated_at),
            "closed_at": _time(pr.closed_at),
            "merged_at": _time(pr.merged_at),
            "merge_commit_sha": pr.merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": side(pr.head_ref, pr.head_sha),
            "base": side(pr.base_ref, pr.base_sha),
            "_links": {key: {"href": value} for key, value in links.items()},
            "author_association": "MEMBER",
            "auto_merge": None,
            "draft": pr.draft,
        }

    def issue_comment(self, repo: Repository, c: IssueComment) -> JSON:
        api, html = self.urls.repo_api(repo), self.urls.repo_html(repo)
        kind = "pull" if c.issue_number in repo.pulls else "issues"
        return {
            "id": c.id,
            "node_id": c.node_id,
            "url": f"{api}/issues/comments/{c.id}",
            "html_url": f"{html}/{kind}/{c.issue_number}#issuecomment-{c.id}",
            "body": c.body,
            "user": self.user(c.user),
            "created_at": github_time(c.created_at),
            "updated_at": github_time(c.updated_at),
            "issue_url": f"{api}/issues/{c.issue_number}",
            "author_association": "MEMBER",
        }


def payload_text(payload: dict[str, Any] | str) -> str:
    """GraphQL exposes a deployment's payload as a JSON string."""
    return payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
