"""Examples shown at the end of each command's ``--help`` (argparse epilogs), in one place.

Keyed by the command path after ``devkit``; ``cli._Parser`` picks its epilog from here by its
own ``prog``, so a command module needs no help-text plumbing.
"""

from __future__ import annotations

EXAMPLES: dict[str, list[str]] = {
    "init": [
        "devkit init                                   # guided, in a terminal",
        "devkit init --profile training --branch feat/tokenizer --data synthetic --yes",
        "devkit init --dry-run                         # what would change, changing nothing",
    ],
    "sync-data": [
        "devkit sync-data                              # the profile's S3 sample, read-only",
        "devkit sync-data --synthetic --seed 42        # no cloud account needed",
        "devkit sync-data --verify                     # re-hash every local file",
    ],
    "data": ["devkit data schema data/training"],
    "data schema": [
        "devkit data schema data/training",
        "devkit data schema --declared --json          # what the profile declares",
    ],
    "check": [
        "devkit check",
        "devkit check --reference s3://BUCKET/parity/training.json",
        "devkit check --format junit --output parity.xml",
    ],
    "run": [
        "devkit run -- python training/train.py",
        "devkit run -- python -m pytest -q",
    ],
    "parity": ["devkit parity snapshot --out ref.json", "devkit parity diff ref.json latest"],
    "parity snapshot": [
        "devkit parity snapshot --out ref.json",
        "devkit parity snapshot --out s3://BUCKET/parity/training.json   # staging's deploy job",
    ],
    "parity diff": ["devkit parity diff ref.json latest"],
    "hooks": ["devkit hooks install", "devkit hooks uninstall"],
    "hooks install": ["devkit hooks install"],
    "hooks uninstall": ["devkit hooks uninstall"],
    "post-create": ["devkit post-create --profile training   # set in devcontainer.json"],
    "image": [
        "devkit image publish --profile training       # CI on main: build and push",
        "devkit image publish --profile training --dry-run",
    ],
    "image publish": [
        "devkit image publish --profile training       # REPO:<content hash> and REPO:latest",
        "devkit image publish --profile training --json",
        "devkit image publish --profile training --dry-run",
    ],
    "status": ["devkit status", "devkit --json status"],
    "down": ["devkit down                                   # image, workspace and data stay"],
    "doctor": ["devkit doctor", "devkit doctor --json"],
    "profiles": ["devkit profiles list", "devkit profiles show training"],
    "profiles list": ["devkit profiles list", "devkit profiles list --json"],
    "profiles show": ["devkit profiles show training"],
    "credentials": ["devkit credentials serve --dir DIR   # started by 'devkit init'"],
    "credentials serve": ["devkit credentials serve --dir DIR"],
    "credentials get": ["devkit credentials get --socket PATH   # an AWS credential_process"],
    "completion": [
        'eval "$(devkit completion bash)"              # in ~/.bashrc',
        'eval "$(devkit completion zsh)"               # in ~/.zshrc, after compinit',
        "devkit completion fish > ~/.config/fish/completions/devkit.fish",
    ],
}


def epilog(prog: str) -> str | None:
    """The examples block for a parser whose prog is ``devkit …``, or None."""
    lines = EXAMPLES.get(prog.removeprefix("devkit").strip())
    if not lines:
        return None
    return "examples:\n" + "\n".join("  " + line for line in lines)
