#!/usr/bin/env bash
# A stand-in for staging's published reference, taken in a second environment: the workload's
# image built from `main` with this folder's Dockerfile (no devkit dev extras), run with a
# staging platform's variables (platform.env), generating the profile's synthetic dataset as
# staging's data and writing `devkit parity snapshot` to OUT_JSON. The README demo
# (scripts/quickstart.sh) and the integration tests use it; staging itself runs
# publish-reference.sh, which publishes to S3 instead.
#
#   standin-reference.sh WORKSPACE PROFILE BASE_IMAGE OUT_JSON
#
# Knobs: STANDIN_REF (default main), STANDIN_NETWORK (e.g. host: builds and the run reach the
# package index the way this host does), STANDIN_DATA (synthetic | none, default synthetic),
# DEVKIT_EXTRA_LABELS (k=v,k=v labels on the image and container), PYTHON (an interpreter with
# devkit installed, default python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() {
    printf 'standin-reference: error: %s\nstandin-reference: hint: %s\n' "$1" "$2" >&2
    exit "${3:-2}"
}
(($# == 4)) || die "usage: standin-reference.sh WORKSPACE PROFILE BASE_IMAGE OUT_JSON" \
    "pass the workspace, the profile, the base image and where to write the reference"
ws=$(cd "$1" && pwd)
profile=$2 base=$3 out=$4
ref=${STANDIN_REF:-main}
py=${PYTHON:-python3}
git -C "$ws" rev-parse --verify -q "$ref^{commit}" >/dev/null ||
    die "$ws has no branch '$ref' to build staging's image from" "commit the workload on $ref first"

read -r python lockfile < <("$py" -m devkit --workspace "$ws" profiles show "$profile" --json |
    "$py" -c 'import json,sys; i=json.load(sys.stdin)["image"]; print(i["python"], i.get("lockfile") or "")')

ctx=$ws/.devkit/staging-build # git-ignored with the rest of .devkit/
rm -rf "$ctx"
mkdir -p "$ctx/app"
git -C "$ws" archive "$ref" | tar -x -C "$ctx/app"
cp "$here/Dockerfile" "$ctx/Dockerfile"
"$py" -m devkit.parity.standin "$ctx" --python "$python" --arch "$(uname -m)"

tag="devkit-standin-staging/$profile:$ref"
tag=${tag//[^a-zA-Z0-9\/:._-]/-}
# The same rule as devkit's side and publish-reference.sh: the registry digest, else the image id.
digest=$(docker image inspect -f '{{if .RepoDigests}}{{index .RepoDigests 0}}{{else}}{{.Id}}{{end}}' "$base")
digest=${digest#*@}
args=()
[[ -n ${STANDIN_NETWORK:-} ]] && args+=(--network "$STANDIN_NETWORK")
IFS=, read -ra labels <<<"${DEVKIT_EXTRA_LABELS:-}"
for label in "${labels[@]}"; do [[ -n $label ]] && args+=(--label "$label"); done
args+=(--label "devkit.standin=$profile")
build=()
# A proxy reaches the build as Docker's predefined build args (not kept in the image).
for name in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
    [[ -n ${!name:-} ]] && build+=(--build-arg "$name")
done

docker build -t "$tag" "${args[@]}" "${build[@]}" --build-arg "BASE_IMAGE=$base" \
    --build-arg "BASE_DIGEST=$digest" --build-arg "LOCKFILE=$lockfile" "$ctx" >"$ctx.log" 2>&1 ||
    { tail -n 20 "$ctx.log" >&2; die "building the staging stand-in image $tag failed (above; all of it in $ctx.log)" \
        "check that the base image and the lockfile's packages are reachable from this machine" 3; }

data=""
if [[ ${STANDIN_DATA:-synthetic} == synthetic ]]; then
    data="devkit sync-data --profile $profile --synthetic --no-input >&2 && "
fi
mkdir -p "$(dirname "$out")"
docker run --rm "${args[@]}" --env-file "$here/platform.env" "$tag" \
    sh -c "${data}devkit parity snapshot --profile $profile --out -" >"$out.tmp"
mv "$out.tmp" "$out"
printf 'standin-reference: %s written by image %s (%s staging variables set)\n' "$out" "$tag" \
    "$(grep -c '^[A-Z]' "$here/platform.env")" >&2
