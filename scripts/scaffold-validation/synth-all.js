// Synthesizes every TypeScript app in ONE node process (the CloudFormation validator's WASM engine
// starts once), with each app's own cdk.json context. Usage: node synth-all.js OUTDIR APPDIR...
// Prints "PASS synth-ts <app>" / "FAIL synth-ts <app>" lines; exit code = number of failures (max 100).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
// Resolve tsx from the workspace (the cwd), not from this script's directory.
require(require.resolve('tsx/cjs/api', { paths: [process.cwd()] })).register();

const [outRoot, ...apps] = process.argv.slice(2);
let failed = 0;
const root = process.cwd();
for (const appDir of apps) {
  const name = path.basename(appDir);
  const outdir = path.resolve(outRoot, name);
  fs.rmSync(outdir, { recursive: true, force: true });
  try {
    const cdkJson = JSON.parse(fs.readFileSync(path.join(appDir, 'cdk.json'), 'utf8'));
    const bin = /tsx\s+(\S+\.ts)/.exec(cdkJson.app);
    if (!bin) throw new Error(`cannot find the app entry in cdk.json "app": ${cdkJson.app}`);
    process.env.CDK_OUTDIR = outdir;
    process.env.CDK_CONTEXT_JSON = JSON.stringify(cdkJson.context ?? {});
    process.chdir(appDir);
    const before = new Set(process.listeners('beforeExit'));
    require(path.resolve(appDir, bin[1]));
    // The App synthesizes on beforeExit; run that listener now, inside try/catch, so that
    // each app gets its own result.
    for (const listener of process.listeners('beforeExit')) {
      if (!before.has(listener)) {
        process.removeListener('beforeExit', listener);
        listener(0);
      }
    }
    if (!fs.existsSync(path.join(outdir, 'manifest.json'))) throw new Error('no cloud assembly was written');
    console.log(`PASS synth-ts ${name}`);
  } catch (err) {
    failed += 1;
    const text = String(err && err.stack ? err.stack : err);
    // aws-cdk-lib is minified: keep the readable part of the error.
    console.log(`FAIL synth-ts ${name}: ${text.split('\n').filter((l) => l.length < 400).slice(0, 30).join('\n  ')}`);
    const report = path.join(outdir, 'validation-report.json');
    if (fs.existsSync(report)) console.log(`  see ${report}`);
  } finally {
    process.chdir(root);
  }
}
process.exitCode = Math.min(failed, 100);
