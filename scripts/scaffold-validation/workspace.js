// Writes the validation workspace's package.json: the union of the generated apps' dependencies
// (all pinned through versions.yaml) plus pyright for the Python apps.
// Usage: node workspace.js OUT versions.yaml APPDIR...
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [out, versionsYaml, ...apps] = process.argv.slice(2);
const deps = {};
for (const app of apps) {
  const pkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
  for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
    if (deps[name] && deps[name] !== version) {
      throw new Error(`${name}: ${deps[name]} vs ${version} in ${app}; pin versions in versions.yaml only`);
    }
    deps[name] = version;
  }
}
const pyright = /^\s*pyright:\s*"?([^"\s]+)"?/m.exec(fs.readFileSync(versionsYaml, 'utf8'));
if (pyright) deps.pyright = pyright[1];
const sorted = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
const pkg = { name: 'scaffold-validation', private: true, devDependencies: sorted };
fs.writeFileSync(out, JSON.stringify(pkg, null, 2) + '\n');
