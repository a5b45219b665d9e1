#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and the interop
# peers need. Idempotent: when everything is present it installs nothing.
set -euo pipefail

# Building the program and its .deb; `setup.sh --build-only` installs only
# these (contrib/deploy/container/Containerfile).
build_packages=(
    cmake ninja-build g++ pkg-config
    libboost1.81-dev libssl-dev libsqlite3-dev libspdlog-dev libfmt-dev libsystemd-dev
    libsqlitecpp-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev zlib1g-dev
    # cpack's .deb: dpkg-shlibdeps, file
    dpkg-dev file
)

packages=(
    "${build_packages[@]}"
    # development
    ccache clang-format git
    libgtest-dev libgmock-dev libbenchmark-dev
    # fuzzing (clang + libFuzzer)
    clang libclang-rt-14-dev
    # tests: real peers and tools
    python3 curl openssl procps isync fetchmail getmail6 offlineimap3
    # a private network namespace with a non-loopback peer (starttls_downgrade)
    iproute2 util-linux
    dovecot-core dovecot-imapd dovecot-pop3d
    # lint of the deployment files and the man page (tests/deploy)
    systemd yamllint groff-base man-db
)
# Node.js for the Kubernetes schema check, unless one is there already (a
# Node.js from elsewhere brings its own npm, which Debian's would conflict with).
if ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
fi
if [ "${1:-}" = "--build-only" ]; then
    packages=("${build_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#packages[@]} packages present"
else
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # Debian must not start the system Dovecot: tests run private instances.
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The Kubernetes schema check's npm packages, exactly as
# tests/deploy/package-lock.json pins them, into tests/deploy/node_modules
# (nothing global); again only when the lock file changed.
if [ "${1:-}" != "--build-only" ]; then
    deploy_tests="$(cd "$(dirname "$0")/../tests/deploy" && pwd)"
    installed_lock="$deploy_tests/node_modules/.installed-package-lock.json"
    if cmp -s "$deploy_tests/package-lock.json" "$installed_lock"; then
        echo "setup: tests/deploy/node_modules up to date"
    else
        echo "setup: npm ci in tests/deploy"
        (cd "$deploy_tests" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
        cp "$deploy_tests/package-lock.json" "$installed_lock"
    fi
fi
