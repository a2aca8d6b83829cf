"""Serve a stand-in from the command line, for act runs (README.md in this folder).

    python -m tests.standins serve github|sigstore|oidc --port 0 --state-dir DIR

prints one JSON line (URLs and paths of the files it keeps in DIR; never a secret's value),
then serves until SIGTERM or SIGINT, when it writes its final state, counters and problems to
DIR and exits 0 (1 if a problem was recorded). The OIDC endpoint and the Sigstore CA share
the Actions issuer key in DIR, so tokens from one are accepted by the other whatever the
start order.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .actions_oidc import ActionsOidcStandIn
from .github_api import GitHubStandIn
from .loopback import Problems
from .sigstore_instance import SigstoreInstance
from .tokens import ActionsRun, TokenIssuer

ISSUER_KEY = "actions-oidc-issuer.pem"


def _write_secret(path: Path, value: str) -> None:
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)


def _problems_json(problems: Problems) -> list[dict[str, str]]:
    return [{"kind": p.kind, "where": p.where, "message": p.message} for p in problems]


def serve_github(
    args: argparse.Namespace, state_dir: Path
) -> tuple[dict[str, Any], Callable[[], bool]]:
    standin = GitHubStandIn(
        repositories=tuple(args.repo or ["octo-org/octo-repo"]), port=args.port
    ).start()
    token_file = state_dir / "github-token"
    _write_secret(token_file, standin.token)

    def finish() -> bool:
        standin.stop()
        (state_dir / "github-state.json").write_text(json.dumps(standin.state.snapshot(), indent=2))
        (state_dir / "github-counts.json").write_text(json.dumps(dict(standin.counts), indent=2))
        problems = _problems_json(standin.problems)
        (state_dir / "github-problems.json").write_text(json.dumps(problems, indent=2))
        return not problems

    return {
        "service": "github",
        "server_url": standin.server_url,
        "api_url": standin.api_url,
        "graphql_url": standin.graphql_url,
        "uploads_url": standin.uploads_url,
        "token_file": str(token_file),
        "state_file": str(state_dir / "github-state.json"),
        "problems_file": str(state_dir / "github-problems.json"),
    }, finish


def serve_oidc(
    args: argparse.Namespace, state_dir: Path
) -> tuple[dict[str, Any], Callable[[], bool]]:
    run = ActionsRun(**json.loads(Path(args.claims).read_text())) if args.claims else ActionsRun()
    issuer = TokenIssuer.load_or_create(state_dir / ISSUER_KEY)
    standin = ActionsOidcStandIn(run, issuer=issuer, port=args.port).start()
    token_file = state_dir / "oidc-request-token"
    _write_secret(token_file, standin.request_token)

    def finish() -> bool:
        standin.stop()
        (state_dir / "oidc-issued.json").write_text(json.dumps(standin.issued, indent=2))
        return not len(standin.problems)

    return {
        "service": "oidc",
        "url": standin.url,
        "request_url": standin.request_url,
        "request_token_file": str(token_file),
        "issuer": issuer.issuer,
        "issued_file": str(state_dir / "oidc-issued.json"),
    }, finish


def serve_sigstore(
    args: argparse.Namespace, state_dir: Path
) -> tuple[dict[str, Any], Callable[[], bool]]:
    actions_issuer = TokenIssuer.load_or_create(state_dir / ISSUER_KEY)
    standin = SigstoreInstance(
        trusted_issuers=[actions_issuer], port=args.port, state_dir=state_dir
    ).start()

    def finish() -> bool:
        standin.stop()
        (state_dir / "sigstore-counts.json").write_text(json.dumps(dict(standin.counts), indent=2))
        (state_dir / "sigstore-rejections.json").write_text(
            json.dumps(standin.rejections, indent=2)
        )
        return not len(standin.problems)

    return {
        "service": "sigstore",
        "url": standin.url,
        "trust_config": str(standin.trust_config_path),
    }, finish


SERVICES = {"github": serve_github, "sigstore": serve_sigstore, "oidc": serve_oidc}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.standins",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve one stand-in on 127.0.0.1 until SIGTERM")
    serve.add_argument("service", choices=sorted(SERVICES))
    serve.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    serve.add_argument(
        "--state-dir", type=Path, required=True, help="where keys, tokens and state files go"
    )
    serve.add_argument(
        "--repo", action="append", help="github: a repository to serve (owner/name), repeatable"
    )
    serve.add_argument(
        "--claims", help="oidc: JSON file of ActionsRun fields for the simulated run"
    )
    args = parser.parse_args(argv)

    args.state_dir.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    description, finish = SERVICES[args.service](args, args.state_dir)
    print(json.dumps(description), flush=True)
    while not stop.wait(0.2):
        pass
    return 0 if finish() else 1


if __name__ == "__main__":
    sys.exit(main())
