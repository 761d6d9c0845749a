#!/usr/bin/env bash
# Build the local Python base image if it is missing: `debootstrap --variant=minbase` of the
# Debian suite and mirror this host's apt already uses, imported with `docker import`.
# No image registry is involved, so it works where Docker Hub is unreachable.
# Idempotent and instant when the tag exists.
#
# Usage: scripts/base-image.sh [TAG]            (default devkit-base:bookworm)
# Knobs: DEVKIT_BASE_SUITE, DEVKIT_BASE_MIRROR   override what the apt sources say
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tag=${1:-devkit-base:bookworm}
include=python3,python3-venv,python3-pip,git,ca-certificates
t0=$EPOCHREALTIME

say() { echo "base-image.sh: $*"; }
die() {
    echo "base-image.sh: error: $1" >&2
    [[ -n ${2:-} ]] && echo "base-image.sh: hint: $2" >&2
    exit 3
}
elapsed() { awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
have_image() { docker image inspect "$tag" >/dev/null 2>&1; }

docker info >/dev/null 2>&1 || bash "$here/engine.sh"

if have_image; then
    say "$tag already present; nothing to do ($(elapsed)s)"
    exit 0
fi

# Two concurrent runs (parallel test workers, two terminals) must not both debootstrap.
lock=/var/lock/devkit-base-image.lock
[[ -w $(dirname "$lock") ]] || lock=${TMPDIR:-/tmp}/devkit-base-image.lock
exec 9>"$lock"
if ! flock -n 9; then
    say "another build of the base image is running; waiting for it"
    flock 9
    if have_image; then
        say "$tag was built by the other run ($(elapsed)s)"
        exit 0
    fi
fi

((EUID == 0)) || die "building $tag needs root (debootstrap)" "rerun as root or via sudo"

# --- which suite and mirror does this host use? ---------------------------------------------
# shellcheck source=/dev/null
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
codename=${codename:-bookworm}

# Prints "URI SUITE" for every enabled `deb` entry, from both deb822 (.sources) and one-line
# (.list) files.
apt_entries() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        awk '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && enabled !~ /^(no|false)$/)
                    for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
                types = ""; enabled = ""; nu = 0; ns = 0
            }
            /^[ \t]*$/ { flush(); next }
            /^[ \t]*#/ { next }
            tolower($1) == "types:"   { types = $0; sub(/^[^:]*:[ \t]*/, "", types) }
            tolower($1) == "enabled:" { enabled = tolower($2) }
            tolower($1) == "uris:"    { for (i = 2; i <= NF; i++) u[++nu] = $i }
            tolower($1) == "suites:"  { for (i = 2; i <= NF; i++) s[++ns] = $i }
            END { flush() }
        ' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        # deb [opt=val ...] URI SUITE COMPONENTS...
        sed -E -n 's/^[ \t]*deb[ \t]+(\[[^]]*\][ \t]+)?([^ \t]+)[ \t]+([^ \t]+).*/\2 \3/p' "$f"
    done
}

suite=${DEVKIT_BASE_SUITE:-$codename}
mirror=${DEVKIT_BASE_MIRROR:-}
if [[ -z $mirror ]]; then
    mirror=$(apt_entries | awk -v s="$suite" '$2 == s { print $1; exit }')
    mirror=${mirror:-http://deb.debian.org/debian}
fi
mirror=${mirror%/}

# --- build ---------------------------------------------------------------------------------
if ! command -v debootstrap >/dev/null 2>&1; then
    say "debootstrap missing: installing it with apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq -o Dpkg::Use-Pty=0 debootstrap debian-archive-keyring >/dev/null ||
        die "apt-get install debootstrap failed" "check the apt sources and network"
fi

root=$(mktemp -d "${TMPDIR:-/var/tmp}/devkit-base.XXXXXX")
cleanup() {
    # debootstrap mounts /proc and /sys in the target; a failed run can leave them mounted,
    # and rm -rf must never walk into the host's /proc.
    local m
    awk -v r="$root" 'index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf --one-file-system "$root"
    rm -f "$root.log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "building $tag: debootstrap $suite from $mirror (this takes a few minutes, once)"
debootstrap_log=$root.log
if ! debootstrap --variant=minbase --include="$include" --components=main \
    "$suite" "$root" "$mirror" >"$debootstrap_log" 2>&1; then
    tail -n 20 "$debootstrap_log" >&2
    cp "$debootstrap_log" "${TMPDIR:-/tmp}/devkit-debootstrap-failed.log" 2>/dev/null || true
    rm -f "$debootstrap_log"
    die "debootstrap $suite from $mirror failed" \
        "full log: ${TMPDIR:-/tmp}/devkit-debootstrap-failed.log; set DEVKIT_BASE_MIRROR to override"
fi
rm -f "$debootstrap_log"

# Slim it like the official images do: no cached .debs, no package lists (run apt-get update).
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/tmp/* \
    "$root"/var/log/*.log "$root"/var/log/apt/*
py=$(chroot "$root" python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')

tar --numeric-owner --xattrs -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    --change 'LABEL org.devkit.base=1' \
    --change "LABEL org.devkit.base.suite=$suite" \
    --change "LABEL org.devkit.base.python=$py" \
    - "$tag" >/dev/null

have_image || die "docker import finished but $tag is not listed"
size=$(docker image inspect "$tag" --format '{{.Size}}' | awk '{ printf "%d MB", $1 / 1e6 }')
say "built $tag (Debian $suite, Python $py, $size) in $(elapsed)s"
