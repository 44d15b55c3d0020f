/* eslint-disable */
// The package's entry point for the launchers beside this file: the
// TypeScript sources through Backstage's SWC require hook in a checkout (so
// edits take effect without a build), the compiled bundle in the image
// (which ships dist/ without src/).
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'src', 'index.ts');

module.exports = function loadEntry() {
  if (fs.existsSync(source)) {
    require('@backstage/cli/config/nodeTransform.cjs');
    return require(source);
  }
  return require(path.join(root, 'dist', 'index.cjs.js'));
};
