#!/bin/sh
# Installs devkit into its own environment, /opt/devkit (like pipx), at image build time (root).
#   deps  devkit's dependencies, pinned in devkit-deps.txt, from the package index
#   self  devkit itself: the committed wheel under vendor/ when there is one, else the exact
#         version pinned with its sha256 hashes in devkit-pin.txt (--require-hashes, --no-deps)
# DEVKIT_INDEX_URL / DEVKIT_EXTRA_INDEX_URL (build args from devkit's local layer) name another
# index than pip's default. Written by devkit.
set -eu
here=$(dirname "$0")
set -- "$1"
if [ -n "${DEVKIT_INDEX_URL:-}" ]; then set -- "$@" --index-url "$DEVKIT_INDEX_URL"; fi
if [ -n "${DEVKIT_EXTRA_INDEX_URL:-}" ]; then set -- "$@" --extra-index-url "$DEVKIT_EXTRA_INDEX_URL"; fi
what=$1
shift
pip=/opt/devkit/bin/pip
case "$what" in
deps)
    python3 -m venv /opt/devkit
    "$pip" install --no-cache-dir --disable-pip-version-check "$@" -r "$here/devkit-deps.txt"
    ;;
self)
    wheel=""
    for f in "$here"/*.whl; do [ -f "$f" ] && wheel=$f; done
    if [ -n "$wheel" ]; then
        "$pip" install --no-cache-dir --disable-pip-version-check --no-index --no-deps "$wheel"
    else
        "$pip" install --no-cache-dir --disable-pip-version-check --no-deps --require-hashes \
            "$@" -r "$here/devkit-pin.txt"
    fi
    ln -sf /opt/devkit/bin/devkit /usr/local/bin/devkit
    ;;
*)
    echo "devkit-install.sh: unknown step '$what'" >&2
    exit 2
    ;;
esac
