#!/usr/bin/env node
// Makes a fresh clone runnable: installs the locked dependencies and the tools (Node 24,
// code-server, Chromium) when they are missing. Quick when everything is already there.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tools = join(root, 'test', '.tools');

function step(cmd, args) {
    console.log(`> ${[cmd, ...args].join(' ')}`);
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
    step(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund']);
}
const needed = [join(tools, 'node24', 'bin', 'node'), join(tools, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'), '/usr/bin/chromium'];
// The benchmark also compares against AzCopy.
if (process.argv.includes('--azcopy')) needed.push(join(tools, 'azcopy', '.done'));
if (needed.some((p) => !existsSync(p))) {
    step('bash', [join(root, 'test', 'tools', 'setup.sh')]);
}
