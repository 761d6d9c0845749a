"""The command line as a user meets it: a real `devkit` process, exit codes and messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.contract import check_json_output

HEAVY = ("textual", "boto3", "botocore", "docker", "git", "pyarrow", "numpy", "rich")


def devkit(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "devkit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        timeout=60,
        check=False,
    )
    check_json_output(args, proc.stdout)
    return proc


def test_help_imports_no_heavy_library() -> None:
    probe = (
        "import sys\n"
        "from devkit.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "sync-data" in result.stdout and "doctor" in result.stdout


def test_the_installed_command_runs_main_and_imports_nothing_else() -> None:
    """bin/devkit, the script installed as `devkit`: imports only devkit's entry point (a
    generated wrapper would import ``re`` first), and exits with main's code."""
    import ast

    launcher = Path(__file__).resolve().parents[3] / "bin" / "devkit"
    source = launcher.read_text()
    assert source.startswith("#!python\n")  # the installer writes its interpreter here
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}:{alias.name}" for alias in node.names}
    assert imported == {"devkit.cli:run"}
    done = subprocess.run(
        [sys.executable, str(launcher), "--no-such-flag"], capture_output=True, text=True
    )
    assert done.returncode == 2 and "hint:" in done.stderr


def test_version() -> None:
    result = devkit("--version")
    assert result.returncode == 0 and result.stdout.startswith("devkit ")


def test_unknown_flag_is_exit_2_with_a_hint() -> None:
    result = devkit("doctor", "--bogus")
    assert result.returncode == 2
    assert "unrecognized arguments: --bogus" in result.stderr
    assert "hint:" in result.stderr


def test_profiles_list_and_show(tmp_path: Path) -> None:
    listed = devkit("profiles", "list", "--workspace", str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    names = [line.split()[0] for line in listed.stdout.splitlines()]
    assert names == ["api", "inference", "ingestion", "training"]
    shown = devkit("profiles", "show", "training", "--workspace", str(tmp_path))
    assert shown.returncode == 0
    assert "lockfile: requirements/training.lock" in shown.stdout
    assert "WANDB_MODE: offline" in shown.stdout  # merged from the profile over base


def test_unknown_profile_lists_known(tmp_path: Path) -> None:
    result = devkit("profiles", "show", "nope", "--workspace", str(tmp_path))
    assert result.returncode == 2
    assert "unknown profile 'nope'" in result.stderr
    assert "training" in result.stderr


def test_broken_workspace_profile_reports_every_problem(tmp_path: Path) -> None:
    folder = tmp_path / ".devkit" / "profiles"
    folder.mkdir(parents=True)
    (folder / "training.yaml").write_text(
        "name: training\nextends: training\nportz: [1]\nresources: {cpus: many}\n"
    )
    result = devkit("profiles", "list", "--workspace", str(tmp_path))
    assert result.returncode == 2
    assert ".devkit/profiles/training.yaml:3:1: unknown key 'portz'" in result.stderr
    assert "did you mean 'ports'?" in result.stderr
    assert ".devkit/profiles/training.yaml:4:" in result.stderr


def test_not_a_git_repository_is_a_config_error(tmp_path: Path) -> None:
    from devkit.core.errors import ConfigError
    from devkit.workspace import Workspace

    with pytest.raises(ConfigError) as caught:
        Workspace.locate(str(tmp_path))
    assert "is not a git repository" in caught.value.what
    assert caught.value.code == 2


def test_doctor_with_a_dead_docker_host_exits_3(tmp_path: Path) -> None:
    dead = tmp_path / "nothing.sock"
    result = devkit("doctor", "--workspace", str(tmp_path), env={"DOCKER_HOST": f"unix://{dead}"})
    assert result.returncode == 3
    assert f"Docker Engine not reachable at unix://{dead}" in result.stdout
    assert "hint:" in result.stdout and "DOCKER_HOST" in result.stdout


@pytest.mark.parametrize("flag", ["--json"])
def test_doctor_json_is_one_object_per_line(tmp_path: Path, flag: str) -> None:
    import json

    result = devkit(
        "doctor",
        flag,
        "--workspace",
        str(tmp_path),
        env={"DOCKER_HOST": f"unix://{tmp_path}/x.sock"},
    )
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["event"] == "plan_started"
    assert events[-1]["event"] == "plan_finished"
    failed = [e for e in events if e["event"] == "step_failed"]
    assert {e["step"] for e in failed} >= {"docker", "workspace"}


def test_status_outside_a_git_repository_exits_2_with_a_hint(tmp_path: Path) -> None:
    result = devkit("status", "--workspace", str(tmp_path))
    assert result.returncode == 2
    assert "is not a git repository" in result.stderr
    assert "hint:" in result.stderr


@pytest.mark.parametrize(
    "codes,expected",
    [(set(), 0), ({2}, 2), ({3}, 3), ({2, 3}, 3), ({4}, 4), ({2, 4}, 2)],
)
def test_doctor_exit_code_says_configuration_or_environment(codes: set[int], expected: int) -> None:
    from devkit.commands.doctor import verdict

    assert verdict(codes) == expected


def test_global_options_before_the_command_reach_it(tmp_path: Path) -> None:
    import json

    result = devkit("--json", "--workspace", str(tmp_path), "profiles", "list")
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), (list, dict))


def test_init_without_a_terminal_says_so_and_names_the_flags(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = subprocess.run(
        [sys.executable, "-m", "devkit", "init"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "no profile chosen, and there is no terminal to ask in" in result.stderr
    assert "--profile NAME --branch BRANCH" in result.stderr
