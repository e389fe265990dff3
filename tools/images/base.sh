#!/usr/bin/env bash
# Builds the base image of `make images` from Debian's packages and prints its name.
#
# This machine reaches no container registry, so the public python image cannot be pulled; debootstrap makes a
# minimal Debian (the same release as the public image) with CPython 3.11 from Debian's archive. What a running
# image never uses is removed: the package manager and its keyring/crypto stack, perl, the shell utilities
# (only /bin/sh stays, for image builds), docs, man pages,
# locales, apt lists and caches, glibc's charset converters (Python has its own codecs), the system time zone
# data (the images carry the tzdata wheel), and the parts of the standard library that are tests, IDE or GUI. The image
# is rebuilt only when this script changes (its hash is the tag).
set -euo pipefail

suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${IMAGES_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/.cache/images}
stamp=$( (cat "$0"; echo "$suite $mirror") | sha256sum | cut -c1-12)
image=localhost/platform-automation-base:$suite-py311-$stamp

if buildah inspect --type image "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi

# Packages a running image never uses. Their files are deleted by their dpkg file lists (no maintainer scripts
# run: the tools those need are among them), then the dpkg database goes too.
unused=(apt libapt-pkg6.0 gpgv debian-archive-keyring debconf adduser perl-base e2fsprogs libext2fs2 libss2
  logsave util-linux util-linux-extra mount libmount1 libfdisk1 libsmartcols1 login passwd libpam-runtime
  libpam-modules libpam-modules-bin libpam0g libsemanage2 libsemanage-common libsepol2 libaudit1 libaudit-common
  libcap-ng0 libsystemd0 libgcrypt20 libgpg-error0 liblz4-1 libdb5.3 diffutils findutils ncurses-bin
  sysvinit-utils bsdutils libgnutls30 libp11-kit0 libunistring2 libhogweed6 libnettle8 libgmp10 libidn2-0 libtasn1-6
  libxxhash0 libudev1 libblkid1 hostname init-system-helpers libdebconfclient0 gzip tar dpkg
  coreutils bash grep sed mawk)

rootfs="$cache/rootfs-$stamp"
rm -rf "$cache"/rootfs-* && mkdir -p "$cache"
echo "images: building the base from Debian $suite with debootstrap (about a minute)" >&2
debootstrap --variant=minbase --include=python3.11,ca-certificates "$suite" "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 \
  || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }

for package in "${unused[@]}"; do
  chroot "$rootfs" dpkg-query --listfiles "$package" 2>/dev/null || true  # some are absent on a release
done | sort -u | while read -r path; do
  if [[ ! -d $rootfs$path && ( -e $rootfs$path || -L $rootfs$path ) ]]; then rm -f "$rootfs$path"; fi
done
rm -rf "$rootfs"/var/lib/apt "$rootfs"/var/cache/* "$rootfs"/var/log/* "$rootfs"/var/lib/dpkg \
  "$rootfs"/usr/share/{doc,man,info,locale,i18n,lintian,common-licenses,bash-completion,zsh,perl5,debconf} \
  "$rootfs"/usr/lib/python3.11/{test,idlelib,tkinter,turtledemo,ensurepip,lib2to3,pydoc_data,distutils/tests} \
  "$rootfs"/usr/lib/python3.11/lib-dynload/{_test,_xxtest,_ctypes_test,xxlimited}* \
  "$rootfs"/usr/lib/x86_64-linux-gnu/gconv "$rootfs"/usr/share/zoneinfo "$rootfs"/usr/lib/x86_64-linux-gnu/libstdc++* \
  "$rootfs"/etc/apt "$rootfs"/etc/dpkg "$rootfs"/debootstrap "$rootfs"/dev/* "$rootfs"/proc/* "$rootfs"/sys/* \
  "$rootfs"/tmp/* "$rootfs"/root/.[!.]*
find "$rootfs"/usr/lib/python3.11 -name __pycache__ -prune -exec rm -rf {} +
chroot "$rootfs" /usr/bin/python3.11 -m compileall -q /usr/lib/python3.11 >/dev/null
ln -sf /usr/bin/python3.11 "$rootfs"/usr/local/bin/python
chroot "$rootfs" /usr/local/bin/python -c 'import ssl, sqlite3, venv, zoneinfo, ctypes, hashlib, json, uuid' \
  || { echo "images: the trimmed base lost part of Python" >&2; exit 1; }

container=$(buildah from scratch)
trap 'buildah rm "$container" >/dev/null 2>&1 || true' EXIT
mountpoint=$(buildah mount "$container")
cp -a "$rootfs"/. "$mountpoint"/
buildah umount "$container" >/dev/null
buildah config --env PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env LANG=C.UTF-8 --cmd python \
  --label org.opencontainers.image.description="Debian $suite with CPython 3.11 from Debian's packages" \
  "$container"
buildah commit --quiet --rm "$container" "$image" >/dev/null
trap - EXIT
for old in $(buildah images --noheading --format '{{.Name}}:{{.Tag}}'); do
  [[ $old != "${image%:*}":* || $old == "$image" ]] || buildah rmi "$old" >/dev/null || true  # an earlier recipe
done
rm -rf "$rootfs"
echo "$image"
