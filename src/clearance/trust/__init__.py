"""Trust: verify Sigstore bundles and in-toto attestations against identity policies.

`verify` is the core (`verify_artifacts(subjects, policy, trust) -> list[Verdict]`), `policy`
the identity policy built on the Fulcio certificate claims of `claims`, `roots` the trust
roots, `bundles` the bundle naming and loading, `provenance` the SLSA predicate checks.
sigstore-python does every cryptographic check; this package decides what to ask of it.
"""
