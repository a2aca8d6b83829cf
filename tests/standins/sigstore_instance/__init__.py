"""Sigstore stand-in: Fulcio-like CA, Rekor-v1-like log, token minter and trust config."""

from .instance import SigstoreInstance

__all__ = ["SigstoreInstance"]
