#!/usr/bin/env node
// `npm test`: tools → lint and type check → build → unit → extension host → UI.
// Each stage ends with `<stage>: N passed, N failed`; the very last line is the total.
// Exits non-zero when anything failed. Later stages still run after a failure, so one run shows
// every problem.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, 'test', '.tools');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const node = process.execPath;
const results = [];
const t0 = Date.now();

function secs(ms) {
    return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs a command with its output streamed and kept for parsing. */
function run(cmd, args, opts = {}) {
    return new Promise((resolve) => {
        const started = Date.now();
        console.log(`\n> ${[cmd, ...args].join(' ')}`);
        const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => {
            out += d;
            process.stdout.write(d);
        });
        child.stderr.on('data', (d) => {
            out += d;
            process.stderr.write(d);
        });
        child.on('error', (e) => {
            out += String(e);
            resolve({ code: 127, out, ms: Date.now() - started });
        });
        child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out, ms: Date.now() - started }));
    });
}

function report(stage, passed, failed, ms, note) {
    results.push({ stage, passed, failed, ms });
    console.log(`${note ? `${stage}: ${note}\n` : ''}${stage}: ${passed} passed, ${failed} failed (${secs(ms)})`);
}

/** The last `<stage>: N passed, N failed` line a runner printed. */
function closingLine(stage, out) {
    const re = new RegExp(`^${stage}: (\\d+) passed, (\\d+) failed`, 'gm');
    let m;
    let last;
    while ((m = re.exec(out))) {
        last = m;
    }
    return last ? { passed: Number(last[1]), failed: Number(last[2]) } : undefined;
}

// 0. Dependencies and tools, so `npm test` works on a fresh clone.
if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
    const r = await run(npm, ['ci', '--no-audit', '--no-fund']);
    report('install', r.code === 0 ? 1 : 0, r.code === 0 ? 0 : 1, r.ms);
}
const missing = [join(tools, 'node24', 'bin', 'node'), join(tools, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'), '/usr/bin/chromium', '/usr/bin/qemu-img', '/usr/sbin/filefrag'].filter((p) => !existsSync(p));
if (missing.length) {
    const r = await run('bash', [join(root, 'test', 'tools', 'setup.sh')]);
    report('setup', r.code === 0 ? 1 : 0, r.code === 0 ? 0 : 1, r.ms);
}

// 1. Checks and build: each step is one check.
{
    let passed = 0;
    let failed = 0;
    let ms = 0;
    const failures = [];
    for (const script of ['lint', 'typecheck', 'build', 'build:tests', 'package']) {
        const r = await run(npm, ['run', '--silent', script]);
        ms += r.ms;
        if (r.code === 0) {
            passed++;
        } else {
            failed++;
            failures.push(`npm run ${script} (exit ${r.code})`);
        }
    }
    report('build', passed, failed, ms, failures.length ? `failed: ${failures.join(', ')}` : undefined);
}

// 2. Unit: node's own runner over the compiled files, listed explicitly (Node 20's --test doesn't glob).
{
    const dir = join(root, 'out', 'test', 'unit');
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort().map((f) => join(dir, f)) : [];
    if (!files.length) {
        report('unit', 0, 1, 0, 'no compiled unit tests in out/test/unit');
    } else {
        const tap = join(mkdtempSync(join(tmpdir(), 'amd-unit-')), 'unit.tap');
        const r = await run(node, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files]);
        const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
        const count = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
        const passed = count('pass');
        // Cancelled tests (a file that crashed, a timeout) count as failures; skipped/todo are shown.
        let failed = count('fail') + count('cancelled');
        if (r.code !== 0 && failed === 0) {
            failed = 1;
        }
        const skipped = count('skipped') + count('todo');
        report('unit', passed, failed, r.ms, skipped ? `${skipped} skipped or todo` : undefined);
    }
}

// 3. Extension host (runTests → shim → code-server + Chromium), then the secrets scan.
{
    const r = await run(node, [join(root, 'out', 'test', 'host', 'runTest.js')]);
    const c = closingLine('host', r.out) ?? { passed: 0, failed: 1 };
    report('host', c.passed, r.code !== 0 && c.failed === 0 ? 1 : c.failed, r.ms);
}

// 4. UI flows with Playwright.
{
    const runner = join(root, 'out', 'test', 'ui', 'run.js');
    if (!existsSync(runner)) {
        report('ui', 0, 1, 0, 'out/test/ui/run.js does not exist');
    } else {
        const r = await run(node, [runner]);
        const c = closingLine('ui', r.out) ?? { passed: 0, failed: 1 };
        report('ui', c.passed, r.code !== 0 && c.failed === 0 ? 1 : c.failed, r.ms);
    }
}

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log('\nSummary');
for (const r of results) {
    console.log(`  ${r.stage.padEnd(6)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed  ${secs(r.ms).padStart(8)}`);
}
console.log(`  total time ${secs(Date.now() - t0)}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
