"""Only the git adapter (devkit.git) starts git: no other module hands "git" to a process call.

import-linter keeps GitPython inside devkit.git (``.importlinter``); this scan covers the other
route, a plain ``subprocess``/``os`` process call with git on its command line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import devkit

SRC = Path(devkit.__file__).parent
ADAPTER = SRC / "git"
PROCESS_CALLS = {
    "run",
    "Popen",
    "call",
    "check_call",
    "check_output",
    "getoutput",
    "getstatusoutput",
    "create_subprocess_exec",
    "create_subprocess_shell",
    "stream",  # StepContext.stream(argv, ...)
    "which",  # shutil.which("git"): looking git up to start it
}
PROCESS_PREFIXES = ("exec", "spawn", "posix_spawn")


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _names_git(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value.strip()
        return text == "git" or text.endswith("/git") or text.startswith("git ")
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        return _names_git(node.elts[0])
    if isinstance(node, ast.Starred):
        return _names_git(node.value)
    return False


def git_process_calls(source: str, filename: str = "<src>") -> list[str]:
    """``file:line`` of each process call whose command is git."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node)
        if name not in PROCESS_CALLS and not name.startswith(PROCESS_PREFIXES):
            continue
        arguments = [*node.args, *(k.value for k in node.keywords if k.arg in ("args", "argv"))]
        if any(_names_git(arg) for arg in arguments):
            found.append(f"{filename}:{node.lineno}")
    return found


def test_the_scan_finds_each_way_of_starting_git() -> None:
    source = "\n".join(
        [
            "subprocess.run(['git', 'status'])",
            "subprocess.Popen(('git', '-C', root, 'fetch'))",
            "check_output('git rev-parse HEAD', shell=True)",
            "os.execvp('git', ['git', 'log'])",
            "ctx.stream(['/usr/bin/git', 'pull'], cwd)",
            "shutil.which('git')",
            "subprocess.run(args=['git', 'gc'])",
            "subprocess.run(['python', '-c', 'git'])",  # not git: the command is python
            "GitCheck('git', 'git', workspace)",  # not a process call
        ]
    )
    assert git_process_calls(source) == [f"<src>:{n}" for n in range(1, 8)]


def test_no_module_outside_the_git_adapter_starts_git() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.is_relative_to(ADAPTER):
            continue
        rel = path.relative_to(SRC.parent).as_posix()
        offenders += git_process_calls(path.read_text(encoding="utf-8"), rel)
    assert offenders == [], "git must be run through devkit.git: " + ", ".join(offenders)
