#!/usr/bin/env bash
# The README's first command: from nothing to a green `devkit check`, with no cloud account.
#
#   1. install devkit into .venv (not editable, as a user would)
#   2. make sure a Docker Engine answers (on a root Debian machine without one, start one)
#   3. pick the base image: the profile's own when the engine has it or can pull it; else, on a
#      root Debian machine (no registry reachable), build the local one and use that
#   4. copy examples/ml-platform into a demo folder as a git repository (never over a folder
#      that is not an earlier demo: DEVKIT_DEMO_DIR names another one)
#   5. devkit init --profile training --branch feat/demo --data synthetic --yes
#   6. devkit run -- python training/train.py
#   7. a staging reference for the demo from a second environment: the workload image built from
#      main (examples/staging-parity/), run with staging platform variables, snapshots itself
#   8. devkit check
#
# Safe to run again: every step is idempotent, and the second run is the "warm" one.
# Knobs: DEVKIT_DEMO_DIR (default $HOME/devkit-demo), DEVKIT_DEMO_PROFILE (default training).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
demo=${DEVKIT_DEMO_DIR:-${HOME:-$root}/devkit-demo}
profile=${DEVKIT_DEMO_PROFILE:-training}
local_base=devkit-base:bookworm
t0=$EPOCHREALTIME

say() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }
die() {
    printf 'quickstart: error: %s\n' "$1" >&2
    [[ -n ${2:-} ]] && printf 'quickstart: hint: %s\n' "$2" >&2
    exit "${3:-2}"
}
elapsed() { awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

say "installing devkit into .venv (not editable, as a user would)"
[[ -x .venv/bin/python ]] || python3 -m venv .venv
# Reinstall only when devkit's sources changed since the last install (the stamp holds their hash).
stamp=.venv/.devkit-quickstart-stamp
sources=$(find pyproject.toml setup.py src profiles devcontainer -type f ! -path '*/__pycache__/*' ! -path '*.egg-info/*' \
    -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum)
if [[ $(cat "$stamp" 2>/dev/null) == "$sources" && -x .venv/bin/devkit ]]; then
    note "devkit $(.venv/bin/devkit --version | cut -d' ' -f2) already installed from these sources"
else
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q "$root"
    echo "$sources" >"$stamp"
fi
export PATH="$root/.venv/bin:$PATH"

say "making sure a Docker Engine answers (starts one when this machine has none running)"
bash scripts/engine.sh

say "choosing the base image"
want=$(devkit profiles show "$profile" --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["image"]["base"])' 2>/dev/null ||
    echo "python:3.11-slim")
base=$want
init_extra=()
if docker image inspect "$want" >/dev/null 2>&1; then
    note "$want is present on the engine: using the profile's own base image"
elif timeout 120 docker pull -q "$want" >/dev/null 2>&1; then
    note "pulled $want: using the profile's own base image"
elif docker image inspect "$local_base" >/dev/null 2>&1; then
    note "$want cannot be found or pulled (no image registry reachable from here): using the"
    note "local base image $local_base (Debian + Python 3.11) that is already on the engine"
    base=$local_base
elif ((EUID == 0)) && [[ -f /etc/debian_version ]]; then
    note "$want cannot be found or pulled (no image registry reachable from here), and this is"
    note "a root Debian machine: building the local base image $local_base (Debian + Python"
    note "3.11 via debootstrap, once) the way the test command does, and using it instead"
    bash scripts/base-image.sh "$local_base"
    base=$local_base
else
    die "the base image $want cannot be found or pulled" \
        "pull it where a registry is reachable, or run scripts/base-image.sh as root on Debian" 3
fi
[[ $base == "$want" ]] || init_extra+=(--base-image "$base")

if [[ -n ${DEVKIT_NETWORK:-} ]]; then
    note "network: $DEVKIT_NETWORK (from DEVKIT_NETWORK)"
elif ! docker network inspect bridge >/dev/null 2>&1 || ((${#init_extra[@]})); then
    # An engine without a bridge, or a machine without a registry (like CI here): builds and
    # the container use the host's network and reach the package index the way the host does.
    init_extra+=(--network host)
    note "network: host (no bridge on this engine, or no registry here: builds and the container"
    note "reach the package index the way this host does, as the test suite's containers do)"
fi

# devkit is not published to a package index yet: the image installs a wheel of this devkit,
# committed under .devcontainer/vendor/ (see README, "one committed dev environment").
init_extra+=(--vendor)

say "the demo workspace: $demo"
marker=.devkit/quickstart-demo
if [[ -e $demo && ! -f $demo/$marker ]]; then
    die "$demo exists and is not a devkit demo; it is left as it is" \
        "set DEVKIT_DEMO_DIR to another folder"
fi
if [[ ! -d $demo ]]; then
    cp -a examples/ml-platform "$demo"
    echo "created by devkit's scripts/quickstart.sh" >"$demo/$marker" # git-ignored
    (
        cd "$demo"
        git init -q -b main
        git add -A
        git -c user.name="${GIT_AUTHOR_NAME:-devkit demo}" \
            -c user.email="${GIT_AUTHOR_EMAIL:-demo@devkit.invalid}" \
            commit -q -m "ml-platform sample workspace"
    )
    note "copied examples/ml-platform there and made it a git repository"
else
    note "reusing the demo from an earlier run"
fi
cd "$demo"

say "devkit init --profile $profile --branch feat/demo --data synthetic --yes ${init_extra[*]}"
devkit init --profile "$profile" --branch feat/demo --data synthetic --yes --no-input "${init_extra[@]}"

say "devkit run -- python training/train.py"
devkit run -- python training/train.py

say "a staging reference for the demo, from a second environment"
note "staging's deploy builds the workload image from main and publishes its fingerprint"
note "(examples/staging-parity/publish-reference.sh). With no cloud account, the same image is"
note "built here (base image + lockfile + devkit only to take the snapshot, none of the dev"
note "container's extras), run with a staging platform's variables (ECS_*, AWS_EXECUTION_ENV,"
note "OTEL_*, DD_*) and its own synthetic data; its snapshot, .devkit/reference/$profile.json,"
note "STANDS IN for staging's published reference"
standin_env=(PYTHON="$root/.venv/bin/python")
for arg in "${init_extra[@]}"; do [[ $arg == host ]] && standin_env+=(STANDIN_NETWORK=host); done
[[ -n ${DEVKIT_NETWORK:-} ]] && standin_env+=(STANDIN_NETWORK="$DEVKIT_NETWORK")
env "${standin_env[@]}" bash "$root/examples/staging-parity/standin-reference.sh" \
    "$demo" "$profile" "$base" "$demo/.devkit/reference/$profile.json"

say "devkit check"
devkit check

say "done in $(elapsed) s: $demo is on feat/demo with a running dev container and a green check"
note "next: cd $demo && devkit status; stop the container with 'devkit down'"
