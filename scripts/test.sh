#!/usr/bin/env bash
# The project's "second command": from a fresh clone (as root on Debian, or as a developer with
# a running Docker Engine) set everything up and run every check. Idempotent; a second run
# skips what is already in place. Arguments are passed to pytest.
#
#   scripts/test.sh                   everything
#   scripts/test.sh tests/unit        the fast path: pure tests, nothing to provision
#   scripts/test.sh -m 'not docker'   pytest arguments pass through
#
# With arguments, pytest first collects the selected tests and only what they need is set up:
# the Docker Engine, base image and image registry for tests marked `docker`, the reference
# Dev Containers CLI for `devcontainer_cli`, tmux for `tmux` (markers set in tests/conftest.py).
#
# Knobs: DEVKIT_DEVCONTAINER_CLI_VERSION (npm version of @devcontainers/cli to install),
#        DEVKIT_REGISTRY_PORT (loopback image registry, default 5055; see scripts/registry.sh)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 DEBIAN_FRONTEND=noninteractive
# 0.83.0 is the newest CLI that still runs on Debian 12's Node 18 (0.85+ needs Node 20).
cli_version=${DEVKIT_DEVCONTAINER_CLI_VERSION:-0.83.0}

t_start=$EPOCHREALTIME
t_phase=$t_start
current=""
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
phase() {
    [[ -n $current ]] && echo "    ($current took $(since "$t_phase")s)"
    current=$1
    t_phase=$EPOCHREALTIME
    echo "==> [$(since "$t_start")s] $1"
}
trap 'rc=$?; ((rc)) && echo "==> FAILED in phase: ${current:-setup} (exit $rc, after $(since "$t_start")s)" >&2' EXIT

apt_install() {
    ((EUID == 0)) || { echo "need root to apt-get install $*" >&2; return 1; }
    apt-get update -qq >/dev/null
    apt-get install -y -qq -o Dpkg::Use-Pty=0 "$@" >/dev/null
}

# --- Python environment ------------------------------------------------------------------------
phase "python venv (.venv)"
if [[ ! -x .venv/bin/python ]]; then
    # Debian's python3 has no ensurepip until python3-venv is installed.
    python3 -m venv .venv 2>/dev/null || { rm -rf .venv && apt_install python3-venv && python3 -m venv .venv; }
fi
.venv/bin/python -c 'import sys; assert sys.version_info >= (3, 11), sys.version' ||
    { echo "need Python >= 3.11 for .venv" >&2; exit 2; }

phase "pip install -e '.[dev]'"
# Reinstall only when the packaging metadata changed (the stamp records its hash).
stamp=.venv/.devkit-install-stamp
want=$(for f in pyproject.toml setup.py setup.cfg; do if [[ -f $f ]]; then cat "$f"; fi; done | sha256sum)
want=${want%% *}
if [[ $(cat "$stamp" 2>/dev/null) != "$want" ]]; then
    .venv/bin/python -m pip install -q -e '.[dev]'
    echo "$want" >"$stamp"
else
    echo "    up to date"
fi
export PATH="$root/.venv/bin:$PATH"
export VIRTUAL_ENV="$root/.venv"

# --- what do the selected tests need? ----------------------------------------------------------
needs="docker devcontainer_cli tmux"
if (($#)); then
    phase "which prerequisites the selected tests need"
    needs_file=$(mktemp)
    set +e
    DEVKIT_TEST_NEEDS_FILE=$needs_file pytest --collect-only -q -p no:cacheprovider "$@" >/dev/null
    rc=$?
    set -e
    # 5 = nothing collected: pytest reports that itself below. Otherwise show what went wrong.
    if ((rc != 0 && rc != 5)); then
        pytest --collect-only -q -p no:cacheprovider "$@" | tail -n 20 >&2 || true
        exit "$rc"
    fi
    needs=$(tr '\n' ' ' <"$needs_file")
    rm -f "$needs_file"
    echo "    ${needs:-nothing beyond the Python environment}"
fi
need() { [[ " $needs " == *" $1 "* ]]; }

# --- Docker Engine, base image and image registry -----------------------------------------------
# The loopback registry doubles as the engine's registry mirror: public names such as
# python:3.11-slim pull from it for real (scripts/registry.sh seeds it with the local base image).
export DEVKIT_REGISTRY_PORT=${DEVKIT_REGISTRY_PORT:-5055}
export DEVKIT_REGISTRY_MIRROR=${DEVKIT_REGISTRY_MIRROR:-http://127.0.0.1:$DEVKIT_REGISTRY_PORT}
if need docker; then
    phase "docker engine"
    bash scripts/engine.sh

    phase "base image"
    bash scripts/base-image.sh

    phase "image registry (127.0.0.1:$DEVKIT_REGISTRY_PORT)"
    bash scripts/registry.sh
fi

# --- reference devcontainer CLI (interop tests) -------------------------------------------------
if need devcontainer_cli; then
    phase "devcontainer CLI $cli_version (.tools)"
    cli_pkg=.tools/node_modules/@devcontainers/cli/package.json
    have_cli=""
    [[ -f $cli_pkg ]] && have_cli=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$cli_pkg" | head -n1)
    if [[ ! -x .tools/node_modules/.bin/devcontainer || $have_cli != "$cli_version" ]]; then
        command -v npm >/dev/null 2>&1 || apt_install nodejs npm
        npm install --prefix .tools --no-audit --no-fund --loglevel=error \
            "@devcontainers/cli@$cli_version" >/dev/null
    fi
    export PATH="$root/.tools/node_modules/.bin:$PATH"
    echo "    devcontainer $(devcontainer --version)"
fi

# --- tmux (the TUI smoke test drives the real devkit in a terminal) -----------------------------
if need tmux; then
    phase "tmux"
    command -v tmux >/dev/null 2>&1 || apt_install tmux
    echo "    $(tmux -V)"
fi

# --- checks ------------------------------------------------------------------------------------
phase "ruff check"
ruff check .

phase "ruff format --check"
ruff format --check .

phase "mypy"
mypy

phase "import contracts (lint-imports)"
lint-imports

phase "pytest"
set +e
pytest "$@"
rc=$?
set -e
if ((rc == 5)); then
    echo "pytest collected no tests: treating that as a failure" >&2
    exit 5
fi
((rc == 0)) || exit "$rc"

phase "done"
echo "==> all checks passed in $(since "$t_start")s"
