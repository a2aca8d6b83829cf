"""Token rules as data: one engine serves them all.

Each `TokenRule` says what a credential looks like, written from the provider's documented
format (prefix, alphabet, length, checksum where one exists): never from leaked samples.
`clearance.scan.secrets.plugins` turns every rule into a detect-secrets plugin class.

Two shapes cover almost every provider:

- `token(...)`: a self-identifying token with a public prefix (`ghp_`, `sk-ant-api03-`,
  `glpat-`). The prefix is a keyword for prefiltering and may be shown in reports.
- `keyed(...)`: a credential with no prefix of its own, recognised by the provider's name in
  the key it is assigned to (`asana_client_secret = "..."`, `<twitchToken>value</twitchToken>`)
  and a value of the documented shape. These carry an entropy floor so placeholders such as
  `xxxxxxxx` or `00000000` never match.

Keywords are lower-case literals; at least one must occur on the line (or, for keyed rules,
on the line above) for the rule to run. A rule's pattern names the secret with the group
`secret` (else the whole match is the secret).
"""

from __future__ import annotations

import base64
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from clearance.findings import Confidence, Severity

# A token is not part of a longer token or base64 run on either side.
_LEFT = r"(?<![A-Za-z0-9_+/])"
_RIGHT = r"(?![A-Za-z0-9_+/=])"
# What may follow a keyed value: a quote, space, separator, an escaped newline, or the end.
_KEYED_END = r"(?=[\x60'\"\s;,)\]}<>]|\\[nrt]|$)"
# An assignment (`=`, `:`, `:=`, `::=`, `?=`, `.=`, `+=`, `=>`, `||`) and optional quotes, or a
# comma before a quoted value (`setProperty("KEY", "value")`).
_ASSIGN = r"(?:(?::{0,3}=|\?=|\.=|\+=|=>|:|\|\|)[ \t'\"\x60=]{0,5}|,[ \t]{0,3}['\"\x60])"

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
HEX = "0-9a-f"
ALNUM = "a-z0-9"


def shannon_entropy(value: str) -> float:
    """Bits per character of `value` over its own characters."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum((n / total) * math.log2(n / total) for n in counts.values())


@dataclass(frozen=True)
class TokenRule:
    """What one kind of credential looks like.

    `id` becomes the rule id `secret/<id>`; `name` is the detect-secrets `secret_type`.
    `public_prefix` is the documented, non-secret start of the token: reports may show it for
    long tokens. `context_keyed` rules also accept a bare value on a line below an element or
    key naming the provider (`<twitchToken>` then the value).
    """

    id: str
    name: str
    pattern: str
    keywords: tuple[str, ...]
    severity: Severity = Severity.HIGH
    confidence: Confidence = Confidence.HIGH
    public_prefix: str = ""
    min_entropy: float = 0.0
    ignore_case: bool = False
    context_keyed: bool = False
    value_pattern: str = ""
    """For keyed rules: the value alone (used for the line-below form)."""
    expects_uuid: bool = False
    """The documented format is (or contains) a UUID: the UUID filter must not hide it."""
    validate: Callable[[str], bool] | None = field(default=None, compare=False)
    description: str = ""

    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE if self.ignore_case else 0)

    @property
    def class_name(self) -> str:
        parts = re.split(r"[^A-Za-z0-9]+", self.id)
        return "Clearance" + "".join(p[:1].upper() + p[1:] for p in parts if p) + "Detector"


def token(
    id: str,
    name: str,
    regex: str,
    keywords: tuple[str, ...] | str,
    *,
    prefix: str = "",
    severity: Severity = Severity.HIGH,
    ignore_case: bool = False,
    min_entropy: float = 0.0,
    right: str = _RIGHT,
    expects_uuid: bool = False,
    validate: Callable[[str], bool] | None = None,
) -> TokenRule:
    """A self-identifying token. `regex` matches the whole token (the secret)."""
    words = (keywords,) if isinstance(keywords, str) else keywords
    return TokenRule(
        id=id,
        name=name,
        pattern=f"{_LEFT}(?P<secret>{regex}){right}",
        keywords=tuple(w.lower() for w in words),
        severity=severity,
        public_prefix=prefix,
        ignore_case=ignore_case,
        min_entropy=min_entropy,
        expects_uuid=expects_uuid,
        validate=validate,
    )


def keyed(
    id: str,
    name: str,
    keywords: tuple[str, ...] | str,
    value: str,
    *,
    severity: Severity = Severity.HIGH,
    min_entropy: float = 2.0,
    expects_uuid: bool = False,
    confidence: Confidence = Confidence.MEDIUM,
) -> TokenRule:
    """A credential recognised by the provider's name in its key and the value's shape."""
    words = (keywords,) if isinstance(keywords, str) else keywords
    names = "|".join(re.escape(w) for w in words)
    pattern = (
        rf"(?:{names})[\w.-]{{0,40}}?[ \t'\"]{{0,3}}(?:\w{{1,12}}[ \t]{{1,3}})?{_ASSIGN}"
        rf"(?P<secret>{value}){_KEYED_END}"
    )
    return TokenRule(
        id=id,
        name=name,
        pattern=pattern,
        keywords=tuple(w.lower() for w in words),
        severity=severity,
        confidence=confidence,
        min_entropy=min_entropy,
        ignore_case=True,
        context_keyed=True,
        value_pattern=value,
        expects_uuid=expects_uuid,
    )


def _b64(text: str) -> str:
    """The base64 of a documented, public string some tokens embed (e.g. a host name)."""
    return base64.b64encode(text.encode()).decode().rstrip("=")


H = Severity.HIGH
C = Severity.CRITICAL
M = Severity.MEDIUM
L = Severity.LOW

_BEDROCK_HOST = _b64("bedrock.amazonaws.com")
_BEDROCK_LONG = _b64("BedrockAPIKey-")

RULES: tuple[TokenRule, ...] = (
    # --- AI providers -------------------------------------------------------------------
    token(
        "anthropic-api-key",
        "Anthropic API key",
        r"sk-ant-api\d\d-[A-Za-z0-9_-]{93}AA",
        "sk-ant-api",
        prefix="sk-ant-api03-",
        severity=C,
    ),
    token(
        "anthropic-admin-api-key",
        "Anthropic admin API key",
        r"sk-ant-admin\d\d-[A-Za-z0-9_-]{93}AA",
        "sk-ant-admin",
        prefix="sk-ant-admin01-",
        severity=C,
    ),
    token(
        "openai-api-key",
        "OpenAI API key",
        r"sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{16,150}T3BlbkFJ[A-Za-z0-9_-]{16,150}",
        "t3blbkfj",
        prefix="sk-",
        severity=C,
    ),
    token(
        "perplexity-api-key", "Perplexity API key", r"pplx-[a-zA-Z0-9]{48}", "pplx-", prefix="pplx-"
    ),
    keyed(
        "cohere-api-token",
        "Cohere API key",
        ("cohere", "co_api_key"),
        r"[a-zA-Z0-9]{40}",
        min_entropy=3.0,
    ),
    token(
        "huggingface-access-token",
        "Hugging Face access token",
        r"hf_[a-zA-Z]{34}",
        "hf_",
        prefix="hf_",
    ),
    token(
        "huggingface-organization-api-token",
        "Hugging Face organization API token",
        r"api_org_[a-zA-Z]{34}",
        "api_org_",
        prefix="api_org_",
    ),
    keyed(
        "privateai-api-key",
        "Private AI API key",
        ("privateai", "private_ai", "private-ai"),
        r"[a-z0-9]{32}",
    ),
    # --- Cloud ----------------------------------------------------------------------------
    token(
        "aws-access-key-id",
        "AWS access key ID",
        r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}",
        ("akia", "asia", "abia", "acca", "a3t"),
        severity=C,
    ),
    token(
        "aws-bedrock-api-key-short-lived",
        "Amazon Bedrock API key (short-lived)",
        rf"bedrock-api-key-{_BEDROCK_HOST}[A-Za-z0-9+/=%&.-]*",
        "bedrock-api-key-",
        prefix="bedrock-api-key-",
        severity=C,
    ),
    token(
        "aws-bedrock-api-key-long-lived",
        "Amazon Bedrock API key (long-lived)",
        rf"ABSK{_BEDROCK_LONG}[A-Za-z0-9+/]{{60,200}}={{0,2}}",
        "absk",
        prefix="ABSK",
        severity=C,
    ),
    token("gcp-api-key", "Google API key", r"AIza[0-9A-Za-z_-]{35}", "aiza", min_entropy=3.0),
    keyed(
        "gcp-service-account-key-id",
        "Google Cloud service-account key",
        "private_key_id",
        r"[a-f0-9]{40}",
        severity=C,
        confidence=Confidence.HIGH,
    ),
    token(
        "azure-ad-client-secret",
        "Microsoft Entra ID (Azure AD) client secret",
        r"[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34}",
        "q~",
        severity=C,
        min_entropy=3.0,
        right=r"(?![A-Za-z0-9_~.-])",
    ),
    token(
        "azure-shared-access-key",
        "Azure shared access key (connection string)",
        r"SharedAccessKey=[A-Za-z0-9+/]{42,43}=",
        "sharedaccesskey=",
        severity=C,
    ),
    token(
        "azure-sql-connection-password",
        "Password in a database connection string",
        r"(?<=;)[ \t]*(?:Password|Pwd)[ \t]*=[ \t]*[^;'\"\s{}$<>]{6,128}(?=;|[\"']|$)",
        ("password=", "pwd="),
        ignore_case=True,
        severity=M,
    ),
    token(
        "digitalocean-pat",
        "DigitalOcean personal access token",
        r"dop_v1_[a-f0-9]{64}",
        "dop_v1_",
        prefix="dop_v1_",
    ),
    token(
        "digitalocean-access-token",
        "DigitalOcean OAuth access token",
        r"doo_v1_[a-f0-9]{64}",
        "doo_v1_",
        prefix="doo_v1_",
    ),
    token(
        "digitalocean-refresh-token",
        "DigitalOcean OAuth refresh token",
        r"dor_v1_[a-f0-9]{64}",
        "dor_v1_",
        prefix="dor_v1_",
    ),
    token(
        "cloudflare-origin-ca-key",
        "Cloudflare Origin CA key",
        r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}",
        "v1.0-",
    ),
    keyed("cloudflare-api-token", "Cloudflare API token", "cloudflare", r"[a-z0-9_-]{40}"),
    keyed("cloudflare-global-api-key", "Cloudflare global API key", "cloudflare", r"[a-f0-9]{37}"),
    token(
        "flyio-access-token",
        "Fly.io access token",
        r"(?:fo1_[\w-]{43}|fm1[ar]_[a-zA-Z0-9+/]{100,}={0,3}|fm2_[a-zA-Z0-9+/]{100,}={0,3})",
        ("fo1_", "fm1a_", "fm1r_", "fm2_"),
    ),
    token(
        "heroku-api-key-v2",
        "Heroku API key",
        r"HRKU-AA[0-9a-zA-Z_-]{58}",
        "hrku-aa",
        prefix="HRKU-",
    ),
    keyed("heroku-api-key", "Heroku API key", "heroku", UUID, expects_uuid=True),
    token("alibaba-access-key-id", "Alibaba Cloud AccessKey ID", r"LTAI[a-zA-Z0-9]{20}", "ltai"),
    keyed("alibaba-secret-key", "Alibaba Cloud AccessKey secret", "alibaba", r"[a-z0-9]{30}"),
    token("yandex-api-key", "Yandex Cloud API key", r"AQVN[A-Za-z0-9_\-]{35,38}", "aqvn"),
    token(
        "yandex-aws-access-token",
        "Yandex Cloud static access key",
        r"YC[a-zA-Z0-9_\-]{38}",
        "yc",
        min_entropy=3.5,
    ),
    token(
        "yandex-access-token",
        "Yandex Cloud IAM token",
        r"t1\.[A-Z0-9a-z_-]+={0,2}\.[A-Z0-9a-z_-]{86}={0,2}",
        "t1.",
    ),
    token(
        "scalingo-api-token", "Scalingo API token", r"tk-us-[\w-]{48}", "tk-us-", prefix="tk-us-"
    ),
    token(
        "openshift-user-token",
        "OpenShift user token",
        r"sha256~[\w-]{43}",
        "sha256~",
        prefix="sha256~",
    ),
    keyed(
        "vercel-access-token", "Vercel access token", "vercel", r"[a-zA-Z0-9]{24}", min_entropy=3.0
    ),
    token(
        "supabase-access-token",
        "Supabase personal access token",
        r"sbp_[a-f0-9]{40}",
        "sbp_",
        prefix="sbp_",
    ),
    token(
        "supabase-secret-key",
        "Supabase secret API key",
        r"sb_secret_[A-Za-z0-9_-]{31,64}",
        "sb_secret_",
        prefix="sb_secret_",
        severity=C,
    ),
    token(
        "planetscale-api-token",
        "PlanetScale service token",
        r"pscale_tkn_[\w=.-]{32,64}",
        "pscale_tkn_",
        prefix="pscale_tkn_",
    ),
    token(
        "planetscale-oauth-token",
        "PlanetScale OAuth token",
        r"pscale_oauth_[\w=.-]{32,64}",
        "pscale_oauth_",
        prefix="pscale_oauth_",
    ),
    token(
        "planetscale-password",
        "PlanetScale password",
        r"pscale_pw_[\w=.-]{32,64}",
        "pscale_pw_",
        prefix="pscale_pw_",
    ),
    token(
        "clickhouse-cloud-api-secret-key",
        "ClickHouse Cloud API secret key",
        r"4b1d[A-Za-z0-9]{38}",
        "4b1d",
        min_entropy=3.5,
    ),
    token(
        "databricks-api-token",
        "Databricks personal access token",
        r"dapi[a-f0-9]{32}(?:-\d)?",
        "dapi",
        prefix="dapi",
    ),
    # --- Source hosting and CI -------------------------------------------------------------
    token(
        "github-pat", "GitHub personal access token", r"ghp_[0-9a-zA-Z]{36}", "ghp_", prefix="ghp_"
    ),
    token(
        "github-fine-grained-pat",
        "GitHub fine-grained personal access token",
        r"github_pat_\w{82}",
        "github_pat_",
        prefix="github_pat_",
    ),
    token(
        "github-oauth", "GitHub OAuth access token", r"gho_[0-9a-zA-Z]{36}", "gho_", prefix="gho_"
    ),
    token(
        "github-app-token",
        "GitHub App token",
        r"(?:ghu|ghs)_[0-9a-zA-Z]{36}",
        ("ghu_", "ghs_"),
        prefix="ghs_",
    ),
    token(
        "github-refresh-token",
        "GitHub refresh token",
        r"ghr_[0-9a-zA-Z]{36}",
        "ghr_",
        prefix="ghr_",
    ),
    token(
        "gitlab-pat", "GitLab personal access token", r"glpat-[\w-]{20}", "glpat-", prefix="glpat-"
    ),
    token(
        "gitlab-pat-routable",
        "GitLab personal access token (routable)",
        r"glpat-[0-9a-zA-Z_-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7}",
        "glpat-",
        prefix="glpat-",
    ),
    token(
        "gitlab-deploy-token",
        "GitLab deploy token",
        r"gldt-[0-9a-zA-Z_\-]{20}",
        "gldt-",
        prefix="gldt-",
    ),
    token(
        "gitlab-feed-token",
        "GitLab feed token",
        r"glft-[0-9a-zA-Z_\-]{20}",
        "glft-",
        prefix="glft-",
    ),
    token(
        "gitlab-feature-flag-client-token",
        "GitLab feature-flag client token",
        r"glffct-[0-9a-zA-Z_\-]{20}",
        "glffct-",
        prefix="glffct-",
    ),
    token(
        "gitlab-incoming-mail-token",
        "GitLab incoming mail token",
        r"glimt-[0-9a-zA-Z_\-]{25}",
        "glimt-",
        prefix="glimt-",
    ),
    token(
        "gitlab-kubernetes-agent-token",
        "GitLab Kubernetes agent token",
        r"glagent-[0-9a-zA-Z_\-]{50}",
        "glagent-",
        prefix="glagent-",
    ),
    token(
        "gitlab-oauth-app-secret",
        "GitLab OAuth application secret",
        r"gloas-[0-9a-zA-Z_\-]{64}",
        "gloas-",
        prefix="gloas-",
    ),
    token(
        "gitlab-ptt",
        "GitLab pipeline trigger token",
        r"glptt-[0-9a-f]{40}",
        "glptt-",
        prefix="glptt-",
    ),
    token(
        "gitlab-rrt",
        "GitLab runner registration token",
        r"GR1348941[\w-]{20}",
        "gr1348941",
        prefix="GR1348941",
    ),
    token(
        "gitlab-runner-authentication-token",
        "GitLab runner authentication token",
        r"glrt-[0-9a-zA-Z_\-]{20}",
        "glrt-",
        prefix="glrt-",
    ),
    token(
        "gitlab-runner-authentication-token-routable",
        "GitLab runner authentication token (routable)",
        r"glrt-t\d_[0-9a-zA-Z_\-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7}",
        "glrt-",
        prefix="glrt-",
    ),
    token(
        "gitlab-scim-token",
        "GitLab SCIM token",
        r"glsoat-[0-9a-zA-Z_\-]{20}",
        "glsoat-",
        prefix="glsoat-",
    ),
    token(
        "gitlab-cicd-job-token",
        "GitLab CI/CD job token",
        r"glcbt-(?:[0-9a-fA-F]{1,5}_)?[0-9a-zA-Z_-]{20,50}",
        "glcbt-",
        prefix="glcbt-",
    ),
    token(
        "gitlab-session-cookie",
        "GitLab session cookie",
        r"_gitlab_session=[0-9a-z]{32}",
        "_gitlab_session=",
    ),
    keyed("bitbucket-client-id", "Bitbucket client ID", "bitbucket", r"[a-z0-9]{32}", severity=L),
    keyed("bitbucket-client-secret", "Bitbucket client secret", "bitbucket", r"[a-z0-9=_\-]{64}"),
    token(
        "atlassian-api-token-v2",
        "Atlassian API token",
        r"ATATT3[A-Za-z0-9_\-=]{186}",
        "atatt3",
        prefix="ATATT3",
    ),
    keyed(
        "atlassian-api-token",
        "Atlassian API token",
        ("atlassian", "confluence", "jira"),
        r"[a-z0-9]{24}",
        min_entropy=3.0,
    ),
    keyed("droneci-access-token", "Drone CI access token", "droneci", r"[a-z0-9]{32}"),
    keyed("travisci-access-token", "Travis CI access token", "travis", r"[a-z0-9]{22}"),
    keyed("codecov-access-token", "Codecov access token", "codecov", r"[a-z0-9]{32}"),
    token(
        "octopus-deploy-api-key",
        "Octopus Deploy API key",
        r"API-[A-Z0-9]{26}",
        "api-",
        min_entropy=3.0,
    ),
    token(
        "harness-api-key",
        "Harness API key",
        r"(?:pat|sat)\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{20}",
        ("pat.", "sat."),
    ),
    keyed(
        "sonar-api-token", "SonarQube/SonarCloud token", "sonar", r"(?:sq[pua]_)?[a-z0-9=_\-]{40}"
    ),
    token(
        "sonar-token",
        "SonarQube token",
        r"sq[pua]_[a-f0-9]{40}",
        ("sqp_", "squ_", "sqa_"),
        prefix="sqp_",
    ),
    keyed("snyk-api-token", "Snyk API token", "snyk", UUID, expects_uuid=True),
    token(
        "sourcegraph-access-token",
        "Sourcegraph access token",
        r"sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}|sgp_[a-fA-F0-9]{40}",
        "sgp_",
        prefix="sgp_",
    ),
    keyed(
        "sourcegraph-access-token-legacy",
        "Sourcegraph access token",
        "sourcegraph",
        r"[a-f0-9]{40}",
    ),
    token(
        "infracost-api-token", "Infracost API token", r"ico-[a-zA-Z0-9]{32}", "ico-", prefix="ico-"
    ),
    token("pulumi-api-token", "Pulumi access token", r"pul-[a-f0-9]{40}", "pul-", prefix="pul-"),
    token("prefect-api-token", "Prefect API key", r"pnu_[a-zA-Z0-9]{36}", "pnu_", prefix="pnu_"),
    token(
        "hashicorp-tf-api-token",
        "Terraform Cloud / HCP Terraform API token",
        r"[a-z0-9]{14}\.atlasv1\.[a-z0-9\-_=]{60,70}",
        "atlasv1",
        ignore_case=True,
        severity=C,
    ),
    token(
        "vault-service-token",
        "HashiCorp Vault service token",
        r"hvs\.[\w-]{90,120}",
        "hvs.",
        prefix="hvs.",
        severity=C,
    ),
    token(
        "vault-batch-token",
        "HashiCorp Vault batch token",
        r"hvb\.[\w-]{138,300}",
        "hvb.",
        prefix="hvb.",
        severity=C,
    ),
    token(
        "doppler-api-token",
        "Doppler token",
        r"dp\.(?:pt|st|sa|ct|scim|audit)\.[a-z0-9]{40,44}",
        ("dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."),
        ignore_case=True,
        prefix="dp.",
    ),
    token(
        "jfrog-artifactory-api-key",
        "JFrog Artifactory API key",
        r"AKCp[A-Za-z0-9]{69}",
        "akcp",
        prefix="AKCp",
        min_entropy=3.5,
    ),
    token(
        "jfrog-artifactory-reference-token",
        "JFrog Artifactory reference token",
        r"cmVmd[A-Za-z0-9]{59}",
        "cmvmd",
        min_entropy=3.5,
    ),
    keyed(
        "jfrog-identity-token",
        "JFrog identity token",
        ("jfrog", "artifactory", "bintray", "xray"),
        r"[a-z0-9]{64}",
    ),
    keyed(
        "jfrog-api-key",
        "JFrog API key",
        ("jfrog", "artifactory", "bintray", "xray"),
        r"[a-z0-9]{73}",
    ),
    token(
        "clojars-api-token",
        "Clojars deploy token",
        r"CLOJARS_[a-z0-9]{60}",
        "clojars_",
        ignore_case=True,
        prefix="CLOJARS_",
    ),
    token(
        "npm-access-token",
        "npm access token",
        r"npm_[a-z0-9]{36}",
        "npm_",
        ignore_case=True,
        prefix="npm_",
    ),
    token(
        "pypi-upload-token",
        "PyPI upload token",
        rf"pypi-Ag(?:EI{_b64('pypi.org')[2:]}|EN{_b64('test.pypi.org')[2:]})"
        r"[A-Za-z0-9_-]{50,}",
        "pypi-ag",
        prefix="pypi-",
        severity=C,
    ),
    token(
        "rubygems-api-token",
        "RubyGems API key",
        r"rubygems_[a-f0-9]{48}",
        "rubygems_",
        prefix="rubygems_",
    ),
    token("readme-api-token", "ReadMe API key", r"rdme_[a-z0-9]{70}", "rdme_", prefix="rdme_"),
    token(
        "settlemint-token",
        "SettleMint access token",
        r"sm_(?:aat|pat|sat)_[a-zA-Z0-9]{16}",
        ("sm_aat_", "sm_pat_", "sm_sat_"),
        prefix="sm_",
    ),
    # --- Observability ----------------------------------------------------------------------
    token("grafana-api-key", "Grafana API key", r"eyJrIjoi[A-Za-z0-9]{70,400}={0,2}", "eyjrijoi"),
    token(
        "grafana-cloud-api-token",
        "Grafana Cloud API token",
        r"glc_[A-Za-z0-9+/]{32,400}={0,2}",
        "glc_",
        prefix="glc_",
    ),
    token(
        "grafana-service-account-token",
        "Grafana service account token",
        r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}",
        "glsa_",
        prefix="glsa_",
    ),
    token(
        "new-relic-user-api-key",
        "New Relic user API key",
        r"NRAK-[a-z0-9]{27}",
        "nrak-",
        ignore_case=True,
        prefix="NRAK-",
    ),
    token(
        "new-relic-insert-key",
        "New Relic insert key",
        r"NRII-[a-z0-9-]{32}",
        "nrii-",
        ignore_case=True,
        prefix="NRII-",
    ),
    token(
        "new-relic-browser-api-token",
        "New Relic browser API token",
        r"NRJS-[a-f0-9]{19}",
        "nrjs-",
        ignore_case=True,
        prefix="NRJS-",
    ),
    keyed(
        "new-relic-user-api-id",
        "New Relic user API ID",
        ("new-relic", "newrelic", "new_relic"),
        r"[a-z0-9]{64}",
    ),
    token(
        "sentry-user-token",
        "Sentry user auth token",
        r"sntryu_[a-f0-9]{64}",
        "sntryu_",
        prefix="sntryu_",
    ),
    token(
        "sentry-org-token",
        "Sentry organization auth token",
        r"sntrys_eyJpYXQiO[a-zA-Z0-9+/]{10,200}(?:LCJyZWdpb25fdXJs|InJlZ2lvbl91cmwi|cmVnaW9uX3VybCI6)"
        r"[a-zA-Z0-9+/]{10,200}={0,2}_[a-zA-Z0-9+/]{43}",
        "sntrys_",
        prefix="sntrys_",
        right=r"(?![A-Za-z0-9_+/=])",
    ),
    token(
        "sentry-org-token-prefix",
        "Sentry organization auth token",
        r"sntrys_eyJ[a-zA-Z0-9+/_=]{60,400}",
        "sntrys_",
        prefix="sntrys_",
        right=r"",
    ),
    keyed("sentry-access-token", "Sentry access token", "sentry", r"[a-f0-9]{64}"),
    keyed("datadog-access-token", "Datadog access token", "datadog", r"[a-z0-9]{40}"),
    token(
        "dynatrace-api-token",
        "Dynatrace API token",
        r"dt0c01\.[a-z0-9]{24}\.[a-z0-9]{64}",
        "dt0c01.",
        ignore_case=True,
        prefix="dt0c01.",
    ),
    keyed("sumologic-access-id", "Sumo Logic access ID", "sumo", r"su[a-zA-Z0-9]{12}", severity=L),
    keyed("sumologic-access-token", "Sumo Logic access key", "sumo", r"[a-z0-9]{64}"),
    # --- Payments and commerce ----------------------------------------------------------------
    token(
        "stripe-access-token",
        "Stripe secret or restricted key",
        r"(?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99}",
        ("sk_test_", "sk_live_", "sk_prod_", "rk_test_", "rk_live_", "rk_prod_"),
        prefix="sk_",
        severity=C,
    ),
    token(
        "square-access-token",
        "Square access token",
        r"(?:EAAA|sq0atp-)[\w-]{22,60}",
        ("eaaa", "sq0atp-"),
    ),
    token(
        "square-secret",
        "Square application secret",
        r"sq0csp-[\w-]{43}",
        "sq0csp-",
        prefix="sq0csp-",
    ),
    token(
        "shopify-access-token",
        "Shopify access token",
        r"shpat_[a-fA-F0-9]{32}",
        "shpat_",
        prefix="shpat_",
    ),
    token(
        "shopify-custom-access-token",
        "Shopify custom app access token",
        r"shpca_[a-fA-F0-9]{32}",
        "shpca_",
        prefix="shpca_",
    ),
    token(
        "shopify-private-app-access-token",
        "Shopify private app access token",
        r"shppa_[a-fA-F0-9]{32}",
        "shppa_",
        prefix="shppa_",
    ),
    token(
        "shopify-shared-secret",
        "Shopify shared secret",
        r"shpss_[a-fA-F0-9]{32}",
        "shpss_",
        prefix="shpss_",
    ),
    token(
        "flutterwave-public-key",
        "Flutterwave public key",
        r"FLWPUBK_TEST-[a-h0-9]{32}-X",
        "flwpubk_test-",
        ignore_case=True,
        severity=L,
    ),
    token(
        "flutterwave-secret-key",
        "Flutterwave secret key",
        r"FLWSECK_TEST-[a-h0-9]{32}-X",
        "flwseck_test-",
        ignore_case=True,
    ),
    token(
        "flutterwave-encryption-key",
        "Flutterwave encryption key",
        r"FLWSECK_TEST-[a-h0-9]{12}",
        "flwseck_test-",
        ignore_case=True,
    ),
    token(
        "duffel-api-token",
        "Duffel API token",
        r"duffel_(?:test|live)_[a-z0-9_\-=]{43}",
        "duffel_",
        ignore_case=True,
        prefix="duffel_",
    ),
    token(
        "easypost-api-token",
        "EasyPost API key",
        r"EZAK[a-z0-9]{54}",
        "ezak",
        ignore_case=True,
        prefix="EZAK",
    ),
    token(
        "easypost-test-api-token",
        "EasyPost test API key",
        r"EZTK[a-z0-9]{54}",
        "eztk",
        ignore_case=True,
        prefix="EZTK",
    ),
    token(
        "shippo-api-token",
        "Shippo API token",
        r"shippo_(?:live|test)_[a-f0-9]{40}",
        "shippo_",
        prefix="shippo_",
    ),
    keyed(
        "gocardless-api-token", "GoCardless access token", "gocardless", r"live_[a-z0-9\-_=]{40}"
    ),
    token(
        "plaid-api-token",
        "Plaid access token",
        rf"access-(?:sandbox|development|production)-{UUID}",
        ("access-sandbox-", "access-development-", "access-production-"),
        expects_uuid=True,
    ),
    keyed("plaid-client-id", "Plaid client ID", "plaid", r"[a-z0-9]{24}", severity=L),
    keyed("plaid-secret-key", "Plaid secret", "plaid", r"[a-z0-9]{30}"),
    keyed("bittrex-access-key", "Bittrex API key", "bittrex", r"[a-z0-9]{32}"),
    keyed("coinbase-access-token", "Coinbase access token", "coinbase", r"[a-z0-9_-]{64}"),
    keyed("kraken-access-token", "Kraken access token", "kraken", r"[a-z0-9/=_+\-]{80,90}"),
    keyed("kucoin-access-token", "KuCoin access token", "kucoin", r"[a-f0-9]{24}"),
    keyed("kucoin-secret-key", "KuCoin secret key", "kucoin", UUID, expects_uuid=True),
    keyed("finicity-api-token", "Finicity API token", "finicity", r"[a-f0-9]{32}"),
    keyed("finicity-client-secret", "Finicity client secret", "finicity", r"[a-z0-9]{20}"),
    keyed("finnhub-access-token", "Finnhub access token", "finnhub", r"[a-z0-9]{20}"),
    keyed("etsy-access-token", "Etsy access token", "etsy", r"[a-z0-9]{24}"),
    keyed("lob-api-key", "Lob API key", "lob", r"(?:live|test)_[a-f0-9]{35}"),
    keyed(
        "lob-pub-api-key",
        "Lob publishable API key",
        "lob",
        r"(?:test|live)_pub_[a-f0-9]{31}",
        severity=L,
    ),
    # --- Communication ------------------------------------------------------------------------
    token(
        "slack-bot-token",
        "Slack bot token",
        r"xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*",
        "xoxb-",
        prefix="xoxb-",
    ),
    token(
        "slack-legacy-bot-token",
        "Slack legacy bot token",
        r"xoxb-[0-9]{8,14}-[a-zA-Z0-9]{18,26}",
        "xoxb-",
        prefix="xoxb-",
    ),
    token(
        "slack-user-token",
        "Slack user token",
        r"xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}",
        ("xoxp-", "xoxe-"),
        prefix="xoxp-",
    ),
    token(
        "slack-app-token",
        "Slack app-level token",
        r"xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+",
        "xapp-",
        ignore_case=True,
        prefix="xapp-",
    ),
    token(
        "slack-config-access-token",
        "Slack configuration access token",
        r"xoxe\.xox[bp]-\d-[A-Z0-9]{163,166}",
        "xoxe.xox",
        ignore_case=True,
        prefix="xoxe.xox",
    ),
    token(
        "slack-config-refresh-token",
        "Slack configuration refresh token",
        r"xoxe-\d-[A-Z0-9]{146}",
        "xoxe-",
        ignore_case=True,
        prefix="xoxe-",
    ),
    token(
        "slack-legacy-token",
        "Slack legacy token",
        r"xox[os]-\d+-\d+-\d+-[a-fA-F\d]+",
        ("xoxo-", "xoxs-"),
        prefix="xoxs-",
    ),
    token(
        "slack-legacy-workspace-token",
        "Slack legacy workspace token",
        r"xox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}",
        ("xoxa-", "xoxr-"),
        prefix="xoxa-",
    ),
    token(
        "slack-webhook-url",
        "Slack webhook URL",
        r"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}",
        "hooks.slack.com/",
        right=r"(?![A-Za-z0-9+/])",
    ),
    token(
        "microsoft-teams-webhook",
        "Microsoft Teams incoming webhook URL",
        r"https://[a-z0-9-]+\.webhook\.office\.com/webhookb2/[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12}@"
        r"[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12}/IncomingWebhook/[a-z0-9]{32}/"
        r"[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12}(?:/[\w-]+)?",
        "webhook.office.com/",
        ignore_case=True,
        expects_uuid=True,
    ),
    token(
        "discord-webhook",
        "Discord webhook URL",
        r"https://discord(?:app)?\.com/api/webhooks/\d{17,20}/[\w-]{60,80}",
        ("discord.com/api/webhooks", "discordapp.com/api/webhooks"),
    ),
    keyed("discord-api-token", "Discord API key", "discord", r"[a-f0-9]{64}"),
    keyed("discord-client-id", "Discord client ID", "discord", r"[0-9]{18}", severity=L),
    keyed("discord-client-secret", "Discord client secret", "discord", r"[a-z0-9=_\-]{32}"),
    keyed(
        "telegram-bot-api-token", "Telegram bot token", "telegram", r"[0-9]{5,16}:A[a-z0-9_\-]{34}"
    ),
    keyed("twitch-api-token", "Twitch API token", "twitch", r"[a-z0-9]{30}"),
    keyed("twitter-api-key", "Twitter API key", "twitter", r"[a-z0-9]{25}"),
    keyed("twitter-api-secret", "Twitter API secret", "twitter", r"[a-z0-9]{50}"),
    keyed(
        "twitter-access-token",
        "Twitter access token",
        "twitter",
        r"[0-9]{15,25}-[a-zA-Z0-9]{20,40}",
    ),
    keyed("twitter-access-secret", "Twitter access secret", "twitter", r"[a-z0-9]{45}"),
    token("twitter-bearer-token", "Twitter bearer token", r"A{22}[a-zA-Z0-9%]{80,100}", "a" * 22),
    token(
        "facebook-page-access-token",
        "Facebook page access token",
        r"EAA[MC][a-z0-9]{100,}",
        ("eaam", "eaac"),
        ignore_case=True,
        min_entropy=3.5,
    ),
    token(
        "facebook-access-token",
        "Facebook app access token",
        r"\d{15,16}(?:\||%7C|%7c)[0-9a-z_-]{27}",
        ("|", "%7c"),
        ignore_case=True,
        min_entropy=3.0,
        right=r"(?![\w-])",
    ),
    keyed("facebook-secret", "Facebook app secret", "facebook", r"[a-f0-9]{32}"),
    keyed(
        "linkedin-client-id",
        "LinkedIn client ID",
        ("linkedin", "linked-in"),
        r"[a-z0-9]{14}",
        severity=L,
    ),
    keyed(
        "linkedin-client-secret",
        "LinkedIn client secret",
        ("linkedin", "linked-in"),
        r"[a-z0-9]{16}",
    ),
    keyed("gitter-access-token", "Gitter access token", "gitter", r"[a-z0-9_-]{40}"),
    keyed("mattermost-access-token", "Mattermost access token", "mattermost", r"[a-z0-9]{26}"),
    keyed(
        "messagebird-api-token",
        "MessageBird API token",
        ("messagebird", "message-bird", "message_bird"),
        r"[a-z0-9]{25}",
    ),
    keyed(
        "messagebird-client-id",
        "MessageBird client ID",
        ("messagebird", "message-bird", "message_bird"),
        UUID,
        expects_uuid=True,
        severity=L,
    ),
    token(
        "sendgrid-api-token",
        "SendGrid API key",
        r"SG\.[a-z0-9=_\-.]{66}",
        "sg.",
        ignore_case=True,
        prefix="SG.",
    ),
    token(
        "sendinblue-api-token",
        "Brevo (Sendinblue) API key",
        r"xkeysib-[a-f0-9]{64}-[a-z0-9]{16}",
        "xkeysib-",
        prefix="xkeysib-",
    ),
    keyed("mailgun-private-api-token", "Mailgun private API key", "mailgun", r"key-[a-f0-9]{32}"),
    keyed(
        "mailgun-pub-key",
        "Mailgun public validation key",
        "mailgun",
        r"pubkey-[a-f0-9]{32}",
        severity=L,
    ),
    keyed(
        "mailgun-signing-key",
        "Mailgun webhook signing key",
        "mailgun",
        r"[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}",
    ),
    token(
        "mailchimp-api-key",
        "Mailchimp API key",
        r"[a-f0-9]{32}-us\d{1,2}",
        "-us",
        right=r"(?![\w-])",
    ),
    keyed("intercom-api-key", "Intercom API key", "intercom", r"[a-z0-9=_\-]{60}"),
    keyed("sendbird-access-token", "Sendbird access token", "sendbird", r"[a-f0-9]{40}"),
    keyed(
        "sendbird-access-id",
        "Sendbird application ID",
        "sendbird",
        UUID,
        expects_uuid=True,
        severity=L,
    ),
    token(
        "notion-api-token",
        "Notion integration token",
        r"ntn_[0-9]{11}[A-Za-z0-9]{32}[A-Za-z0-9]{3}",
        "ntn_",
        prefix="ntn_",
    ),
    token(
        "linear-api-key",
        "Linear API key",
        r"lin_api_[a-z0-9]{40}",
        "lin_api_",
        ignore_case=True,
        prefix="lin_api_",
    ),
    keyed("linear-client-secret", "Linear OAuth client secret", "linear", r"[a-f0-9]{32}"),
    token(
        "postman-api-token",
        "Postman API key",
        r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
        "pmak-",
        ignore_case=True,
        prefix="PMAK-",
    ),
    token(
        "typeform-api-token",
        "Typeform personal token",
        r"tfp_[a-z0-9\-_.=]{59}",
        "tfp_",
        ignore_case=True,
        prefix="tfp_",
    ),
    token(
        "frameio-api-token",
        "Frame.io API token",
        r"fio-u-[a-z0-9\-_=]{64}",
        "fio-u-",
        ignore_case=True,
        prefix="fio-u-",
    ),
    keyed("beamer-api-token", "Beamer API key", "beamer", r"b_[a-z0-9=_\-]{44}"),
    keyed("adafruit-api-key", "Adafruit IO key", "adafruit", r"[a-z0-9_-]{32}"),
    keyed("adobe-client-id", "Adobe client ID", "adobe", r"[a-f0-9]{32}", severity=L),
    token(
        "adobe-client-secret",
        "Adobe client secret",
        r"p8e-[a-z0-9]{32}",
        "p8e-",
        ignore_case=True,
        prefix="p8e-",
    ),
    keyed("airtable-api-key", "Airtable API key", "airtable", r"[a-z0-9]{17}"),
    token(
        "airtable-personal-access-token",
        "Airtable personal access token",
        r"pat[a-zA-Z0-9]{14}\.[a-f0-9]{64}",
        "pat",
        min_entropy=3.0,
    ),
    keyed("algolia-api-key", "Algolia API key", "algolia", r"[a-z0-9]{32}"),
    keyed("asana-client-id", "Asana client ID", "asana", r"[0-9]{16}", severity=L),
    keyed("asana-client-secret", "Asana client secret", "asana", r"[a-z0-9]{32}"),
    keyed("cisco-meraki-api-key", "Cisco Meraki API key", "meraki", r"[0-9a-f]{40}"),
    keyed("confluent-access-token", "Confluent access token", "confluent", r"[a-z0-9]{16}"),
    keyed("confluent-secret-key", "Confluent secret key", "confluent", r"[a-z0-9]{64}"),
    keyed(
        "contentful-delivery-api-token",
        "Contentful delivery API token",
        "contentful",
        r"[a-z0-9=_\-]{43}",
    ),
    token(
        "defined-networking-api-token",
        "Defined Networking API token",
        r"dnkey-[a-z0-9=_\-]{26}-[a-z0-9=_\-]{52}",
        "dnkey-",
        ignore_case=True,
        prefix="dnkey-",
    ),
    keyed("dropbox-api-token", "Dropbox API secret", "dropbox", r"[a-z0-9]{15}"),
    token(
        "dropbox-short-lived-api-token",
        "Dropbox short-lived access token",
        r"sl\.[a-z0-9\-=_]{135}",
        "sl.",
        ignore_case=True,
    ),
    keyed("fastly-api-token", "Fastly API key", "fastly", r"[a-z0-9=_\-]{32}"),
    keyed("flickr-access-token", "Flickr access token", "flickr", r"[a-z0-9]{32}"),
    keyed("freshbooks-access-token", "FreshBooks access token", "freshbooks", r"[a-z0-9]{64}"),
    keyed("hubspot-api-key", "HubSpot API key", "hubspot", UUID, expects_uuid=True),
    token(
        "intra42-client-secret",
        "42 intra client secret",
        r"s-s4t2(?:ud|af)-[abcdef0123456789]{64}",
        "s-s4t2",
    ),
    keyed(
        "launchdarkly-access-token",
        "LaunchDarkly access token",
        "launchdarkly",
        r"[a-z0-9=_\-]{40}",
    ),
    keyed("looker-client-id", "Looker client ID", "looker", r"[a-z0-9]{20}", severity=L),
    keyed("looker-client-secret", "Looker client secret", "looker", r"[a-z0-9]{24}"),
    token(
        "mapbox-api-token",
        "Mapbox access token",
        r"(?:pk|sk)\.[a-z0-9]{60}\.[a-z0-9]{22}",
        ("pk.", "sk."),
        ignore_case=True,
        min_entropy=3.0,
    ),
    token(
        "maxmind-license-key", "MaxMind license key", r"[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk", "_mmk"
    ),
    keyed("netlify-access-token", "Netlify access token", "netlify", r"[a-z0-9=_\-]{40,46}"),
    keyed(
        "nytimes-access-token",
        "New York Times API key",
        ("nytimes", "new-york-times", "newyorktimes"),
        r"[a-z0-9=_\-]{32}",
    ),
    keyed("okta-access-token", "Okta API token", "okta", r"00[\w=\-]{40}"),
    keyed("rapidapi-access-token", "RapidAPI key", "rapidapi", r"[a-z0-9_-]{50}"),
    keyed(
        "squarespace-access-token", "Squarespace API key", "squarespace", UUID, expects_uuid=True
    ),
    keyed("zendesk-secret-key", "Zendesk secret key", "zendesk", r"[a-z0-9]{40}"),
    token(
        "1password-secret-key",
        "1Password secret key",
        r"A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
        "a3-",
        severity=C,
        min_entropy=3.0,
    ),
    token(
        "age-secret-key",
        "age secret key",
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
        "age-secret-key-1",
        prefix="AGE-SECRET-KEY-1",
        severity=C,
    ),
    keyed(
        "sidekiq-secret",
        "Sidekiq Enterprise credentials",
        ("bundle_enterprise__contribsys__com", "bundle_gems__contribsys__com"),
        r"[a-f0-9]{8}:[a-f0-9]{8}",
    ),
    token(
        "sidekiq-sensitive-url",
        "Sidekiq Enterprise URL with credentials",
        r"https?://[a-f0-9]{8}:[a-f0-9]{8}@(?:gems\.contribsys\.com|enterprise\.contribsys\.com)",
        "contribsys.com",
        ignore_case=True,
    ),
)
"""Every token rule, in detection priority order (first wins when two find the same value)."""


def rule_by_id() -> dict[str, TokenRule]:
    return {rule.id: rule for rule in RULES}


__all__ = ["RULES", "UUID", "TokenRule", "keyed", "rule_by_id", "shannon_entropy", "token"]
