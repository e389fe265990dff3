#!/usr/bin/env bash
# Builds the test servers (kube-apiserver, etcd, vcsim), etcdctl and etcdutl (the backup proof), helm (the
# chart-level checks) and promtool (the alert rule tests) from pinned Go modules with the local Go toolchain.
#
# Binaries go to $TESTENV_DIR/bin (default .cache/testenv/bin, git-ignored); the Go module and build caches
# live beside them, so a second run rebuilds nothing. A binary is rebuilt when its wrapper module changes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${TESTENV_DIR:-$root/.cache/testenv}
mkdir -p "$out/bin"
# One build at a time: every tier may ask for a binary, and two builds would write the same files.
exec 9>"$out/build.lock"
flock 9

export GOMODCACHE="$out/go/mod" GOCACHE="$out/go/build" GOFLAGS="-modcacherw" GOTOOLCHAIN=local CGO_ENABLED=0

kube_version=v1.34.4
kube_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$kube_version"
kube_ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34"

# name  module-dir  package  ldflags
targets=(
  "etcd|etcd|go.etcd.io/etcd/server/v3|-s -w"
  "etcdctl|etcd|go.etcd.io/etcd/etcdctl/v3|-s -w"
  "etcdutl|etcd|go.etcd.io/etcd/etcdutl/v3|-s -w"
  "kube-apiserver|kube-apiserver|k8s.io/kubernetes/cmd/kube-apiserver|$kube_ldflags"
  "vcsim|vcsim|.|-s -w"
  "helm|helm|helm.sh/helm/v4/cmd/helm|-s -w"
  "promtool|prometheus|github.com/prometheus/prometheus/cmd/promtool|-s -w"
)

command -v go >/dev/null || { echo "testenv: the Go toolchain is required to build the test servers" >&2; exit 1; }

for target in "${targets[@]}"; do
  IFS='|' read -r name dir package ldflags <<<"$target"
  module="$here/modules/$dir"
  stamp=$( (go version; cat "$module"/go.mod "$module"/go.sum "$module"/*.go; echo "$ldflags") | sha256sum | cut -c1-16)
  binary="$out/bin/$name"
  if [[ -x "$binary" && "$(cat "$binary.stamp" 2>/dev/null)" == "$stamp" ]]; then
    continue
  fi
  version=$(cd "$module" && go list -m -f '{{.Version}}' "$(go list -f '{{.Module.Path}}' "$package")" 2>/dev/null || true)
  echo "testenv: building $name from $package ${version:-} (first build takes minutes)"
  start=$SECONDS
  (cd "$module" && go build -trimpath -ldflags "$ldflags" -o "$binary.partial" "$package")
  mv "$binary.partial" "$binary"
  echo "$stamp" >"$binary.stamp"
  echo "testenv: built $name in $((SECONDS - start))s"
done
