"""GitHub API stand-in: REST and GraphQL on loopback, validated against GitHub's descriptions."""

from .server import GitHubStandIn, TokenGrant
from .state import GitHubState

__all__ = ["GitHubStandIn", "GitHubState", "TokenGrant"]
