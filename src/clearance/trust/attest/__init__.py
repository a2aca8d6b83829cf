"""In-toto statements clearance signs: SLSA provenance, scan results, SBOMs.

`statement` builds the in-toto Statement v1 around subjects (artifact digests); `slsa` the
SLSA v1 provenance predicate of a GitHub Actions build; `scan` clearance's scan-result
predicate; `sbom` the CycloneDX predicate. Each is pure: facts in, JSON out.
"""
