"""How long repo_state takes on a repository with 1,000 commits and 5,000 files.

Compared with what a script would otherwise run: `git status --porcelain` plus
`git rev-list --count` as subprocesses (and, for reference, the same facts through GitPython).
Run: python bench/bench_git_state.py [--commits N] [--files N] [--runs N]
Prints medians in milliseconds and the ratios; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from devkit.git.state import repo_state


def fast_import_stream(commits: int, files: int) -> bytes:
    """A history on main: one commit adding every file, then commits changing one file each."""
    lines: list[bytes] = []
    when = 1_700_000_000
    for number in range(commits):
        lines.append(b"commit refs/heads/main")
        lines.append(f"committer Bench <bench@example.invalid> {when + number} +0000".encode())
        message = f"commit {number}".encode()
        lines.append(f"data {len(message)}".encode())
        lines.append(message)
        if number == 0:
            for index in range(files):
                body = f"file {index}\n".encode()
                lines.append(f"M 644 inline src/pkg{index % 50}/mod{index}.py".encode())
                lines.append(f"data {len(body)}".encode())
                lines.append(body)
        else:
            index = number % files
            body = f"file {index} v{number}\n".encode()
            lines.append(f"M 644 inline src/pkg{index % 50}/mod{index}.py".encode())
            lines.append(f"data {len(body)}".encode())
            lines.append(body)
        lines.append(b"")
    return b"\n".join(lines) + b"\n"


def make_repo(root: Path, commits: int, files: int) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}

    def git(*args: str, data: bytes | None = None) -> None:
        subprocess.run(
            ["git", "-C", str(root), *args], input=data, check=True, env=env, capture_output=True
        )

    root.mkdir()
    git("init", "-q", "-b", "main")
    git("fast-import", "--quiet", data=fast_import_stream(commits, files))
    git("checkout", "-q", "-f", "main")
    # A feature branch 10 commits behind main, as a developer's checkout would be.
    git("checkout", "-q", "-b", "feat/bench", "main~10")
    (root / "scratch.txt").write_text("untracked\n")
    (root / "src" / "pkg0" / "mod0.py").write_text("edited\n")


def medians_ms(funcs: list[Callable[[], object]], runs: int) -> list[float]:
    """Median wall time of each function, run round-robin so load changes hit all alike."""
    for func in funcs:
        func()  # warm the file-system cache and the index
    samples: list[list[float]] = [[] for _ in funcs]
    for _ in range(runs):
        for index, func in enumerate(funcs):
            start = time.perf_counter()
            func()
            samples[index].append((time.perf_counter() - start) * 1000)
    return [statistics.median(s) for s in samples]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        make_repo(root, args.commits, args.files)

        def plain_git() -> None:
            for cmd in (["status", "--porcelain"], ["rev-list", "--count", "HEAD"]):
                subprocess.run(["git", "-C", str(root), *cmd], capture_output=True, check=True)

        def gitpython() -> None:
            import git

            repo = git.Repo(root)
            repo.is_dirty()
            len(repo.untracked_files)
            len(list(repo.iter_commits("main..HEAD")))
            len(list(repo.iter_commits("HEAD..main")))
            repo.merge_base("main", "HEAD")

        state = repo_state(root, "main")
        print(
            f"repo: {args.commits} commits, {args.files} files; state: behind={state.behind} "
            f"ahead={state.ahead} dirty={state.dirty} untracked={state.untracked}"
        )
        from devkit.config.model import BranchPolicy
        from devkit.init.branch import FeatureBranchStep

        step = FeatureBranchStep(root, "feat/bench", BranchPolicy(pattern=r"feat/.+"), fetch=False)
        ours, plain, gp, done = medians_ms(
            [lambda: repo_state(root, "main"), plain_git, gitpython, step.is_done], args.runs
        )
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"repo_state (4 git calls, 2 in parallel):      median {ours:7.1f} ms")
        print(f"git status --porcelain + git rev-list --count: median {plain:7.1f} ms")
        print(f"GitPython (is_dirty, untracked, counts, mb):   median {gp:7.1f} ms")
        print(f"FeatureBranchStep.is_done (warm init no-op):  median {done:7.1f} ms")
        print(f"ratio repo_state / plain git: {ours / plain:.2f}")
        print(f"ratio repo_state / GitPython: {ours / gp:.2f}")


if __name__ == "__main__":
    main()
