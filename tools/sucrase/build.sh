#!/usr/bin/env bash
# Rebuilds src/main/resources/sucrase/sucrase.js, the TypeScript transform the sandbox workers load
# (sandbox/TypeScriptTranspiler), from the pinned Sucrase in package-lock.json: `tools/sucrase/build.sh`.
# The bundle is committed, so building Slipway needs no npm; run this only to change Sucrase's version.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
npm ci --silent
version=$(node -p 'require("sucrase/package.json").version')
node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --platform=neutral --main-fields=main,module \
  --banner:js="/*! Sucrase $version (MIT License, https://github.com/alangpierce/sucrase), bundled by tools/sucrase/build.sh */" \
  --outfile=../../src/main/resources/sucrase/sucrase.js
echo "$version" > ../../src/main/resources/sucrase/VERSION
