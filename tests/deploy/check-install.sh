#!/usr/bin/env bash
# lint.install: what `cmake --install` and `cpack` make of the build tree.
# - `cmake --install BUILD --prefix DIR` puts the program, the man page, the
#   systemd unit and the example config where README.md says;
# - `cpack` makes mailferry_VERSION_ARCH.deb whose Depends (from
#   dpkg-shlibdeps) name the libraries the program links, and which holds
#   the same files under /usr.
# Needs no root: both write only below a temporary directory.
#
# Usage: check-install.sh BUILD_DIR VERSION
set -euo pipefail

build=$1 version=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}

files=(bin/mailferry share/man/man1/mailferry.1 lib/systemd/system/mailferry.service
    share/doc/mailferry/examples/config.example.toml)

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" ||
    { cat "$tmp/install.log"; fail "cmake --install"; }
for f in "${files[@]}"; do
    [ -f "$tmp/prefix/$f" ] || fail "cmake --install did not install $f"
done
[ -x "$tmp/prefix/bin/mailferry" ] || fail "bin/mailferry is not executable"
"$tmp/prefix/bin/mailferry" --version | grep -qx "mailferry $version" ||
    fail "the installed bin/mailferry does not report version $version"

(cd "$tmp" && cpack --config "$(realpath "$build")/CPackConfig.cmake" -B "$tmp/pkg") \
    >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; fail "cpack"; }
arch=$(dpkg --print-architecture)
deb="$tmp/pkg/mailferry_${version}_${arch}.deb"
[ -f "$deb" ] || { ls -l "$tmp/pkg"; fail "cpack made no $(basename "$deb")"; }

info=$(dpkg-deb -I "$deb")
printf '%s\n' "$info"
depends=$(printf '%s\n' "$info" | sed -n 's/^ Depends: //p')
for lib in libssl3 libsqlite3; do
    printf '%s\n' "$depends" | grep -Eq "(^|, )$lib[-a-z0-9.]*( |,|$)" ||
        fail "Depends lacks $lib: $depends"
done
printf '%s\n' "$info" | grep -qx ' Section: mail' || fail "the package's section is not mail"

contents=$(dpkg-deb -c "$deb")
for f in "${files[@]}"; do
    printf '%s\n' "$contents" | grep -q " \./usr/$f\$" || fail "the .deb lacks /usr/$f"
done
echo "OK: cmake --install and $(basename "$deb") hold ${#files[@]} files; Depends: $depends"
