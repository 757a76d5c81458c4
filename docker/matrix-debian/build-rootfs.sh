#!/bin/sh
# The Debian-built base image: Synapse and PostgreSQL from Debian packages, for machines that
# cannot pull from a container registry. Writes a root filesystem; import it as an image with
#   tar -C ROOT -c . | docker import -c 'ENV LANG=C.UTF-8' - gauntlet/matrix-debian:sid
# Usage (root, debootstrap installed): build-rootfs.sh ROOT MIRROR
# `gauntlet images build` runs this script and names the image after SUITE and PACKAGES.
set -eu

# sid is where matrix-synapse is packaged (bookworm and trixie have none).
SUITE=sid
PACKAGES="matrix-synapse python3-psycopg2 postgresql curl ca-certificates"

root=${1:?usage: build-rootfs.sh ROOT MIRROR}
mirror=${2:?usage: build-rootfs.sh ROOT MIRROR}

echo "==> debootstrap $SUITE from $mirror"
debootstrap --variant=minbase "$SUITE" "$root" "$mirror"

# No services may start inside the build root, and no default PostgreSQL cluster is wanted:
# each run initialises its own cluster.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/etc/postgresql-common"
echo "create_main_cluster = false" > "$root/etc/postgresql-common/createcluster.conf"
[ -f /etc/resolv.conf ] && cp /etc/resolv.conf "$root/etc/resolv.conf"

mount -t proc proc "$root/proc"
trap 'umount -l "$root/proc" 2>/dev/null || true' EXIT

export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
echo "==> apt-get update (sid's Release file may be past Valid-Until on mirrors)"
chroot "$root" apt-get -q -o Acquire::Check-Valid-Until=false update
echo "==> apt-get install $PACKAGES"
# shellcheck disable=SC2086 # the package list is meant to split
chroot "$root" apt-get install -y -q --no-install-recommends $PACKAGES
chroot "$root" apt-get clean

umount "$root/proc"
trap - EXIT
rm -rf "$root/var/lib/apt/lists" "$root/usr/sbin/policy-rc.d"
echo "==> root filesystem ready in $root"
