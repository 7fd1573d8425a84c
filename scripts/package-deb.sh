#!/usr/bin/env bash
# Builds weimin_<version>_<arch>.deb from an already built `weimin` binary (this script never compiles).
#
#   scripts/package-deb.sh [--binary PATH] [--out DIR] [--version V] [--maintainer "Name <mail>"]
#                          [--compression xz|gzip|zstd|none] [--no-strip]
#
#   --binary       the program (default .build/release/weimin; falls back to .build/debug/weimin, saying so)
#   --out          where the .deb goes (default .build/deb)
#   --version      package version (default: first line of `weimin --version`, else `git describe`,
#                  made into a Debian version, e.g. 0.0.0+git8423da8)
#   --maintainer   the control file's Maintainer (default $DEBFULLNAME <$DEBEMAIL>, else a placeholder)
#   --compression  dpkg-deb -Z (default xz, which every dpkg on Debian 10+/Kylin/UOS reads)
#   --no-strip     keep the binary's debug info (default: `strip --strip-debug`, which keeps the symbol table,
#                  so crash backtraces still name functions, and makes the release binary ~60 % smaller)
#
# What the package holds:
#   /usr/lib/weimin/weimin               the program
#   /usr/lib/weimin/*.resources          the SwiftPM resource bundles the program uses; it finds them beside
#                                        itself (Bundle.module looks in the executable's folder first)
#   /usr/lib/weimin/lib/                 the Swift runtime the program links to, when it links it dynamically
#   /usr/bin/weimin                      a wrapper that puts /usr/lib/weimin/lib on LD_LIBRARY_PATH (or, for a
#                                        binary with the Swift runtime linked in statically, a symlink)
#   /lib/systemd/system/weimin.service   the unit (User=weimin, data in /var/lib/weimin, hardened)
#   /etc/weimin/weimin.json              the config (a conffile: kept and merged by dpkg on upgrades)
#   /usr/share/weimin/asr/               the reference speech service and its installer (optional, not started)
#   /usr/share/doc/weimin/               copyright (with the bundled data's licences), install.md, third-party/
#
# Why ship the Swift runtime rather than require it: servers at county level have no Swift toolchain and no
# internet. A normal `swift build -c release` links libswiftCore, Foundation (+ ICU), libdispatch, … from the
# toolchain, so those .so files travel with the package (~77 MB before compression). The binary's RUNPATH names
# the build machine's toolchain first (/opt/swift/usr/lib/swift/linux:$ORIGIN), which is why the wrapper uses
# LD_LIBRARY_PATH (searched before RUNPATH) rather than putting the libraries beside the binary: a server that
# happens to have another Swift at the same path would otherwise load that one, and Swift has no stable ABI on
# Linux. The alternative, `swift build -c release --static-swift-stdlib`, links the runtime and Foundation into
# the binary (the toolchain has the static libraries in usr/lib/swift_static/linux); then nothing is shipped in
# lib/ and /usr/bin/weimin is a plain symlink. This script handles both; the wrapper is what the package test
# (Tests/Package/package_test.sh) checks on every run. Either way, build on the oldest distribution you install
# on (glibc is linked dynamically; Depends records the minimum versions).
#
# Needs: dpkg-deb, ldd (libc-bin), readelf/strip (binutils); dpkg-shlibdeps (dpkg-dev) for versioned Depends
# (without it the Depends are taken from dpkg -S, unversioned). Runs as any user (--root-owner-group).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PKG_DIR="$ROOT/packaging/deb"

binary=""
out="$ROOT/.build/deb"
version=""
maintainer=""
compression="xz"
strip_debug=1

die() { echo "package-deb: $*" >&2; exit 1; }
say() { echo "package-deb: $*"; }

while [ $# -gt 0 ]; do
    case "$1" in
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    --binary=*) binary=${1#*=}; shift ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    --version) version=${2:?--version needs a value}; shift 2 ;;
    --version=*) version=${1#*=}; shift ;;
    --maintainer) maintainer=${2:?--maintainer needs a value}; shift 2 ;;
    --maintainer=*) maintainer=${1#*=}; shift ;;
    --compression) compression=${2:?--compression needs a type}; shift 2 ;;
    --compression=*) compression=${1#*=}; shift ;;
    --no-strip) strip_debug=0; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done

for tool in dpkg-deb ldd readelf; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install dpkg binutils libc-bin)"
done

# --- the binary ------------------------------------------------------------------------------------------
if [ -z "$binary" ]; then
    if [ -x "$ROOT/.build/release/weimin" ]; then
        binary="$ROOT/.build/release/weimin"
    elif [ -x "$ROOT/.build/debug/weimin" ]; then
        binary="$ROOT/.build/debug/weimin"
        say "no release build at .build/release/weimin — packaging the DEBUG build .build/debug/weimin instead"
        say "(for production: swift build -c release, then run this script again)"
    else
        die "no binary: neither .build/release/weimin nor .build/debug/weimin exists. Build first (swift build -c release) or pass --binary PATH"
    fi
fi
[ -f "$binary" ] && [ -x "$binary" ] || die "$binary is not an executable file"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
bin_dir=$(dirname "$binary")
readelf -h "$binary" >/dev/null 2>&1 || die "$binary is not an ELF program"

# --- the version -----------------------------------------------------------------------------------------
# Debian upstream versions: start with a digit, then letters, digits and . + ~ (a '-' would start a revision).
debian_version() {
    local v=${1#v}
    v=${v//-/\~}
    v=$(printf '%s' "$v" | tr -c 'A-Za-z0-9.+~' '+' | sed 's/+*$//')
    case "$v" in [0-9]*) printf '%s' "$v" ;; *) return 1 ;; esac
}
if [ -z "$version" ]; then
    if first=$("$binary" --version 2>/dev/null | head -n 1) && [ -n "$first" ]; then
        # "1.2.0" or "weimin 1.2.0 (…)": the first word that starts with a digit (or v and a digit).
        for word in $first; do
            case "$word" in [0-9]*|v[0-9]*) version=$(debian_version "$word") && break ;; esac
        done
        [ -n "$version" ] && say "version $version (from \`weimin --version\`: $first)"
    fi
fi
if [ -z "$version" ]; then
    desc=$(git -C "$ROOT" describe --tags --always 2>/dev/null || true)
    if [[ "$desc" =~ ^v?([0-9][0-9.]*)-([0-9]+)-g([0-9a-f]+)$ ]]; then
        version="${BASH_REMATCH[1]}+git${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
    elif [[ "$desc" =~ ^v?([0-9][0-9.]*)$ ]]; then
        version="${BASH_REMATCH[1]}"
    elif [[ "$desc" =~ ^[0-9a-f]+$ ]]; then
        version="0.0.0+git$desc"
    else
        version="0.0.0+unknown"
    fi
    say "version $version (\`weimin --version\` gave none; from git describe: ${desc:-nothing})"
fi
debian_version "$version" >/dev/null || die "version '$version' does not start with a digit"
version=$(debian_version "$version")

# --- the architecture (from the binary, not the build machine) --------------------------------------------
machine=$(readelf -h "$binary" | sed -n 's/^ *Machine: *//p')
case "$machine" in
*X86-64*) arch=amd64 ;;
*AArch64*) arch=arm64 ;;
*LoongArch*) arch=loong64 ;;
*RISC-V*) arch=riscv64 ;;
*) arch=$(dpkg --print-architecture) ; say "unknown machine '$machine', using $arch" ;;
esac

# --- stage the tree -------------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/weimin-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage="$work/weimin_${version}_$arch"
mkdir -p "$stage/DEBIAN" "$stage/usr/lib/weimin" "$stage/usr/bin" "$stage/lib/systemd/system" \
    "$stage/etc/weimin" "$stage/usr/share/doc/weimin/third-party"

install -m 0755 "$binary" "$stage/usr/lib/weimin/weimin"
if [ "$strip_debug" = 1 ]; then
    if command -v strip >/dev/null; then
        strip --strip-debug "$stage/usr/lib/weimin/weimin"
    else
        say "strip is missing (binutils): shipping the binary with its debug info"
    fi
fi

# Resource bundles: SwiftPM puts one per target with resources beside the binary (<package>_<target>.resources;
# *.bundle on macOS) and compiles each one's name into the program (Bundle.module looks beside the executable).
# Shipped: every bundle whose name is in the program, as it is (LICENSE files inside stay where they are).
# Others beside it (a test target's, e.g. weimin_WeiminServerTests.resources next to a debug build) are not.
referenced=$(grep -aoE '[A-Za-z0-9_-]+_[A-Za-z0-9_-]+\.(resources|bundle)' "$binary" | sort -u || true)
bundles=0
for name in $referenced; do
    [ -d "$bin_dir/$name" ] || die "the program uses the resource bundle $name, which is not beside it in $bin_dir"
    cp -R "$bin_dir/$name" "$stage/usr/lib/weimin/"
    say "resources: $name ($(find "$bin_dir/$name" -type f | wc -l) files)"
    bundles=$((bundles + 1))
done
for b in "$bin_dir"/*.resources "$bin_dir"/*.bundle; do
    [ -d "$b" ] || continue
    grep -qxF "$(basename "$b")" <<<"$referenced" || say "resources: $(basename "$b") skipped (not used by this program)"
done
[ "$bundles" -gt 0 ] || die "the program names no *.resources bundle — is $binary really weimin?"
[ -f "$stage/usr/lib/weimin/weimin_WeiminCore.resources/holiday-cn/LICENSE" ] \
    || die "weimin_WeiminCore.resources/holiday-cn/LICENSE is missing beside $binary"

# The Swift runtime: every library ldd resolves for the binary that is the Swift runtime or is not in a
# system library folder (i.e. comes from a toolchain). Libraries from Debian packages become Depends.
ldd_out=$(ldd "$binary") || die "ldd failed on $binary"
if grep -q 'not found' <<<"$ldd_out"; then
    die "the binary needs libraries this machine does not have:"$'\n'"$(grep 'not found' <<<"$ldd_out")"
fi
shipped=()
while read -r name _ path _; do
    [ -n "${path:-}" ] && [ -f "$path" ] || continue
    case "$name" in
    libswift*|libFoundation*|lib_Foundation*|libdispatch.so*|libBlocksRuntime.so*|libXCTest.so*|libTesting.so*) ship=1 ;;
    *) case "$(dirname "$(readlink -f "$path")")" in
       /lib|/lib64|/usr/lib|/usr/lib64|/lib/*-linux-gnu*|/usr/lib/*-linux-gnu*) ship=0 ;;
       *) ship=1 ;;
       esac ;;
    esac
    if [ "$ship" = 1 ]; then
        mkdir -p "$stage/usr/lib/weimin/lib"
        install -m 0644 "$(readlink -f "$path")" "$stage/usr/lib/weimin/lib/$name"
        shipped+=("$name")
    fi
done < <(grep '=>' <<<"$ldd_out")
if [ ${#shipped[@]} -gt 0 ]; then
    say "Swift runtime: ${#shipped[@]} libraries into /usr/lib/weimin/lib ($(du -sh "$stage/usr/lib/weimin/lib" | cut -f1))"
    install -m 0755 "$PKG_DIR/weimin-wrapper.sh" "$stage/usr/bin/weimin"
else
    say "Swift runtime linked statically: no libraries to ship, /usr/bin/weimin is a symlink"
    ln -s ../lib/weimin/weimin "$stage/usr/bin/weimin"
fi

install -m 0644 "$PKG_DIR/weimin.service" "$stage/lib/systemd/system/weimin.service"
install -m 0644 "$PKG_DIR/weimin.json" "$stage/etc/weimin/weimin.json"
install -m 0644 "$PKG_DIR/copyright" "$stage/usr/share/doc/weimin/copyright"
[ -f "$ROOT/docs/install.md" ] && install -m 0644 "$ROOT/docs/install.md" "$stage/usr/share/doc/weimin/install.md"
# The reference speech service and its installer (docs/install.md, 语音转写): not started by the package.
mkdir -p "$stage/usr/share/weimin/asr"
install -m 0755 "$ROOT/ops/asr/install.sh" "$ROOT/ops/asr/weimin-asr.py" "$stage/usr/share/weimin/asr/"

# The Swift packages compiled in: names and versions from Package.resolved, licence files from the checkouts.
tp="$stage/usr/share/doc/weimin/third-party"
{
    echo "Swift packages /usr/lib/weimin/weimin is built from (Package.resolved; a few serve the tests only)."
    echo "Each one's licence and notice files are in the folder of the same name."
    echo
    if [ -f "$ROOT/Package.resolved" ]; then
        awk -F'"' '/"identity"/ {id=$4} /"location"/ {loc=$4} /"version"/ {print id "  " $4 "  " loc} ' "$ROOT/Package.resolved"
    fi
} >"$tp/README"
checkouts="$ROOT/.build/checkouts"
if [ -d "$checkouts" ]; then
    for c in "$checkouts"/*/; do
        c=${c%/}
        for f in "$c"/LICENSE* "$c"/LICENCE* "$c"/COPYING* "$c"/NOTICE*; do
            [ -f "$f" ] || continue
            mkdir -p "$tp/$(basename "$c")"
            install -m 0644 "$f" "$tp/$(basename "$c")/"
        done
    done
else
    say "no .build/checkouts: third-party licence files not copied (their list is in third-party/README)"
fi

# A changelog (Debian policy wants one; this is a native package, so changelog.gz). Dated by the last commit,
# so two builds of the same commit give the same file.
changed=$(git -C "$ROOT" log -1 --format=%cD 2>/dev/null || date -R)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)

# --- DEBIAN/ ---------------------------------------------------------------------------------------------
install -m 0755 "$PKG_DIR/postinst" "$PKG_DIR/prerm" "$PKG_DIR/postrm" "$stage/DEBIAN/"
echo "/etc/weimin/weimin.json" >"$stage/DEBIAN/conffiles"

# Depends: the shared libraries the binary and the shipped runtime need from the system.
elf_files=("$stage/usr/lib/weimin/weimin")
for name in "${shipped[@]}"; do elf_files+=("$stage/usr/lib/weimin/lib/$name"); done
depends=""
if command -v dpkg-shlibdeps >/dev/null; then
    mkdir -p "$work/src/debian"
    printf 'Source: weimin\n\nPackage: weimin\nArchitecture: any\n' >"$work/src/debian/control"
    # -l: the shipped runtime resolves inside the package; --ignore-missing-info: those are not in any package.
    if shl=$(cd "$work/src" && dpkg-shlibdeps -O --ignore-missing-info -l"$stage/usr/lib/weimin/lib" \
        "${elf_files[@]}" 2>"$work/shlibdeps.err"); then
        depends=$(sed -n 's/^shlibs:Depends=//p' <<<"$shl")
    else
        say "dpkg-shlibdeps failed, falling back to dpkg -S:"; cat "$work/shlibdeps.err" >&2
    fi
fi
if [ -z "$depends" ]; then
    # Unversioned: the packages that own the system libraries the ELF files name directly.
    needed=$(for f in "${elf_files[@]}"; do readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; done | sort -u)
    pkgs=()
    for soname in $needed; do
        [ -f "$stage/usr/lib/weimin/lib/$soname" ] && continue
        path=$(awk -v n="$soname" '$1 == n && $2 == "=>" {print $3}' <<<"$ldd_out" | head -n 1)
        [ -n "$path" ] || continue
        real=$(readlink -f "$path")
        owner=""
        for candidate in "$path" "$real" "/usr$path" "${path#/usr}" "/usr$real" "${real#/usr}"; do
            owner=$(dpkg -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1) && [ -n "$owner" ] && break
        done
        [ -n "$owner" ] && pkgs+=("$owner") || say "no package owns $soname ($path): not in Depends"
    done
    depends=$(printf '%s\n' "${pkgs[@]}" | sort -u | paste -sd, | sed 's/,/, /g')
fi
depends="adduser${depends:+, $depends}"

if [ -z "$maintainer" ]; then
    if [ -n "${DEBFULLNAME:-}" ] && [ -n "${DEBEMAIL:-}" ]; then
        maintainer="$DEBFULLNAME <$DEBEMAIL>"
    else
        maintainer="Weimin maintainers <weimin@localhost>"
    fi
fi

printf 'weimin (%s) unstable; urgency=medium\n\n  * Built by scripts/package-deb.sh from commit %s.\n\n -- %s  %s\n' \
    "$version" "$commit" "$maintainer" "$changed" | gzip -9n >"$stage/usr/share/doc/weimin/changelog.gz"
chmod 0644 "$stage/usr/share/doc/weimin/changelog.gz"

installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: weimin
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: $depends
Recommends: tesseract-ocr-chi-sim, sox, libsox-fmt-all
Suggests: postgresql
Section: net
Priority: optional
Description: 为民 Weimin — county public-service desk for village chat groups
 Weimin takes in village chat-group messages (WeChat, WeCom, DingTalk), turns
 villagers' demands into tracked cases (工单), dispatches them to departments
 with legal time limits, supervises them and keeps a tamper-evident record.
 .
 This package runs it as the systemd service weimin.service (user weimin,
 data in /var/lib/weimin, config in /etc/weimin/weimin.json) on the embedded
 SQLite database or on PostgreSQL. It carries the Swift runtime it needs, so
 the server needs no Swift toolchain.
EOF

(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"
find "$stage" -type d -exec chmod 0755 {} +
find "$stage/usr/lib/weimin" -mindepth 2 -path '*.resources/*' -type f -exec chmod 0644 {} +
find "$stage/usr/lib/weimin" -mindepth 2 -path '*.bundle/*' -type f -exec chmod 0644 {} +

mkdir -p "$out"
deb="$(cd "$out" && pwd)/weimin_${version}_$arch.deb"
say "building $deb (compression $compression)"
dpkg-deb --root-owner-group -Z"$compression" --build "$stage" "$deb" >/dev/null
say "built $deb ($(du -h "$deb" | cut -f1)); Depends: $depends"
