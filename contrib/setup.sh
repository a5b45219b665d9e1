#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and the interop
# peers need. Idempotent: when everything is present it installs nothing.
set -euo pipefail

packages=(
    # build
    cmake ninja-build g++ ccache pkg-config clang-format git
    libboost1.81-dev libssl-dev libsqlite3-dev libspdlog-dev libfmt-dev
    libsqlitecpp-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev zlib1g-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    # fuzzing (clang + libFuzzer)
    clang libclang-rt-14-dev
    # tests: real peers and tools
    python3 curl openssl procps isync fetchmail getmail6
    dovecot-core dovecot-imapd dovecot-pop3d
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#packages[@]} packages present"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Debian must not start the system Dovecot: tests run private instances.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
