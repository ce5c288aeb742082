#!/usr/bin/env node
// The `mover` command: runs the bundled CLI (built by `npm run build`, which `npm ci` runs through `prepare`).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('mover: dist/cli.js is missing; run `npm run build` first.\n');
  process.exit(1);
}
require(cli).main(process.argv.slice(2));
