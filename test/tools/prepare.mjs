#!/usr/bin/env node
// Makes a fresh clone runnable: installs the tools (Node 24, code-server, Chromium) when they are
// missing, then carries on under Node 24: the locked dependencies (`npm ci`) and everything after
// them run on the Node the dependencies are made for. Quick when everything is already there.
//
// Usage: node test/tools/prepare.mjs [--azcopy] [--build] [-- <script.js> args…]
//   --azcopy  also install AzCopy (only the benchmark compares against it)
//   --build   compile the tests and package the extension (dist/azure-managed-disks.vsix)
//   -- …      then run this script on Node 24 (its exit code is ours; Ctrl+C reaches it)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tools = join(root, 'test', '.tools');
const node24 = join(tools, 'node24', 'bin', 'node');
const dash = process.argv.indexOf('--');
const flags = dash >= 0 ? process.argv.slice(2, dash) : process.argv.slice(2);
const then = dash >= 0 ? process.argv.slice(dash + 1) : [];

function step(cmd, args, { quiet = false } = {}) {
    const r = spawnSync(cmd, args, { cwd: root, stdio: ['inherit', quiet ? 'ignore' : 'inherit', 'inherit'] });
    if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The npm that started us (npm sets npm_execpath), else the one on PATH; run by Node 24 itself. */
function npmCli() {
    if (process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)) return process.env.npm_execpath;
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
        const npm = join(dir, 'npm');
        if (existsSync(npm)) return join(dirname(realpathSync(npm)), 'npm-cli.js');
    }
    throw new Error('npm is not on PATH');
}

// 1. The tools, Node 24 first: setup.sh says what it installs and how long it takes.
const needed = [node24, join(tools, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'), '/usr/bin/chromium'];
if (flags.includes('--azcopy')) needed.push(join(tools, 'azcopy', '.done'));
if (needed.some((p) => !existsSync(p))) {
    step('bash', [join(root, 'test', 'tools', 'setup.sh'), ...(flags.includes('--azcopy') ? ['--azcopy'] : [])]);
}

/** Runs `args` on Node 24; its exit is ours. A terminal's Ctrl+C reaches the whole process group, a signal sent to us alone is passed on. */
function handOver(args, env = process.env) {
    const child = spawn(node24, args, { cwd: root, stdio: 'inherit', env });
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.versions.node.split('.')[0] !== '24') {
    // 2. The rest again under Node 24, with it first on PATH for every `node` the scripts start.
    handOver([fileURLToPath(import.meta.url), ...process.argv.slice(2)], { ...process.env, PATH: `${dirname(node24)}${delimiter}${process.env.PATH ?? ''}`, npm_execpath: npmCli() });
} else {
    const npm = npmCli();
    if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
        console.log('Installing the dependencies (npm ci, about a minute)…');
        step(process.execPath, [npm, 'ci', '--no-audit', '--no-fund']);
    }
    if (flags.includes('--build')) {
        console.log('Building and packaging the extension…');
        step(process.execPath, [npm, 'run', '--silent', 'build:tests']);
        // vsce lists every file it packs on stdout; warnings and errors still reach stderr.
        step(process.execPath, [npm, 'run', '--silent', 'package'], { quiet: true });
    }
    if (then.length) handOver(then);
}
