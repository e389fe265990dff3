#!/usr/bin/env bash
# `make images`: builds the four images of ./Dockerfile with buildah, without a container daemon or registry.
#
#   1. the wheelhouse the Dockerfile installs from: our wheel and every locked dependency, fetched from the
#      package index by the host's pip and checked against the lock's hashes (WHEELHOUSE_ONLY=1 stops here:
#      `make wheelhouse`);
#   2. buildah and debootstrap from Debian's packages, when missing (needs root, as apt-get does);
#   3. the base image from Debian's own packages (tools/images/base.sh), rebuilt only when that script changes;
#   4. the images, tagged with the names and tags the promise files and the Deployment reference.
# Prints each image's size. IMAGES=... limits the targets (default: all four).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

# target|image, the names the promise files and the controller's Deployment reference
mapfile -t targets < <("$root/.venv/bin/python" "$here/targets.py")
wanted=${IMAGES:-vcluster-pipeline argocd-pipeline migration-controller status-reconciler}

wheels=build/wheelhouse
rm -rf "$wheels" && mkdir -p "$wheels"
pip=("$root/.venv/bin/pip" --disable-pip-version-check --quiet)
# every dependency file is checked against the lock's hashes as it enters the wheelhouse; the image builds
# then install from it alone (--no-index)
"${pip[@]}" download --dest "$wheels" --no-deps --only-binary=:all: --require-hashes -r requirements.lock
"${pip[@]}" wheel --wheel-dir "$wheels" --no-deps .
"${pip[@]}" download --dest "$wheels" --no-deps "pip==$("$root/.venv/bin/python" -c 'import pip; print(pip.__version__)')"
[[ -z ${WHEELHOUSE_ONLY:-} ]] || { echo "images: wheelhouse in $wheels"; exit 0; }

missing=()
command -v buildah >/dev/null || missing+=(buildah)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || { echo "images: ${missing[*]} missing and installing them needs root" >&2; exit 1; }
  echo "images: installing ${missing[*]} from Debian's packages"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[[ $(id -u) == 0 ]] || { echo "images: buildah here runs as root (chroot isolation, no user namespaces)" >&2; exit 1; }

base=$(bash "$here/base.sh")

for target in "${targets[@]}"; do
  IFS='|' read -r stage image <<<"$target"
  [[ " $wanted " == *" $stage "* ]] || continue
  start=$SECONDS
  buildah bud --quiet --isolation chroot --layers --build-arg "BASE_IMAGE=$base" --target "$stage" \
    --tag "$image" --file Dockerfile . >/dev/null
  buildah rmi --prune >/dev/null 2>&1 || true  # the previous build of this tag
  echo "images: $stage -> $image ($(buildah images --noheading --format '{{.Size}}' "$image"), $((SECONDS - start)) s)"
done
