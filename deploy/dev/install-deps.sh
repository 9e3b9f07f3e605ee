#!/usr/bin/env bash
# install-deps.sh installs the Debian packages Talent's dev stack and tests
# need, only when something is missing: PostgreSQL, Redis, Chromium (for the
# browser tests), Firefox ESR, WebKitGTK's WebDriver and Xvfb (the same
# journeys in every engine), and Node.js/npm (buf, puppeteer-core, axe-core,
# Lighthouse). Runs apt-get update
# once, before installing. Used by `make tools` (and so by `make run` and
# `make test`).
set -euo pipefail

missing=()
have_postgres() { ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; }
have_postgres || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Firefox ESR and WebKit (WebKitWebDriver + MiniBrowser under Xvfb) for the
# browser journeys in every engine (ARCH-1); CJK fonts for Chinese pages.
command -v firefox-esr >/dev/null 2>&1 || missing+=(firefox-esr)
command -v WebKitWebDriver >/dev/null 2>&1 || missing+=(webkit2gtk-driver)
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb xauth)
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v runuser >/dev/null 2>&1 || missing+=(util-linux)
[ -e /usr/share/zoneinfo/Asia/Shanghai ] || missing+=(tzdata)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# Debian starts the packaged services; Talent runs its own instances on its own
# ports and data folders, so the system ones are left as they are.
