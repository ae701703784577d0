"""The environment tasks run with (docs/config.md, "What tasks see").

A task runs code nobody has necessarily reviewed (a pull request's tests, a dependency's
install script), so it does not get ameide's environment as is:

- ameide's own credentials (the remote-cache token, the signature key, credentials in the
  remote-cache URL) never reach a task, whatever the configuration: by name, and any other
  variable holding the same value;
- by default (`[env] mode = "inherit"`) a task inherits everything else except the DENY list
  of well-known credentials (forge and CI tokens, cache and registry tokens, cloud keys, the
  coding agents' API keys); `[env] pass` names the ones a task may see anyway;
- `[env] mode = "strict"` passes only BASICS (what tools need to run: PATH, HOME, locale,
  temp dirs, proxies, the toolchains' own variables), the variables that enter cache keys,
  and `[env] pass`, like Turborepo's strict env mode or Bazel's --incompatible_strict_action_env
  with --action_env.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from typing import TYPE_CHECKING

from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

MODES = ("inherit", "strict")
MIN_SECRET = 8  # shorter own-credential values are not hunted for under other names

# Well-known credentials, by name; `*` is a wildcard. Matched without regard to case.
DENY: tuple[str, ...] = (
    # forges and CI systems
    "GH_TOKEN",
    "GITHUB_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITHUB_PAT",
    "GITLAB_TOKEN",
    "GL_TOKEN",
    "GITLAB_PRIVATE_TOKEN",
    "CI_JOB_TOKEN",
    "CI_JOB_JWT*",
    "CI_REGISTRY_PASSWORD",
    "GITEA_TOKEN",
    "BITBUCKET_TOKEN",
    "BITBUCKET_APP_PASSWORD",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "BUILDKITE_AGENT_ACCESS_TOKEN",
    "CIRCLE_TOKEN",
    "SYSTEM_ACCESSTOKEN",
    "CODER_AGENT_TOKEN",
    "CODER_SESSION_TOKEN",
    "SSH_AUTH_SOCK",
    # result caches
    "AMEIDE_REMOTE_CACHE_TOKEN",
    "AMEIDE_REMOTE_CACHE_SIGNATURE_KEY",
    "TURBO_TOKEN",
    "TURBO_REMOTE_CACHE_SIGNATURE_KEY",
    "NX_CLOUD_ACCESS_TOKEN",
    "NX_CLOUD_AUTH_TOKEN",
    # package registries
    "NPM_TOKEN",
    "NODE_AUTH_TOKEN",
    "YARN_NPM_AUTH_TOKEN",
    "NPM_CONFIG__AUTH*",
    "NPM_CONFIG_//*",
    "PNPM_CONFIG__AUTH*",
    "PYPI_TOKEN",
    "PYPI_API_TOKEN",
    "TWINE_PASSWORD",
    "UV_PUBLISH_TOKEN",
    "UV_PUBLISH_PASSWORD",
    "UV_INDEX_*_PASSWORD",
    "POETRY_PYPI_TOKEN_*",
    "CARGO_REGISTRY_TOKEN",
    "BUF_TOKEN",
    "DOCKER_PASSWORD",
    "DOCKER_AUTH_CONFIG",
    # clouds and hosting
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CREDENTIALS",
    "GOOGLE_GHA_CREDS_PATH",
    "CLOUDSDK_AUTH_ACCESS_TOKEN",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_CONNECTION_STRING",
    "AZURE_DEVOPS_EXT_PAT",
    "ARM_CLIENT_SECRET",
    "ARM_ACCESS_KEY",
    "DIGITALOCEAN_ACCESS_TOKEN",
    "HCLOUD_TOKEN",
    "CLOUDFLARE_API_TOKEN",
    "VERCEL_TOKEN",
    "NETLIFY_AUTH_TOKEN",
    "HEROKU_API_KEY",
    "FLY_API_TOKEN",
    "VAULT_TOKEN",
    "SENTRY_AUTH_TOKEN",
    "SNYK_TOKEN",
    "SONAR_TOKEN",
    # coding agents and model APIs (ameide runs inside their hooks)
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "CODEX_API_KEY",
    "CODEX_ACCESS_TOKEN",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_GENERATIVE_AI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "MISTRAL_API_KEY",
    "GROQ_API_KEY",
    "XAI_API_KEY",
    "DEEPSEEK_API_KEY",
    "OPENROUTER_API_KEY",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "CURSOR_API_KEY",
    "COPILOT_GITHUB_TOKEN",
    # any other name that says what it is
    "*_API_KEY",
    "*_API_TOKEN",
    "*_ACCESS_TOKEN",
    "*_AUTH_TOKEN",
    "*_SECRET_ACCESS_KEY",
    "*_CLIENT_SECRET",
    "*_PRIVATE_KEY",
)

# What tools need to run at all: the only variables strict mode passes besides the ones that
# enter cache keys and `[env] pass`. (A DENY entry among them still needs `pass`.)
BASICS: tuple[str, ...] = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "FORCE_COLOR",
    "CI",
    "LANG",
    "LANGUAGE",
    "LC_*",
    "TZ",
    "TMPDIR",
    "TMP",
    "TEMP",
    "XDG_*",
    "SOURCE_DATE_EPOCH",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NIX_SSL_CERT_FILE",
    "GIT_SSL_CAINFO",
    "*_CA_BUNDLE",
    "LD_LIBRARY_PATH",
    # the toolchains' own
    "GOPATH",
    "GOROOT",
    "GOBIN",
    "GOCACHE",
    "GOMODCACHE",
    "GOENV",
    "GOTMPDIR",
    "GOPROXY",
    "GOSUMDB",
    "GONOSUMDB",
    "GONOSUMCHECK",
    "GOPRIVATE",
    "GONOPROXY",
    "GOINSECURE",
    "GOVCS",
    "GOTELEMETRY",
    "NODE_EXTRA_CA_CERTS",
    "COREPACK_*",
    "PNPM_HOME",
    "npm_config_*",
    "pnpm_config_*",
    "UV_*",
    "VIRTUAL_ENV",
    "PYTHON*",
    "REQUESTS_CA_BUNDLE",
    "BUF_CACHE_DIR",
)


@functools.lru_cache(maxsize=64)
def _pattern(patterns: tuple[str, ...], fold: bool) -> re.Pattern[str]:
    """One regular expression for a list of names with `*` wildcards (compiled once: every
    variable of the environment is matched against ~130 of them at the start of a run)."""
    rx = "|".join(fnmatch.translate(p) for p in patterns) or r"(?!)"
    return re.compile(rx, re.I if fold else 0)


def _matches(name: str, patterns: Iterable[str], *, fold: bool = False) -> bool:
    return _pattern(tuple(patterns), fold).match(name) is not None


def denied(name: str) -> bool:
    """Is `name` a well-known credential (DENY)?"""
    return _matches(name, DENY, fold=True)


@record
class Own:
    """One of ameide's own credentials: the variable it came from and its value."""

    what: str  # "the remote-cache token"
    name: str | None
    value: str


@record
class TaskEnv:
    env: dict[str, str]  # what every task starts from
    mode: str
    withheld: tuple[str, ...]  # credentials present here that tasks do not see (names)
    passed: tuple[str, ...]  # denied names `[env] pass` let through
    warnings: tuple[str, ...]


def task_env(
    env: Mapping[str, str],
    *,
    mode: str = "inherit",
    passed: Iterable[str] = (),
    key_names: Iterable[str] = (),
    own: Iterable[Own] = (),
) -> TaskEnv:
    """The environment of every task of a run. `key_names` are the variables that enter cache
    keys (names, or prefixes ending in `*`): in strict mode they reach tasks too (an input
    of a result is something the task can see)."""
    allow = tuple(passed)
    key_names = tuple(key_names)
    own = tuple(own)
    values = [o.value for o in own if len(o.value) >= MIN_SECRET]
    names = {o.name: o for o in own if o.name}
    keep: dict[str, str] = {}
    withheld: list[str] = []
    let_through: list[str] = []
    warnings: list[str] = []
    for name, value in env.items():
        mine = names.get(name)
        if mine is not None or any(v in value for v in values):
            withheld.append(name)
            if _matches(name, allow):
                what = mine.what if mine else "a copy of one of ameide's own credentials"
                warnings.append(
                    f"{name} is {what}: it never reaches tasks (ameide.toml [env] pass names "
                    "it in vain)"
                )
            continue
        explicit = _matches(name, allow)
        if denied(name) and not explicit:
            withheld.append(name)
            continue
        if mode == "strict" and not (
            explicit or _matches(name, BASICS) or _matches(name, key_names)
        ):
            continue  # not a credential: not worth listing
        if explicit and denied(name):
            let_through.append(name)
        keep[name] = value
    return TaskEnv(keep, mode, tuple(sorted(withheld)), tuple(sorted(let_through)), tuple(warnings))
