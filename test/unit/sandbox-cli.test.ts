/**
 * `npm run sandbox` (out/test/sandbox/cli.js): one JSON line first, a working bearer token,
 * request lines without secrets, and SIGINT stops everything (ports closed, no child left).
 */
import { it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { SandboxInfo } from '../sandbox/types';

const CLI = path.join(__dirname, '..', 'sandbox', 'cli.js');

function childrenOf(pid: number): number[] {
    const out: number[] = [];
    for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
            const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
            if (ppid === pid) out.push(Number(entry));
        } catch {
            // the process ended while we looked
        }
    }
    return out;
}

function portOpen(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
        s.on('error', () => resolve(false));
    });
}

it('prints SandboxInfo first, serves ARM with its token, logs without secrets, and stops cleanly on SIGINT', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, [CLI, '--skip-large-disk', '--lro-polls', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const firstLine = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
            stdout += c.toString();
            const nl = stdout.indexOf('\n');
            if (nl >= 0) resolve(stdout.slice(0, nl));
        });
        void exited.then(() => reject(new Error(`cli exited early: ${stderr}`)));
    });
    const info = JSON.parse(firstLine) as SandboxInfo;
    assert.match(info.armEndpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(info.storageEndpoint, /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    assert.ok(fs.existsSync(info.manifestPath));
    const claims = JSON.parse(Buffer.from(info.bearerToken.split('.')[1], 'base64url').toString()) as { exp: number };
    assert.ok(claims.exp - Date.now() / 1000 >= 3590, 'token valid for at least an hour');

    const res = await fetch(`${info.armEndpoint}/subscriptions/${info.subscriptionIds[0]}/resourcegroups/rg-web/providers/Microsoft.Compute/disks?api-version=2025-01-02`, { headers: { Authorization: `Bearer ${info.bearerToken}` } });
    assert.equal(res.status, 200);
    const page = (await res.json()) as { value: { name: string }[]; nextLink?: string };
    assert.ok(page.value.length > 0 && page.nextLink);
    const disk = `${info.armEndpoint}/subscriptions/${info.subscriptionIds[0]}/resourceGroups/rg-web/providers/Microsoft.Compute/disks/web-data-01`;
    const grant = await fetch(`${disk}/beginGetAccess?api-version=2025-01-02`, { method: 'POST', headers: { Authorization: `Bearer ${info.bearerToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ access: 'Read', durationInSeconds: 60 }) });
    assert.equal(grant.status, 202);
    const done = await fetch(grant.headers.get('location')!, { headers: { Authorization: `Bearer ${info.bearerToken}` } });
    const sas = ((await done.json()) as { accessSAS: string }).accessSAS;
    const blob = await fetch(sas, { headers: { Range: 'bytes=0-4095' } });
    assert.equal(blob.status, 206);
    await blob.arrayBuffer();
    const logged = /storage GET \/devstoreaccount1\/\S+ 206 4096 B/;
    for (let i = 0; i < 100 && !logged.test(stdout); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(stdout, logged);
    assert.ok(!stdout.slice(firstLine.length).includes('sig='), 'no SAS signature in the request log');
    assert.ok(!stdout.slice(firstLine.length).includes(info.bearerToken));

    const kids = childrenOf(child.pid!);
    assert.ok(kids.length >= 1, 'Azurite runs as a child');
    const armPort = Number(new URL(info.armEndpoint).port);
    const storagePort = Number(new URL(info.storageEndpoint).port);
    child.kill('SIGINT');
    const exit = await exited;
    assert.equal(exit.code, 0, stderr);
    assert.equal(await portOpen(armPort), false);
    assert.equal(await portOpen(storagePort), false);
    for (const pid of kids) assert.equal(fs.existsSync(`/proc/${pid}`), false, `child ${pid} is gone`);
    assert.equal(fs.existsSync(info.manifestPath), false, 'its temp folder is removed');
});
