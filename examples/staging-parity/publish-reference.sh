#!/usr/bin/env bash
# Staging's deploy job, shell form: build the workload image from `main` and publish its parity
# reference from inside it, with staging's own deploy role. Run it in the deploy pipeline after
# the image is built, on a runner whose AWS credentials are staging's deploy role (an OIDC role,
# an instance/task role, or AWS_PROFILE). devkit refuses (exit 4, nothing written) when the
# credentials belong to an account the environments map classifies as dev (or prod, or not at
# all), or when the bucket is not a staging parity bucket.
#
#   publish-reference.sh PROFILE
#
# Environment:
#   DEVKIT_VERSION       devkit to install in the image, from your package index (required
#                        unless DEVKIT_WHEELS is set)
#   DEVKIT_WHEELS        a folder of wheels holding devkit and its dependencies (offline)
#   BASE_IMAGE           the workload's base image (default: the profile's image.base)
#   STAGING_ENV_FILE     the variables staging's task gets (NAME=VALUE lines, e.g. rendered
#                        from the task definition); the reference records their names only
#   STAGING_DATA_DIR     staging's dataset, mounted read-only at the profile's data.dest
#   PARITY_URL           where to publish (default: the profile's parity.reference)
#   REF                  the commit to build (default: origin/main)
set -euo pipefail
die() { printf 'publish-reference: error: %s\npublish-reference: hint: %s\n' "$1" "$2" >&2; exit "${3:-2}"; }
(($# == 1)) || die "usage: publish-reference.sh PROFILE" "name the workload profile to publish"
profile=$1
here=$(cd "$(dirname "$0")" && pwd)
ws=$(git rev-parse --show-toplevel)
ref=${REF:-origin/main}
command -v devkit >/dev/null || die "devkit is not installed on this runner" \
    "pip install acme-ml-devkit==\$DEVKIT_VERSION (it reads the profile; the snapshot runs in the image)"

show=$(devkit --workspace "$ws" profiles show "$profile" --json)
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print($1 or '')" "$show"; }
base=${BASE_IMAGE:-$(field 'd["image"]["base"]')}
lockfile=$(field 'd["image"].get("lockfile")')
dest=$(field '(d.get("data") or {}).get("dest")')
url=${PARITY_URL:-$(field '(d.get("parity") or {}).get("reference")')}
url=${url//\{profile\}/$profile}
[[ $url == s3://* ]] || die "the profile publishes to '$url', not s3://…" "set PARITY_URL=s3://BUCKET/KEY"

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/app" "$ctx/devkit" "$ctx/trust" # trust/: staging's build trusts its own CAs
git -C "$ws" archive "$ref" | tar -x -C "$ctx/app"
cp "$here/Dockerfile" "$ctx/"
if [[ -n ${DEVKIT_WHEELS:-} ]]; then
    cp "$DEVKIT_WHEELS"/* "$ctx/devkit/"
else
    [[ -n ${DEVKIT_VERSION:-} ]] || die "DEVKIT_VERSION is not set" "set it to the devkit release to install"
    python3 -m pip download -q --only-binary=:all: -d "$ctx/devkit" "acme-ml-devkit==$DEVKIT_VERSION"
    echo "acme-ml-devkit==$DEVKIT_VERSION" >"$ctx/devkit/requirements.txt"
fi
docker pull -q "$base" >/dev/null 2>&1 || true
digest=$(docker image inspect -f '{{if .RepoDigests}}{{index .RepoDigests 0}}{{else}}{{.Id}}{{end}}' "$base")
tag="parity-reference/$profile:$(git -C "$ws" rev-parse --short "$ref")"
docker build -q -t "$tag" --build-arg "BASE_IMAGE=$base" --build-arg "BASE_DIGEST=${digest#*@}" \
    --build-arg "LOCKFILE=$lockfile" "$ctx" >/dev/null

run=(docker run --rm)
[[ -n ${STAGING_ENV_FILE:-} ]] && run+=(--env-file "$STAGING_ENV_FILE")
[[ -n ${STAGING_DATA_DIR:-} && -n $dest ]] && run+=(-v "$STAGING_DATA_DIR:/app/$dest:ro")
# The deploy role's credentials reach the container by name only (never on the command line).
for name in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION \
    AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN; do
    [[ -n ${!name:-} ]] && run+=(-e "$name")
done
"${run[@]}" "$tag" devkit parity snapshot --profile "$profile" --out "$url"
