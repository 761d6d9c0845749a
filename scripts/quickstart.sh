#!/usr/bin/env bash
# The README's first command: install devkit as a user would and run its main job on the
# embedded defaults (no cloud account). Safe to run again: every step is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { printf '\n== %s\n' "$*"; }

say "installing devkit into .venv (not editable, as a user would)"
[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q "$root"
export PATH="$root/.venv/bin:$PATH"

say "making sure a Docker Engine answers (starts one when this machine has none running)"
bash scripts/engine.sh

say "devkit doctor"
devkit doctor || true

say "devkit profiles list"
devkit profiles list
