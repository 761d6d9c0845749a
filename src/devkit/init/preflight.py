"""Preflight checks behind `devkit doctor` (and the TUI's first screen), as plan steps.

Each check reports ok or warn through its result, and raises a DevkitError when it fails;
only checks marked blocking make `doctor` exit non-zero.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from devkit.config.environments import load_environments
from devkit.config.profiles import ProfileSet
from devkit.container.engine import connect, engine_address, engine_version
from devkit.container.trust import detect_ca_bundle, proxy_settings, redact_proxy
from devkit.container.visibility import prove_early
from devkit.core.errors import ConfigError, DevkitError, NotReadyError
from devkit.core.plan import StepContext, StepResult
from devkit.core.records import dataclass
from devkit.data.aws import caller_identity, session
from devkit.git.command import version
from devkit.host.python import find_python
from devkit.state import WorkspaceState
from devkit.workspace import find_git_root

MIN_FREE_BYTES = 2 * 1024**3
WARN_FREE_BYTES = 10 * 1024**3


@dataclass
class Check:
    """A read-only check: never 'done', describes nothing it would change."""

    id: str
    title: str
    workspace: Path | None = None

    def describe(self) -> list[str]:
        return []

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        raise NotImplementedError


def ok(summary: str, **data: object) -> StepResult:
    return StepResult(summary, {"status": "ok", **data})


def warn(summary: str, hint: str = "", **data: object) -> StepResult:
    text = f"{summary} — {hint}" if hint else summary
    return StepResult(text, {"status": "warn", **data})


class GitCheck(Check):
    def run(self, ctx: StepContext) -> StepResult:
        return ok(version() or "present")


class WorkspaceCheck(Check):
    def run(self, ctx: StepContext) -> StepResult:
        start = self.workspace or Path.cwd()
        root = find_git_root(start)
        if root is None:
            raise ConfigError(
                f"{start} is not inside a git repository",
                "cd into your repository or pass --workspace PATH",
            )
        return ok(str(root), path=str(root))


class DockerCheck(Check):
    def run(self, ctx: StepContext) -> StepResult:
        try:
            client = connect(timeout=10)
        except NotReadyError as exc:
            if self.workspace is not None and _recorded_target(self.workspace) == "host":
                return warn(exc.what, "this workspace uses the host target: no engine needed")
            raise NotReadyError(
                exc.what, f"{exc.hint}; or set up without containers: devkit init --target host"
            ) from None
        try:
            info = engine_version(client)
        finally:
            client.close()
        return ok(
            f"Docker Engine {info['version']} (API {info['api']}, {info['os']}) "
            f"at {engine_address()}",
            **info,
        )


class DiskCheck(Check):
    def run(self, ctx: StepContext) -> StepResult:
        folder = self.workspace or Path.cwd()
        free = shutil.disk_usage(folder).free
        gib = free / 1024**3
        if free < MIN_FREE_BYTES:
            raise NotReadyError(
                f"only {gib:.1f} GiB free on {folder}",
                "free at least 2 GiB (docker system prune, old datasets)",
            )
        if free < WARN_FREE_BYTES:
            return warn(f"{gib:.1f} GiB free", "images and data may need more", free=free)
        return ok(f"{gib:.0f} GiB free", free=free)


class NetworkTrustCheck(Check):
    def run(self, ctx: StepContext) -> StepResult:
        bundle = detect_ca_bundle()
        proxies = proxy_settings()
        parts = [f"CA bundle {bundle}" if bundle else "no CA bundle found"]
        if proxies:
            parts.append(
                ", ".join(f"{k}={redact_proxy(v)}" for k, v in proxies.items() if k != "NO_PROXY")
            )
        else:
            parts.append("no proxy variables")
        if bundle is None:
            return warn("; ".join(parts), "set SSL_CERT_FILE if you are behind a TLS proxy")
        return ok("; ".join(parts), ca_bundle=str(bundle), proxies=sorted(proxies))


class AwsCheck(Check):
    def run(self, ctx: StepContext) -> StepResult:
        envs = load_environments(self.workspace)
        has_any = any(os.environ.get(v) for v in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE"))
        try:
            ident = caller_identity(session())
        except NotReadyError as exc:
            note = exc.what if has_any else "no AWS credentials"
            return warn(note, "sync-data will generate synthetic data instead")
        env = envs.classify_account(ident["account"])
        summary = f"account {ident['account']} ({env}) as {ident['arn']}"
        if env == "prod":
            return warn(summary, "prod credentials: devkit refuses to read data with them")
        if env != "dev":
            return warn(summary, f"{env} account: sync-data only reads dev accounts")
        return ok(summary, account=ident["account"], environment=env)


class ProfilesCheck(Check):
    def run(self, ctx: StepContext) -> StepResult:
        profiles = ProfileSet(self.workspace).all()
        return ok(f"{len(profiles)} valid: " + ", ".join(p.name for p in profiles))


def _recorded_target(workspace: Path) -> str:
    return WorkspaceState(workspace).target()


class TargetsCheck(Check):
    """Which targets this machine can use, and why: ``container`` (an engine answers and sees
    the workspace, proven with a throwaway container when a local image is at hand) and
    ``host`` (the profile's Python is on PATH)."""

    def _container(self) -> tuple[bool, str]:
        try:
            client = connect(timeout=10)
        except DevkitError as exc:
            return False, f"no engine answers ({exc.what.split(' (')[0]})"
        try:
            root = self._root()
            if root is None:
                return True, "an engine answers"
            try:
                proven = prove_early(client, root, self._images())
            except DevkitError as exc:
                return False, f"the engine answers but does not see the workspace ({exc.what})"
            if not proven:
                return True, "an engine answers (its view of the workspace is proven at init)"
            return True, "an engine answers and sees the workspace"
        finally:
            client.close()

    def _root(self) -> Path | None:
        return find_git_root(self.workspace) if self.workspace else None

    def _profiles(self) -> list[tuple[str, str]]:
        """(profile, python) for the recorded profile, else every concrete profile."""
        try:
            profiles = ProfileSet(self._root()).all()
        except DevkitError:
            return []
        root = self._root()
        chosen = WorkspaceState(root).profile() if root is not None else None
        picked = [p for p in profiles if p.name == chosen] or list(profiles)
        return [(p.name, p.image.python) for p in picked]

    def _images(self) -> list[str]:
        root = self._root()
        recorded = WorkspaceState(root).last_init().base_image if root else None
        names = [recorded or ""]
        names += [base for base in self._bases()]
        return [n for n in names if n]

    def _bases(self) -> list[str]:
        try:
            return [p.image.base for p in ProfileSet(self._root()).all()]
        except DevkitError:
            return []

    def _host(self) -> tuple[bool, str]:
        found: dict[str, str] = {}
        missing: list[str] = []
        for name, want in self._profiles():
            if want in found or want in missing:
                continue
            try:
                found[want] = find_python(want, name).path
            except DevkitError:
                missing.append(want)
        if not found and not missing:
            return False, "no profile to read a Python version from"
        parts = [f"Python {v} at {p}" for v, p in found.items()]
        parts += [f"no Python {v}" for v in missing]
        return bool(found), ", ".join(parts)

    def run(self, ctx: StepContext) -> StepResult:
        container_ok, container_why = self._container()
        host_ok, host_why = self._host()
        targets = {
            "container": {"usable": container_ok, "why": container_why},
            "host": {"usable": host_ok, "why": host_why},
        }
        summary = (
            f"container: {'yes' if container_ok else 'no'} — {container_why}; "
            f"host: {'yes' if host_ok else 'no'} — {host_why}"
        )
        if not (container_ok or host_ok):
            raise NotReadyError(
                f"no target usable here: {summary}",
                "start a Docker Engine that sees this folder, or install the profile's Python "
                "for --target host",
            )
        if not container_ok:
            return warn(summary, "use 'devkit init --target host'", targets=targets)
        return ok(summary, targets=targets)


def preflight_checks(workspace: Path | None) -> list[Check]:
    return [
        GitCheck("git", "git", workspace),
        WorkspaceCheck("workspace", "workspace", workspace),
        ProfilesCheck("profiles", "profiles", workspace),
        DockerCheck("docker", "Docker Engine", workspace),
        TargetsCheck("targets", "targets (container, host)", workspace),
        DiskCheck("disk", "disk space", workspace),
        NetworkTrustCheck("network", "proxy and CA", workspace),
        AwsCheck("aws", "AWS credentials", workspace),
    ]
