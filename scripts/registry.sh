#!/usr/bin/env bash
# A real image registry on loopback for the tests: Debian's docker-registry (the CNCF
# distribution registry) on 127.0.0.1, no auth, storage in a folder of its own. It also serves
# as the engine's --registry-mirror (scripts/engine.sh, DEVKIT_REGISTRY_MIRROR), so a profile's
# public base image name pulls for real: this script seeds the registry with the local base
# image under that name (library/python:3.11-slim by default).
# Idempotent: a registry that already answers is reused; a seeded name is not pushed again.
#
# Knobs (environment):
#   DEVKIT_REGISTRY_PORT     loopback port (default 5055)
#   DEVKIT_REGISTRY_DIR      config, storage and log folder (default /var/lib/devkit-registry as
#                            root, else ${XDG_STATE_HOME:-~/.local/state}/devkit-registry)
#   DEVKIT_REGISTRY_SEED     "LOCAL_TAG=REPO:TAG ..." images to push (default
#                            "devkit-base:bookworm=library/python:3.11-slim")
set -euo pipefail

port=${DEVKIT_REGISTRY_PORT:-5055}
if ((EUID == 0)); then
    dir=${DEVKIT_REGISTRY_DIR:-/var/lib/devkit-registry}
else
    dir=${DEVKIT_REGISTRY_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/devkit-registry}
fi
seed=${DEVKIT_REGISTRY_SEED:-devkit-base:bookworm=library/python:3.11-slim}
addr=127.0.0.1:$port
t0=$EPOCHREALTIME

say() { echo "registry.sh: $*"; }
die() {
    echo "registry.sh: error: $1" >&2
    [[ -n ${2:-} ]] && echo "registry.sh: hint: $2" >&2
    exit 3
}
elapsed() { awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
answers() { curl -fsS -o /dev/null --max-time 2 "http://$addr/v2/" 2>/dev/null; }
# Exit status 0 when the registry already holds REPO:TAG.
has_manifest() {
    curl -fsS -o /dev/null --max-time 5 -I \
        -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$addr/v2/$1/manifests/$2" 2>/dev/null
}

if ! command -v docker-registry >/dev/null 2>&1; then
    ((EUID == 0)) && command -v apt-get >/dev/null 2>&1 ||
        die "docker-registry is not installed" "install Debian's docker-registry package (as root: apt-get install docker-registry)"
    say "installing Debian's docker-registry"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq -o Dpkg::Use-Pty=0 docker-registry >/dev/null ||
        die "apt-get install docker-registry failed" "check the apt sources and network"
    # The package's init script is not used: this script runs the registry on loopback only.
fi
command -v curl >/dev/null 2>&1 || die "curl is missing" "install curl"

if answers; then
    say "registry already answers on $addr"
else
    mkdir -p "$dir/storage"
    chmod 0700 "$dir"
    cat >"$dir/config.yml" <<CONFIG
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: $addr
CONFIG
    setsid nohup docker-registry serve "$dir/config.yml" </dev/null >>"$dir/registry.log" 2>&1 &
    echo $! >"$dir/registry.pid"
    for _ in $(seq 1 60); do
        answers && break
        sleep 0.25
    done
    answers || die "docker-registry did not answer on $addr" "see $dir/registry.log"
    say "started docker-registry (pid $(cat "$dir/registry.pid")) on $addr; log: $dir/registry.log"
fi

# Seed: push each LOCAL_TAG under REPO:TAG unless the registry already has that name.
for pair in $seed; do
    local_tag=${pair%%=*}
    name=${pair#*=}
    repo=${name%:*}
    tag=${name##*:}
    if has_manifest "$repo" "$tag"; then
        say "$name already in the registry"
        continue
    fi
    docker image inspect "$local_tag" >/dev/null 2>&1 ||
        die "$local_tag is not on the engine, cannot seed $name" "run scripts/base-image.sh first"
    docker tag "$local_tag" "$addr/$name"
    docker push -q "$addr/$name" >/dev/null || die "pushing $name to $addr failed" "see $dir/registry.log"
    docker rmi -f "$addr/$name" >/dev/null 2>&1 || true
    say "seeded $name from $local_tag"
done

mirrors=$(docker info --format '{{json .RegistryConfig.Mirrors}}' 2>/dev/null || echo '[]')
if [[ $mirrors == *"$addr"* ]]; then
    say "the engine uses it as its registry mirror ($(elapsed)s)"
else
    say "warning: the engine does not use http://$addr as a registry mirror, so public image names"
    say "hint: restart dockerd with --registry-mirror=http://$addr (scripts/engine.sh does when it starts one)"
fi
