"""Git hooks: a pre-push hook that runs ``devkit check`` and blocks the push when it fails.
("Hook" in devkit's names means a git hook; the devcontainer's postCreate is ``inside``.)

The hook is written where git looks for hooks (``git rev-parse --git-path hooks``, so
``core.hooksPath`` and linked worktrees are honoured). A hook the developer already had is
never overwritten: it is renamed to ``pre-push.local`` and the devkit hook calls it first.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from devkit import safefs
from devkit.core.errors import ConfigError
from devkit.core.plan import StepContext, StepResult
from devkit.core.records import dataclass
from devkit.git.state import config_get, config_set_local, hooks_path

MARKER = "# devkit-managed-hook: pre-push"
# Set in the repository's own config by 'devkit hooks install': a hooks folder shared through
# core.hooksPath also serves repositories that never asked for devkit's check.
ENABLED_KEY = "devkit.prepush"
LOCAL_SUFFIX = ".local"


def git_hooks_dir(root: Path) -> Path:
    """Where git runs hooks from for this checkout (honours core.hooksPath, worktrees)."""
    return hooks_path(root)


def devkit_command() -> list[str]:
    """How the hook should start devkit: this very executable when we can name it."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name.startswith("devkit") and _is_executable(argv0):
        return [str(argv0.absolute())]
    found = shutil.which("devkit")
    if found:
        return [str(Path(found).absolute())]
    return [sys.executable, "-m", "devkit"]


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def render_pre_push(command: list[str] | None, profile: str | None = None) -> str:
    """The hook script. ``command`` is None when no absolute path may be written (a hooks
    folder inside the working tree is shared through the repository)."""
    first_choice = ""
    if command:
        exe = shlex.quote(command[0])
        rest = " ".join(shlex.quote(part) for part in command[1:])
        call = f"{exe} {rest}" if rest else exe
        first_choice = f'  if [ -x {exe} ]; then {call} "$@"; return $?; fi\n'
    profile_args = f" --profile {shlex.quote(profile)}" if profile else ""
    return (
        "#!/bin/sh\n"
        f"{MARKER}\n"
        "# Runs 'devkit check' before every push and blocks the push when it fails.\n"
        "# Bypass once with 'git push --no-verify'. Reinstall with 'devkit hooks install'.\n"
        "# A hook you had before devkit is kept as pre-push.local and runs first.\n"
        "\n"
        "run_devkit() {\n"
        f"{first_choice}"
        '  if command -v devkit >/dev/null 2>&1; then devkit "$@"; return $?; fi\n'
        '  echo "devkit pre-push hook: devkit is not installed or not on PATH" >&2\n'
        "  return 127\n"
        "}\n"
        "\n"
        'local_hook="$(dirname "$0")/pre-push.local"\n'
        'if [ -x "$local_hook" ]; then\n'
        "  refs=$(cat)\n"
        '  printf "%s${refs:+\\n}" "$refs" | "$local_hook" "$@" || exit $?\n'
        "fi\n"
        "\n"
        "# Only in repositories where 'devkit hooks install' ran (see core.hooksPath).\n"
        f'if [ "$(git config --bool {ENABLED_KEY} 2>/dev/null)" != "true" ]; then exit 0; fi\n'
        "\n"
        "workspace=$(git rev-parse --show-toplevel 2>/dev/null || pwd)\n"
        f'run_devkit check --workspace "$workspace" --no-input{profile_args} </dev/null\n'
        "status=$?\n"
        'if [ "$status" -ne 0 ]; then\n'
        "  echo \"devkit: push blocked: 'devkit check' exited $status.\" >&2\n"
        '  echo "hint: fix what it reports above,"\\\n'
        "       \"or push once with 'git push --no-verify'.\" >&2\n"
        "  exit 1\n"
        "fi\n"
        "exit 0\n"
    )


def is_devkit_hook(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:400]
    except OSError:
        return False
    return MARKER in head


@dataclass(frozen=True)
class GitHookPlan:
    """What installing would do: nothing, write a new hook, update ours, or chain theirs."""

    path: Path
    content: str
    action: str  # "none" | "create" | "update" | "chain" | "enable" (hook there, repo not opted in)

    @property
    def local(self) -> Path:
        return self.path.with_name(self.path.name + LOCAL_SUFFIX)


def plan_pre_push(root: Path, profile: str | None = None) -> GitHookPlan:
    folder = git_hooks_dir(root)
    path = folder / "pre-push"
    inside_tree = _is_inside(folder, root) and not _is_inside(folder, root / ".git")
    content = render_pre_push(None if inside_tree else devkit_command(), profile)
    if not path.exists() and not path.is_symlink():
        return GitHookPlan(path, content, "create")
    if is_devkit_hook(path):
        current = path.read_text(encoding="utf-8", errors="replace")
        executable = os.access(path, os.X_OK)
        if current != content or not executable:
            return GitHookPlan(path, content, "update")
        return GitHookPlan(path, content, "none" if is_enabled(root) else "enable")
    local = path.with_name(path.name + LOCAL_SUFFIX)
    if local.exists() or local.is_symlink():
        raise ConfigError(
            f"{path} is not devkit's and {local.name} already exists next to it",
            f"merge the two hooks by hand (keep one as {local.name}), then run again",
        )
    return GitHookPlan(path, content, "chain")


def is_enabled(root: Path) -> bool:
    return config_get(root, ENABLED_KEY, kind="bool") == "true"


def _is_inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def install_pre_push_hook(root: Path, profile: str | None = None) -> GitHookPlan:
    """Install (or update) the pre-push hook; idempotent; returns what it did."""
    plan = plan_pre_push(root, profile)
    if plan.action == "none":
        return plan
    config_set_local(root, ENABLED_KEY, "true")
    if plan.action == "enable":
        return plan
    safefs.ensure_dir(plan.path.parent)
    if plan.action == "chain":
        os.rename(plan.path, plan.local)  # keeps the developer's hook, mode and all
    safefs.write_text(plan.path, plan.content, mode=0o755)
    return plan


def uninstall_pre_push_hook(root: Path) -> str:
    """Remove devkit's hook and put back the one it chained, if any."""
    path = git_hooks_dir(root) / "pre-push"
    config_set_local(root, ENABLED_KEY, None)
    if not is_devkit_hook(path):
        return "no devkit pre-push hook installed"
    safefs.unlink(path)
    local = path.with_name(path.name + LOCAL_SUFFIX)
    if local.exists() or local.is_symlink():
        os.rename(local, path)
        return f"removed devkit's pre-push hook and restored yours ({path})"
    return "removed devkit's pre-push hook"


class GitHookStep:
    """Install devkit's pre-push hook (chaining any existing one)."""

    id = "hooks"
    title = "Git pre-push hook"

    def __init__(self, root: Path, profile: str | None = None) -> None:
        self.root = root
        self.profile = profile

    def describe(self) -> list[str]:
        plan = plan_pre_push(self.root, self.profile)
        where = _display(plan.path, self.root)
        if plan.action == "create":
            return [f"install a pre-push hook running 'devkit check' at {where}"]
        if plan.action == "update":
            return [f"update devkit's pre-push hook at {where}"]
        if plan.action == "enable":
            return [f"enable the pre-push hook at {where} for this repository ({ENABLED_KEY})"]
        if plan.action == "chain":
            return [
                f"install a pre-push hook running 'devkit check' at {where}, "
                f"keeping your existing hook as {plan.local.name} (it runs first)"
            ]
        return []

    def is_done(self) -> bool:
        return plan_pre_push(self.root, self.profile).action == "none"

    def run(self, ctx: StepContext) -> StepResult:
        plan = install_pre_push_hook(self.root, self.profile)
        where = _display(plan.path, self.root)
        if plan.action == "chain":
            ctx.log(f"kept your existing pre-push hook as {plan.local.name}; it runs first")
        summary = {
            "none": f"pre-push hook already installed at {where}",
            "create": f"installed pre-push hook at {where}",
            "update": f"updated pre-push hook at {where}",
            "chain": f"installed pre-push hook at {where} (chained to {plan.local.name})",
            "enable": f"enabled the pre-push hook at {where} for this repository",
        }[plan.action]
        return StepResult(summary, {"path": str(plan.path), "action": plan.action})


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
