#!/usr/bin/env bash
# Installs Debian's chromium (used headless by the report's browser test through playwright-core) when
# /usr/bin/chromium is missing. Idempotent and non-interactive; needs root (CI and developer machines are).
# We never use `npx playwright install`: this machine reaches Debian's archive but no browser download host.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
  echo "install-chromium.sh: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) already installed" >&2
  exit 0
fi

if [[ "$(id -u)" != "0" ]]; then
  echo "install-chromium.sh: /usr/bin/chromium is missing and we are not root; run: apt-get install chromium" >&2
  exit 1
fi

echo "install-chromium.sh: installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
# Bounded retries: a mirror hiccup should not fail CI, a real 'no' (package missing) still does.
for attempt in 1 2 3; do
  if apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2; then
    break
  fi
  if [[ "$attempt" == "3" ]]; then
    echo "install-chromium.sh: apt-get install chromium failed 3 times" >&2
    exit 1
  fi
  sleep 5
done

if [[ ! -x /usr/bin/chromium ]]; then
  echo "install-chromium.sh: chromium installed but /usr/bin/chromium is not there" >&2
  exit 1
fi
echo "install-chromium.sh: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)" >&2
