#!/usr/bin/env bash
# Make sure Debian's headless browser and its driver exist, so the browser tests
# (tests/test_web_browser.py) run; they skip with a reason when chromium is absent.
set -euo pipefail
if command -v chromium > /dev/null && command -v chromedriver > /dev/null; then
    exit 0
fi
if ! command -v apt-get > /dev/null; then
    echo "ensure-chromium: no chromium and no apt-get; browser tests will be skipped" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver > /dev/null
command -v chromium > /dev/null && command -v chromedriver > /dev/null
