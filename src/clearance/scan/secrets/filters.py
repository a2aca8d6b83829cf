"""False-alarm filters, written as detect-secrets filter functions.

detect-secrets calls a filter with the arguments its parameter names ask for (`secret`,
`line`, `filename`, `plugin`, `context`); a filter returning True drops the potential secret.
clearance registers these by import path next to detect-secrets' own, so they work from a
detect-secrets configuration too (`filters_used: [{"path": "clearance.scan.secrets.filters.is_placeholder"}]`).

Each filter removes one documented kind of non-secret and none hides a real token format:
filters about hashes, commit ids, file data and UUIDs apply only to the generic detectors
(entropy and keyword), never to a token rule whose documented format matched.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
from collections import Counter
from typing import Any

from clearance.scan.secrets.plugins import PLACEHOLDER_WORDS, TokenRuleDetector

# --- placeholders ---------------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"example|x{4,}|your[_-]?[a-z0-9_-]*[_-]?here|change[_-]?me|replace[_-]?me|placeholder"
    r"|redacted|dummy|not[_-]?a[_-]?(?:real[_-]?)?secret|fake[_-]?(?:key|token|secret|password)"
    r"|\*{3,}|^<.*>$|^\$\{.*\}$|^\{\{.*\}\}$|^\.+$",
    re.IGNORECASE,
)
_ALPHABET_RUNS = ("abcdefghijklmnopqrstuvwxyz", "0123456789" * 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_RUN = 16


def is_placeholder(secret: str, plugin: Any) -> bool:
    """A stand-in, not a credential: `EXAMPLE`, `your_..._here`, `changeme`, `<...>`,
    `${VAR}`, `{{ var }}`, `xxxx`, `****`, mostly one repeated character, a 16-character run
    of the alphabet or the digits (typed, never generated), or a keyword value that is just a
    word like `password` or `PASSWORD`."""
    if _PLACEHOLDER.search(secret):
        return True
    if len(secret) >= 8 and max(Counter(secret).values()) >= 0.85 * len(secret):
        return True
    if type(plugin).__name__ == "KeywordDetector" and secret.lower() in PLACEHOLDER_WORDS:
        return True
    return any(
        run[i : i + _RUN] in secret for run in _ALPHABET_RUNS for i in range(len(run) - _RUN + 1)
    )


# --- environment and template look-ups --------------------------------------------------------

_REFERENCE = re.compile(
    r"^(?:\$\{?\w+\}?|\$\(.*\)|%\w+%|\{\{.*\}\}|\$\{\{.*\}\}|(?:env|secrets|vars|inputs)\.\w+)$",
    re.IGNORECASE,
)
_LOOKUP = re.compile(
    r"os\.environ|os\.getenv|getenv\(|process\.env|ENV\[|ENV\.fetch|System\.getenv|"
    r"GetEnvironmentVariable|\$\{\{\s*(?:secrets|env|vars|inputs)\.",
    re.IGNORECASE,
)


def is_environment_lookup(secret: str, line: str) -> bool:
    """The value is read from the environment or a secret store, not written down:
    `$VAR`, `${VAR}`, `%VAR%`, `${{ secrets.X }}`, or the name inside `os.environ[...]`,
    `os.getenv(...)`, `process.env.X`, `ENV[...]`."""
    if _REFERENCE.match(secret):
        return True
    if not _LOOKUP.search(line):
        return False
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", secret))


# --- hashes, digests and commit ids -------------------------------------------------------------

_HASH_PREFIX = re.compile(
    r"(?:sha(?:1|224|256|384|512)|md5|blake2[bs]?|h1|xxh64|crc32)(?:\s*[:=-]\s*|\s*=\s*[\"'])[\"']?$",
    re.IGNORECASE,
)
_SRI = re.compile(r"^(?:sha(?:1|256|384|512))[-:]", re.IGNORECASE)
_INTEGRITY = re.compile(r"\bintegrity\b|--hash[= ]|\bchecksum\b|\bhashes\b", re.IGNORECASE)


def _before(secret: str, line: str) -> str:
    index = line.find(secret)
    return line[:index] if index >= 0 else ""


def is_lockfile_or_integrity_hash(secret: str, line: str) -> bool:
    """Lock-file and SRI hashes: `sha512-...` integrity values, `--hash=sha256:...`,
    `"sha256:..."`, `h1:...=` (go.sum), `@sha256:...` image digests."""
    if _SRI.match(secret):
        return True
    before = _before(secret, line).rstrip(" \t\"'")
    if _HASH_PREFIX.search(before + ":") or _HASH_PREFIX.search(_before(secret, line)):
        return True
    return bool(_INTEGRITY.search(line)) and bool(re.fullmatch(r"[A-Za-z0-9+/=_-]{32,}", secret))


def _is_generic(plugin: Any) -> bool:
    """The entropy and keyword detectors: they match shapes, not documented formats."""
    name = type(plugin).__name__
    return name in {"Base64HighEntropyString", "HexHighEntropyString", "KeywordDetector"}


_HEX_DIGEST_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})
_DIGEST_CONTEXT = re.compile(
    r"sha|md5|digest|checksum|hash|fingerprint|commit|revision|\brev\b|\bref\b|\bgit\b|object|oid",
    re.IGNORECASE,
)


def is_digest_or_commit_id(secret: str, line: str, plugin: Any, context: Any) -> bool:
    """A hex digest or git object id found by a generic detector: a SHA after `@`
    (`uses: owner/action@<sha>`, `image@sha256:<digest>`), a bare element of a list, or a value
    where the line or its neighbours speak of hashes, checksums, commits or revisions."""
    if not _is_generic(plugin):
        return False
    if not re.fullmatch(r"[0-9a-fA-F]+", secret) or len(secret) not in _HEX_DIGEST_LENGTHS:
        return False
    before = _before(secret, line)
    if before.endswith("@") or re.search(r"@sha\d+:$", before):
        return True
    if not before.strip(" \t\"'[(,"):
        return True  # a bare element of a list of hashes, not a value assigned to a key
    lines = list(getattr(context, "lines", ()) or ()) or [line]
    return any(_DIGEST_CONTEXT.search(text) for text in lines)


# --- file data ------------------------------------------------------------------------------------

_MAGIC = (
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"%PDF",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"wOFF",
    b"wOF2",
    b"\x00\x00\x01\x00",
    b"RIFF",
    b"<svg",
    b"<?xml",
    b"BM",
    b"\x00asm",
)


def is_file_data(secret: str, line: str, plugin: Any) -> bool:
    """Base64 of a file (an image in a data URI, a font): it decodes to a known file
    signature, or follows `base64,`."""
    if not _is_generic(plugin):
        return False
    if _before(secret, line).endswith("base64,"):
        return True
    head = secret[:24]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4))
    except (binascii.Error, ValueError):
        return False
    return decoded.startswith(_MAGIC)


# --- UUIDs ---------------------------------------------------------------------------------------

_UUID = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}", re.IGNORECASE)
_UUID_KEY_PLUGINS = frozenset(
    {"KeywordDetector", "NpmDetector", "CurlAuthHeaderDetector", "CurlBasicAuthDetector"}
)


def is_uuid_outside_key_context(secret: str, plugin: Any) -> bool:
    """A UUID is an identifier, unless a key context says otherwise: a rule whose documented
    format is a UUID (Heroku, HubSpot, Snyk), a `password =` / `_authToken=` assignment, or an
    `Authorization` header. Replaces detect-secrets' `is_potential_uuid`."""
    if not _UUID.search(secret):
        return False
    if isinstance(plugin, TokenRuleDetector) and plugin.rule.expects_uuid:
        return False
    return type(plugin).__name__ not in _UUID_KEY_PLUGINS


# --- public key material ----------------------------------------------------------------------------

_PUBLIC_KEY_LINE = re.compile(
    r"\b(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com)\s+AAAA"
    r"|BEGIN (?:PGP )?PUBLIC KEY|BEGIN CERTIFICATE|(?:public|pub)[_-]?key\w*[\"']?\s*[:=]",
    re.IGNORECASE,
)
_PUBLIC_SUFFIXES = (
    ".pub",
    ".crt",
    ".cer",
    ".cert",
    ".sigstore",
    ".sigstore.json",
    ".intoto.jsonl",
    ".asc",
)
_SIGSTORE_KEYS = re.compile(
    r"\"(?:rawBytes|signature|sig|canonicalizedBody|signedEntryTimestamp|logId|keyId|keyid|rootHash|hashes"
    r"|checkpoint|payload|digest|publicKey|certificate|rawCertificate|envelope|inclusionPromise|body"
    r"|logIndex|integratedTime|treeSize|hash|value|sha256|sha512)\"\s*:",
)
_SIGSTORE_MARKERS = re.compile(
    r"sigstore|tlogEntries|verificationMaterial|inclusionProof|dsseEnvelope|messageSignature|in-toto|intoto"
    r"|x509CertificateChain|predicateType",
)


def is_public_key_material(
    secret: str, line: str, filename: str, plugin: Any, context: Any
) -> bool:
    """Public material is not secret: SSH public keys, PEM public keys and certificates,
    `public_key = ...` assignments, `.pub`/`.crt`/`.asc` files, and the signatures,
    certificates, digests and log proofs of Sigstore bundles and in-toto attestations."""
    if type(plugin).__name__ == "PrivateKeyDetector" or "PRIVATE KEY" in line:
        return False
    name = os.path.basename(filename).lower()
    if name.endswith(_PUBLIC_SUFFIXES):
        return True
    if _PUBLIC_KEY_LINE.search(line) and _is_generic(plugin):
        return True
    if _SIGSTORE_KEYS.search(line):
        if "sigstore" in name or "intoto" in name or "attestation" in name or "provenance" in name:
            return True
        lines = list(getattr(context, "lines", ()) or ())
        return any(_SIGSTORE_MARKERS.search(text) for text in lines)
    return False


# --- tokens that are not credentials -----------------------------------------------------------

_FORM_TOKEN = re.compile(r"authenticity_token|csrf|xsrf|nonce|anti[_-]?forgery", re.IGNORECASE)


def is_form_token(secret: str, line: str, plugin: Any) -> bool:
    """Per-request anti-forgery values (`authenticity_token`, CSRF/XSRF tokens, nonces) found
    by a generic detector: they protect one form, they grant nothing."""
    return _is_generic(plugin) and bool(_FORM_TOKEN.search(line))


def is_part_of_longer_token(secret: str, line: str, plugin: Any) -> bool:
    """A match of one of detect-secrets' own token patterns (which have no word boundaries)
    that starts inside a longer word (`TODAYINASIAASACK...` holds no `ASIA...` key): a real
    token starts on its own. clearance's own rules state their boundaries in the pattern."""
    if (
        _is_generic(plugin)
        or isinstance(plugin, TokenRuleDetector)
        or not hasattr(plugin, "denylist")
    ):
        return False
    index = line.find(secret)
    return index > 0 and line[index - 1].isalnum()


def is_not_alphanumeric_outside_rules(secret: str, plugin: Any) -> bool:
    """detect-secrets' `is_not_alphanumeric_string` (a secret has at least one letter), except
    for clearance's rules, whose documented formats include all-digit IDs and secrets."""
    from detect_secrets.filters.heuristic import is_not_alphanumeric_string

    return not isinstance(plugin, TokenRuleDetector) and bool(is_not_alphanumeric_string(secret))


def is_known_example(secret: str) -> bool:
    """A credential published as an example in vendor documentation or SDK sources (kept
    as SHA-256 digests in `clearance.scan.secrets.known_examples`)."""
    from clearance.scan.secrets.known_examples import is_known_example as known

    return known(secret)


CLEARANCE_FILTERS: tuple[str, ...] = tuple(
    f"{__name__}.{name}"
    for name in (
        "is_placeholder",
        "is_environment_lookup",
        "is_lockfile_or_integrity_hash",
        "is_digest_or_commit_id",
        "is_file_data",
        "is_uuid_outside_key_context",
        "is_public_key_material",
        "is_form_token",
        "is_part_of_longer_token",
        "is_not_alphanumeric_outside_rules",
        "is_known_example",
    )
)
"""The import paths of clearance's filters, as detect-secrets configuration names them."""


@functools.cache
def documented_filters() -> dict[str, str]:
    """Each filter's path and the first sentence of its documentation (for the README/--help)."""
    import sys

    module = sys.modules[__name__]
    result = {}
    for path in CLEARANCE_FILTERS:
        function = getattr(module, path.rsplit(".", 1)[1])
        result[path] = " ".join((function.__doc__ or "").split())
    return result
