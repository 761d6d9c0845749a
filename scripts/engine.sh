#!/usr/bin/env bash
# Ensure a Docker Engine answers. Idempotent: if `docker info` already works (DOCKER_HOST and
# contexts honoured) this does nothing. Otherwise, as root on a Debian machine, it installs
# Debian's docker.io if dockerd is missing, clears a stale pid file/socket, and starts dockerd
# detached (setsid + nohup) so it outlives this script and the CI step that ran it.
#
# Knobs (environment):
#   DEVKIT_DOCKERD_FLAGS   extra flags for dockerd, tried first (e.g. "--storage-driver=vfs")
#   DEVKIT_DOCKERD_LOG     log file (default /var/log/devkit-dockerd.log)
#   DEVKIT_DOCKERD_DATA_ROOT  data root of a private engine (see below)
#   DEVKIT_REGISTRY_MIRROR     a registry mirror for the engine it starts, e.g.
#                              http://127.0.0.1:5055 (scripts/registry.sh serves one there), so
#                              public image names pull from it; ignored when daemon.json sets one
#
# DOCKER_HOST=unix:///some/other.sock starts a private engine beside the system one: its own
# pid file, data root, exec root and log, no bridge and no iptables rules (tests use host
# networking), so two engines never fight over /var/lib/docker.
#   DEVKIT_ENGINE_TIMEOUT  seconds to wait for the engine to answer (default 60)
set -euo pipefail

timeout_s=${DEVKIT_ENGINE_TIMEOUT:-60}

say() { echo "engine.sh: $*"; }
die() {
    echo "engine.sh: error: $1" >&2
    [[ -n ${2:-} ]] && echo "engine.sh: hint: $2" >&2
    exit 3
}

# A zombie (state Z) is dead for our purposes: it only waits for its parent to reap it.
alive() { [[ -r /proc/$1/stat ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

engine_up() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

wait_for_engine() { # $1 = seconds; $2 = pid to watch (optional)
    local deadline=$((SECONDS + $1))
    while ((SECONDS < deadline)); do
        engine_up && return 0
        if [[ -n ${2:-} ]] && ! alive "$2"; then
            return 1 # dockerd died: no point waiting
        fi
        sleep 0.5
    done
    return 1
}

if engine_up; then
    say "Docker Engine already reachable ($(docker version --format '{{.Server.Version}}' 2>/dev/null)); nothing to do"
    exit 0
fi

# Which socket should the engine listen on? Only a local unix socket is something we can start.
sock=/var/run/docker.sock
if [[ -n ${DOCKER_HOST:-} ]]; then
    case $DOCKER_HOST in
        unix://*) sock=${DOCKER_HOST#unix://} ;;
        *) die "DOCKER_HOST=$DOCKER_HOST does not answer and is not a local socket" \
            "start that engine, or unset DOCKER_HOST to use a local one" ;;
    esac
elif command -v docker >/dev/null 2>&1; then
    ctx=$(docker context show 2>/dev/null || echo default)
    if [[ $ctx != default ]]; then
        die "docker context '$ctx' does not answer" \
            "start that engine, or run 'docker context use default'"
    fi
fi

sock=$(readlink -m "$sock")
daemon_flags=()
netns=()
if [[ $sock == /run/docker.sock || $sock == /var/run/docker.sock ]]; then
    pid_file=/var/run/docker.pid
    exec_root=/var/run/docker
    log_file=${DEVKIT_DOCKERD_LOG:-/var/log/devkit-dockerd.log}
else
    id=$(printf %s "$sock" | sha256sum | cut -c1-8)
    pid_file=/var/run/devkit-dockerd-$id.pid
    exec_root=/var/run/devkit-docker-$id
    log_file=${DEVKIT_DOCKERD_LOG:-/var/log/devkit-dockerd-$id.log}
    daemon_flags=(-H "unix://$sock" --pidfile "$pid_file"
        --data-root "${DEVKIT_DOCKERD_DATA_ROOT:-/var/lib/devkit-docker-$id}"
        --exec-root "$exec_root" --bridge=none --iptables=false --ip6tables=false)
    # A dockerd started with --bridge=none deletes the host's docker0, breaking the main engine's
    # builds and containers: a private engine gets a network namespace of its own.
    command -v unshare >/dev/null 2>&1 && netns=(unshare --net --)
fi

if ((EUID != 0)); then
    die "no Docker Engine reachable and not root, so cannot start one" \
        "start dockerd (e.g. 'sudo systemctl start docker') or rerun as root"
fi

why="no engine answered on unix://$sock"
installed=""
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 ||
        die "dockerd is not installed and apt-get is unavailable" "install Docker Engine"
    say "dockerd missing: installing Debian's docker.io"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq -o Dpkg::Use-Pty=0 docker.io >/dev/null ||
        die "apt-get install docker.io failed" "check the apt sources and network"
    command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd not on PATH" \
        "check PATH (dockerd lives in /usr/sbin)"
    installed="installed docker.io, "
    # On a machine with systemd the package starts the service itself; use that if it answers.
    if wait_for_engine 5; then
        say "${installed}engine started by the package's service ($why)"
        exit 0
    fi
fi

# Stale state from an engine that died: a pid file naming a dead process, a socket nobody serves.
if [[ -f $pid_file ]]; then
    old_pid=$(cat "$pid_file" 2>/dev/null || true)
    if [[ $old_pid =~ ^[0-9]+$ ]] && alive "$old_pid" &&
        [[ $(cat "/proc/$old_pid/comm" 2>/dev/null) == dockerd ]]; then
        # A dockerd is alive but not answering yet (still starting?): give it the timeout.
        say "dockerd (pid $old_pid) running but not answering; waiting up to ${timeout_s}s"
        if wait_for_engine "$timeout_s" "$old_pid"; then
            say "engine answered (dockerd pid $old_pid was still starting)"
            exit 0
        fi
        if alive "$old_pid"; then
            die "dockerd (pid $old_pid) is running but does not answer on unix://$sock" \
                "see $log_file; stop it (kill $old_pid) and rerun"
        fi
    fi
    say "removing stale $pid_file (pid ${old_pid:-?} not running)"
    rm -f "$pid_file"
    why="$why (previous dockerd ${old_pid:-?} is gone)"
fi
# dockerd reuses the containerd named in its pid file if that pid exists, and a zombie exists:
# after a crash it would wait for the dead containerd until it times out. Forget a dead one.
ctr_pid_file=$exec_root/containerd/containerd.pid
if [[ -f $ctr_pid_file ]]; then
    ctr_pid=$(cat "$ctr_pid_file" 2>/dev/null || true)
    if ! [[ $ctr_pid =~ ^[0-9]+$ ]] || ! alive "$ctr_pid"; then
        say "removing stale $ctr_pid_file (containerd ${ctr_pid:-?} not running)"
        rm -f "$ctr_pid_file"
    fi
fi
if [[ -S $sock ]]; then
    say "removing stale socket $sock"
    rm -f "$sock"
fi

mkdir -p "$(dirname "$log_file")" "$(dirname "$sock")"

# A mirror given both as a flag and in daemon.json stops dockerd from starting: the file wins.
if [[ -n ${DEVKIT_REGISTRY_MIRROR:-} ]]; then
    if grep -qs '"registry-mirrors"' /etc/docker/daemon.json; then
        say "daemon.json sets registry-mirrors; not adding $DEVKIT_REGISTRY_MIRROR"
    else
        daemon_flags+=("--registry-mirror=$DEVKIT_REGISTRY_MIRROR")
    fi
fi

# Try the defaults first (overlay2, iptables, bridge); if dockerd dies, fall back to settings
# that need fewer kernel features. Containers in tests use host networking, so no bridge is fine.
attempts=()
[[ -n ${DEVKIT_DOCKERD_FLAGS:-} ]] && attempts+=("$DEVKIT_DOCKERD_FLAGS")
attempts+=(
    ""
    "--iptables=false --ip6tables=false --bridge=none"
    "--storage-driver=vfs --iptables=false --ip6tables=false --bridge=none"
)

for flags in "${attempts[@]}"; do
    echo "=== $(date -u +%FT%TZ) engine.sh: dockerd ${daemon_flags[*]} $flags" >>"$log_file"
    # shellcheck disable=SC2086 # $flags is a word list on purpose
    setsid nohup "${netns[@]}" dockerd "${daemon_flags[@]}" $flags </dev/null >>"$log_file" 2>&1 &
    pid=$!
    t0=$EPOCHREALTIME
    if wait_for_engine "$timeout_s" "$pid"; then
        say "${installed}started dockerd (pid $pid${flags:+, flags: $flags}) in $(elapsed "$t0")s" \
            "because $why; log: $log_file"
        exit 0
    fi
    if alive "$pid"; then
        # Alive but silent for the whole timeout: do not stack a second daemon on top of it.
        die "dockerd (pid $pid) did not answer within ${timeout_s}s" "see $log_file"
    fi
    say "dockerd exited with flags '${flags:-<defaults>}'; trying next configuration"
    rm -f "$pid_file"
done

echo "engine.sh: last lines of $log_file:" >&2
tail -n 15 "$log_file" >&2 || true
die "could not start dockerd with any configuration" "see $log_file"
