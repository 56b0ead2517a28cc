#!/usr/bin/env bash
# Usage: tools/new-project.sh <dir> <name> — writes the standard project.json/tsconfig/vitest config.
set -euo pipefail
dir=$1; name=$2
mkdir -p "$dir/src"
cat > "$dir/project.json" <<JSON
{
  "name": "$name",
  "\$schema": "../../node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "$dir/src",
  "targets": {
    "build": { "command": "tsc -p {projectRoot}/tsconfig.json" },
    "test": { "command": "vitest run --config {projectRoot}/vitest.config.ts" },
    "lint": { "command": "eslint {projectRoot}" }
  }
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "include": ["src/**/*.ts", "test/**/*.ts", "vitest.config.ts"]
}
JSON
cat > "$dir/vitest.config.ts" <<TS
import { projectConfig } from '../../vitest.shared.js';

export default projectConfig(import.meta.dirname);
TS
cat > "$dir/package.json" <<JSON
{
  "name": "@modelfn/$name",
  "version": "0.1.0",
  "private": true,
  "type": "module"
}
JSON
