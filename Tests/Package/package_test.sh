#!/usr/bin/env bash
# The package test: builds the .deb with scripts/package-deb.sh from a built binary, inspects it, installs it,
# runs it as the service user with the Swift toolchain and the build folder hidden, upgrades it in place,
# removes and purges it, and checks that nothing is left. It cleans up after itself, also on failure.
#
#   Tests/Package/package_test.sh [--binary PATH] [--deb FILE]
#
#   --binary   the program to package (default .build/debug/weimin, so CI can use the debug build)
#   --deb      test this package instead of building one (--binary is still used to find its resources)
#
# Installing needs root (CI runs as root). Not root: the package is built and inspected, the install is
# skipped with a message — unless WEIMIN_REQUIRE_PACKAGE=1, which makes that a failure.
# The test refuses to run on a machine where weimin is already installed (it purges what it installs).
# Needs: dpkg, curl, setpriv (util-linux); optional: lintian (warnings only), systemd-analyze, unshare.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
binary="$ROOT/.build/debug/weimin"
deb=""
while [ $# -gt 0 ]; do
    case "$1" in
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    --binary=*) binary=${1#*=}; shift ;;
    --deb) deb=${2:?--deb needs a file}; shift 2 ;;
    --deb=*) deb=${1#*=}; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument '$1'" >&2; exit 2 ;;
    esac
done

failures=0
step() { echo; echo "== $*"; }
ok() { echo "  ok   $*"; }
bad() { echo "  FAIL $*" >&2; failures=$((failures + 1)); }
die() { echo "  FAIL $*" >&2; exit 1; }
# check DESCRIPTION COMMAND...: records a failure instead of stopping, so one run shows every problem.
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/weimin-package-test.XXXXXX")
server_pid=""
installed_by_us=0
created_user=0

cleanup() {
    local rc=$?
    set +e
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null
        for _ in $(seq 1 20); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$server_pid" 2>/dev/null
    fi
    if [ "$installed_by_us" = 1 ] && dpkg-query -W -f='${Status}' weimin 2>/dev/null | grep -qv not-installed; then
        echo "cleanup: purging the weimin package this test installed"
        dpkg --purge weimin >/dev/null 2>&1 || echo "cleanup: dpkg --purge weimin failed" >&2
    fi
    if [ "$created_user" = 1 ] && getent passwd weimin >/dev/null; then
        userdel weimin 2>/dev/null
        getent group weimin >/dev/null && groupdel weimin 2>/dev/null
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -x "$binary" ] || die "no binary at $binary (build it first: swift build)"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
bin_dir=$(dirname "$(readlink -f "$binary")")

# --- 1. build -------------------------------------------------------------------------------------------
if [ -z "$deb" ]; then
    step "build the package from $binary"
    "$ROOT/scripts/package-deb.sh" --binary "$binary" --out "$WORK/out"
    deb=$(ls "$WORK"/out/weimin_*.deb)
fi
[ -f "$deb" ] || die "no package at $deb"
version=$(dpkg-deb -f "$deb" Version)
echo "package: $deb (version $version)"

# --- 2. inspect -----------------------------------------------------------------------------------------
step "inspect the package (dpkg-deb -I, -c)"
dpkg-deb -I "$deb" | sed 's/^/  /'
control=$(dpkg-deb -f "$deb")
check "Package: weimin" grep -qx 'Package: weimin' <<<"$control"
check "Depends names adduser and libc6" grep -Eq '^Depends: adduser, .*libc6' <<<"$control"
check "Architecture matches dpkg's ($(dpkg --print-architecture))" \
    grep -qx "Architecture: $(dpkg --print-architecture)" <<<"$control"

dpkg-deb -c "$deb" | awk '{print $1, $2, $6, $7, $8}' >"$WORK/contents"
has() { grep -Eq "^$1 [^ ]+ \\./$2( |\$)" "$WORK/contents"; }
check "the program /usr/lib/weimin/weimin, executable" has '-rwxr-xr-x' 'usr/lib/weimin/weimin'
check "/usr/bin/weimin" grep -Eq ' \./usr/bin/weimin( |$)' "$WORK/contents"
check "the unit /lib/systemd/system/weimin.service" has '-rw-r--r--' 'lib/systemd/system/weimin.service'
check "the config /etc/weimin/weimin.json" has '-rw-r--r--' 'etc/weimin/weimin.json'
check "copyright" has '-rw-r--r--' 'usr/share/doc/weimin/copyright'
check "the reference speech service's installer" has '-rwxr-xr-x' 'usr/share/weimin/asr/install.sh'
check "files owned by root:root" bash -c "! awk '\$2 != \"root/root\"' '$WORK/contents' | grep -q ."
# Every resource bundle the program names (Bundle.module's folder names are compiled in), file for file.
referenced=$(grep -aoE '[A-Za-z0-9_-]+_[A-Za-z0-9_-]+\.(resources|bundle)' "$binary" | sort -u || true)
check "the program names its resource bundles ($(echo $referenced))" test -n "$referenced"
for name in $referenced; do
    missing=0
    while IFS= read -r f; do
        grep -Fq " ./usr/lib/weimin/$name/$f" "$WORK/contents" || { echo "    missing: $name/$f"; missing=$((missing + 1)); }
    done < <(cd "$bin_dir/$name" && find . -type f | sed 's|^\./||')
    check "bundle $name: all $(find "$bin_dir/$name" -type f | wc -l) files" test "$missing" = 0
done
check "no test target's bundle in the package" bash -c "! grep -Eq 'Tests\.(resources|bundle)/' '$WORK/contents'"

mkdir -p "$WORK/ctl" "$WORK/x"
dpkg-deb -e "$deb" "$WORK/ctl"
dpkg-deb -x "$deb" "$WORK/x"
check "conffiles lists /etc/weimin/weimin.json" grep -qx /etc/weimin/weimin.json "$WORK/ctl/conffiles"
for s in postinst prerm postrm; do
    check "$s is a valid sh script" sh -n "$WORK/ctl/$s"
done
X="$WORK/x"
R="$X/usr/lib/weimin/weimin_WeiminCore.resources"
check "holiday-cn LICENSE shipped unchanged" cmp -s "$R/holiday-cn/LICENSE" "$ROOT/Sources/WeiminCore/Resources/holiday-cn/LICENSE"
check "lexicon LICENSE shipped unchanged" cmp -s "$R/lexicon/LICENSE" "$ROOT/Sources/WeiminCore/Resources/lexicon/LICENSE"
check "copyright names holiday-cn and jieba" \
    bash -c "grep -q NateScarlet '$X/usr/share/doc/weimin/copyright' && grep -q 'Sun Junyi' '$X/usr/share/doc/weimin/copyright'"
check "the config keeps its data in /var/lib/weimin" grep -q '"dir": "/var/lib/weimin"' "$X/etc/weimin/weimin.json"
if command -v python3 >/dev/null; then
    check "the config is valid JSON" python3 -m json.tool "$X/etc/weimin/weimin.json" >/dev/null
fi
# The libraries: with the package's lib folder first (what /usr/bin/weimin does), every Swift library must
# come from the package, and nothing may be missing.
if [ -d "$X/usr/lib/weimin/lib" ]; then
    LD_LIBRARY_PATH="$X/usr/lib/weimin/lib" ldd "$X/usr/lib/weimin/weimin" >"$WORK/ldd"
    check "ldd: nothing missing" bash -c "! grep -q 'not found' '$WORK/ldd'"
    check "ldd: every Swift library comes from the package" \
        bash -c "! grep -E 'lib(swift|Foundation|_Foundation|dispatch|BlocksRuntime)' '$WORK/ldd' | grep -vq '$X/usr/lib/weimin/lib/'"
    check "/usr/bin/weimin is the wrapper that sets LD_LIBRARY_PATH" grep -q 'LD_LIBRARY_PATH=/usr/lib/weimin/lib' "$X/usr/bin/weimin"
else
    check "no Swift library needed (runtime linked statically)" \
        bash -c "! ldd '$X/usr/lib/weimin/weimin' | grep -Eq 'libswift|libFoundation'"
fi

if command -v lintian >/dev/null; then
    step "lintian (reported, never fails the test)"
    # Expected: unstripped-binary-or-object (the program keeps its symbol table; the Swift runtime is shipped
    # as the toolchain built it), custom-library-search-path (the toolchain's RUNPATH; the wrapper's
    # LD_LIBRARY_PATH comes first), bogus-mail-host (pass --maintainer), no-manual-page.
    lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v 'running with root privileges' | sed 's/^/  /' || true
else
    step "lintian not installed: skipped (apt-get install lintian)"
fi

# --- 3. install -----------------------------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
    if [ "${WEIMIN_REQUIRE_PACKAGE:-}" = 1 ]; then
        die "installing the package needs root, and WEIMIN_REQUIRE_PACKAGE=1"
    fi
    step "SKIPPED install/run/purge: not root (run as root, or set WEIMIN_REQUIRE_PACKAGE=1 to make this a failure)"
    [ "$failures" = 0 ] || die "$failures check(s) failed"
    echo; echo "package test: built and inspected, $failures failures (install skipped)"
    exit 0
fi
for tool in curl setpriv; do command -v "$tool" >/dev/null || die "$tool is missing (apt-get install curl util-linux)"; done

if dpkg-query -W -f='${Status}' weimin 2>/dev/null | grep -qv not-installed || [ -e /var/lib/weimin ] || [ -e /etc/weimin ]; then
    die "weimin is (or was) installed on this machine (package, /var/lib/weimin or /etc/weimin exists); this test installs and purges the package and would destroy that installation"
fi
getent passwd weimin >/dev/null || created_user=1

step "install: dpkg -i"
installed_by_us=1
dpkg -i "$deb"
check "dpkg says installed" bash -c "dpkg-query -W -f='\${Status}' weimin | grep -qx 'install ok installed'"
if [ -d /run/systemd/system ]; then
    # postinst started the unit on the config's port; this test runs its own server instead.
    systemctl stop weimin.service || true
fi
check "system user weimin, home /var/lib/weimin" bash -c "getent passwd weimin | cut -d: -f6 | grep -qx /var/lib/weimin"
check "weimin is a system account (uid < 1000)" test "$(id -u weimin)" -lt 1000
check "/var/lib/weimin owned by weimin:weimin, mode 750" test "$(stat -c '%U:%G %a' /var/lib/weimin)" = "weimin:weimin 750"
check "/etc/weimin/weimin.json root:weimin, mode 640" test "$(stat -c '%U:%G %a' /etc/weimin/weimin.json)" = "root:weimin 640"
check "the unit is enabled (deb-systemd-helper)" test -L /etc/systemd/system/multi-user.target.wants/weimin.service
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify /lib/systemd/system/weimin.service >"$WORK/verify.log" 2>&1 || true
    sed 's/^/    /' "$WORK/verify.log"
    check "systemd-analyze verify weimin.service: no complaint about the unit" \
        bash -c "! grep -q 'weimin.service' '$WORK/verify.log'"
fi

# --- 4. run as the service user, without the toolchain ------------------------------------------------------
# Where the build machine's Swift libraries and the build folder are (the binary's RUNPATH and SwiftPM's
# resource fallback point there): hidden under an empty tmpfs in a private mount namespace, so the run shows
# what a server without Swift sees.
hide=()
while read -r path; do
    d=$(dirname "$(readlink -f "$path")")
    [[ " ${hide[*]:-} " == *" $d "* ]] || hide+=("$d")
done < <(ldd "$binary" | awk '$1 ~ /^libswiftCore/ && $2 == "=>" {print $3}')
hide+=("$bin_dir")
isolate=()
if unshare --mount --propagation private sh -c 'mount -t tmpfs -o size=1m weimin-test-probe "$1"' sh "$WORK/ctl" 2>/dev/null; then
    # shellcheck disable=SC2016
    isolate=(unshare --mount --propagation private sh -c \
        'while [ "$1" != -- ]; do mount -t tmpfs -o size=1m,mode=0755 weimin-test-hidden "$1"; shift; done; shift; exec "$@"' \
        sh "${hide[@]}" --)
    echo "hidden while running: ${hide[*]}"
else
    echo "NOTE: no mount namespace here (unshare/mount not permitted): the toolchain stays visible, so this run"
    echo "      cannot prove the package is self-contained (the ldd check above still does)."
fi
# What systemd gives the service: a clean environment (no WEIMIN_* from CI), the weimin user, cwd /var/lib/weimin.
as_weimin=("${isolate[@]}" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/var/lib/weimin
    setpriv --reuid=weimin --regid=weimin --init-groups --)
CONFIG=/etc/weimin/weimin.json

step "run as the service user"
if [ ${#isolate[@]} -gt 0 ]; then
    check "inside: the toolchain's libswiftCore.so is hidden" \
        "${isolate[@]}" sh -c '! ldd /usr/lib/weimin/weimin | grep -q "libswiftCore.so => /"'
fi
if version_out=$(cd / && "${as_weimin[@]}" /usr/bin/weimin --version 2>&1); then
    ok "weimin --version: $(head -n 1 <<<"$version_out" | tr '\n' ' ')"
    first_word=$(head -n 1 <<<"$version_out" | tr ' ' '\n' | grep -E '^v?[0-9]' | head -n 1 | sed 's/^v//; s/-/~/g')
    check "the package version ($version) comes from weimin --version ($first_word)" \
        test -n "$first_word" -a "${version#"$first_word"}" != "$version"
else
    bad "weimin --version failed: $version_out"
fi

(cd /var/lib/weimin && "${as_weimin[@]}" /usr/bin/weimin migrate --config "$CONFIG") >"$WORK/migrate.log" 2>&1 \
    && ok "weimin migrate --config $CONFIG" || { sed 's/^/    /' "$WORK/migrate.log"; bad "weimin migrate"; }

# Port 0: the system picks a free port and the banner names it (flags beat the config file).
cd /var/lib/weimin
"${as_weimin[@]}" /usr/bin/weimin serve --config "$CONFIG" --host 127.0.0.1 --port 0 >"$WORK/serve.log" 2>&1 &
server_pid=$!
cd "$ROOT"
port=""
for _ in $(seq 1 240); do
    kill -0 "$server_pid" 2>/dev/null || break
    port=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/serve.log" | head -n 1 | sed 's/.*://') || true
    [ -n "$port" ] && break
    sleep 0.5
done
if [ -z "$port" ]; then
    sed 's/^/    /' "$WORK/serve.log"
    die "the server did not start (log above)"
fi
echo "  server pid $server_pid on port $port"
check "the process is /usr/lib/weimin/weimin (exec'd all the way, so the test can signal it)" \
    test "$(readlink "/proc/$server_pid/exe")" = /usr/lib/weimin/weimin
check "it runs as weimin" test "$(stat -c %U "/proc/$server_pid")" = weimin
health=""
for _ in $(seq 1 120); do
    health=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz") || true
    [ "$health" = 200 ] && break
    sleep 0.5
done
check "GET /healthz → 200" test "$health" = 200
check "GET /login renders the bundled template" \
    bash -c "curl -fsS 'http://127.0.0.1:$port/login' | grep -q '登录为民工作台'"
check "GET /static/weimin.css serves the bundled stylesheet" \
    bash -c "curl -fsS 'http://127.0.0.1:$port/static/weimin.css' | grep -q '{'"

check "the database is in /var/lib/weimin" test -s /var/lib/weimin/weimin.sqlite
check "the data key is /var/lib/weimin/weimin.key, mode 600" test "$(stat -c '%U %a' /var/lib/weimin/weimin.key 2>/dev/null)" = "weimin 600"
check "everything in /var/lib/weimin belongs to weimin:weimin" \
    bash -c "[ -z \"\$(find /var/lib/weimin \\( ! -user weimin -o ! -group weimin \\) -print -quit)\" ]"

kill -TERM "$server_pid"
stopped=0
for _ in $(seq 1 60); do kill -0 "$server_pid" 2>/dev/null || { stopped=1; break; }; sleep 0.5; done
wait "$server_pid" 2>/dev/null && rc=0 || rc=$?
check "SIGTERM stops the server within 30 s (exit status $rc)" test "$stopped" = 1
server_pid=""
echo "  server log:"; sed 's/^/    /' "$WORK/serve.log"

# --- 5. upgrade in place, remove, purge -----------------------------------------------------------------
step "reinstall over itself (the upgrade path): the admin's config and the data stay"
sed -i 's/"level": "info"/"level": "notice"/' /etc/weimin/weimin.json
dpkg -i "$deb" >"$WORK/reinstall.log" 2>&1 || { cat "$WORK/reinstall.log"; bad "dpkg -i over the installed package"; }
[ -d /run/systemd/system ] && { systemctl stop weimin.service || true; }
check "the edited conffile is kept" grep -q '"level": "notice"' /etc/weimin/weimin.json
check "its owner and mode are kept" test "$(stat -c '%U:%G %a' /etc/weimin/weimin.json)" = "root:weimin 640"
check "the database is still there" test -s /var/lib/weimin/weimin.sqlite

step "dpkg -r: the program goes, the data and config stay"
dpkg -r weimin | sed 's/^/  /'
check "dpkg says config-files" bash -c "dpkg-query -W -f='\${Status}' weimin | grep -qx 'deinstall ok config-files'"
for p in /usr/lib/weimin /usr/bin/weimin /lib/systemd/system/weimin.service; do
    check "$p is gone" test ! -e "$p"
done
check "/var/lib/weimin/weimin.sqlite is kept" test -s /var/lib/weimin/weimin.sqlite
check "/etc/weimin/weimin.json is kept" test -f /etc/weimin/weimin.json

step "dpkg --purge: everything goes, and postrm says so"
dpkg --purge weimin 2>&1 | tee "$WORK/purge.log" | sed 's/^/  /'
installed_by_us=0
check "postrm announced the data deletion" grep -q '正在删除数据目录 /var/lib/weimin' "$WORK/purge.log"
check "dpkg no longer knows weimin" bash -c "! dpkg-query -W -f='\${Status}' weimin 2>/dev/null | grep -qv not-installed"
for p in /var/lib/weimin /etc/weimin /usr/lib/weimin /usr/share/doc/weimin \
    /etc/systemd/system/multi-user.target.wants/weimin.service /etc/systemd/system/weimin.service; do
    check "$p is gone" test ! -e "$p"
done

echo
if [ "$failures" -gt 0 ]; then
    echo "package test: $failures check(s) FAILED" >&2
    exit 1
fi
echo "package test: all checks passed ($deb)"
