/**
 * One fault table, run against download, upload and copy alike: each transfer's data requests
 * meet a connection reset, a 500, a 503 with Retry-After, a 403 from an expired SAS, a short body
 * and a stalled response, through the sandbox's storage (Azurite behind the fault-injecting
 * proxy), and each ends as the table says. The three plans share one blob layer, so one rule
 * holds for all of them; a plan with its own retry loop would fail a row here.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArmClients } from '../../src/azure/armClients';
import { copyPageBlob, downloadBlob, uploadImage } from '../../src/transfer';
import type { StorageFault } from '../sandbox/faults';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { SUB_DEV } from '../sandbox/seed';
import { armClientsFor, sparseSha256 } from '../sandbox/testkit';
import { scratch } from './support';
import { makeRaw, MiB, oracleData } from './uploadKit';

const fast = { updateIntervalInMs: 10 };
/** Short limits so a stalled response is dropped in a second, and backoffs stay short. */
const tuning = { idleTimeoutMs: 1500, baseDelayMs: 5, maxDelayMs: 50, progressIntervalMs: 50 };

interface Row {
    name: string;
    /** The fault, armed once on the transfer's data requests (which those are is per plan, below). */
    fault: Omit<StorageFault, 'blob' | 'method' | 'rangedOnly'>;
    /** What the plan's result must show besides a verified, byte-exact blob. */
    ends: 'retried' | 'regranted' | 'waited';
    /** GET-only faults (a short body): a plan that only PUTs meets it on its read-back. */
    readsOnly?: boolean;
}

const TABLE: Row[] = [
    { name: 'connection reset', fault: { action: 'reset', afterBytes: 1024 }, ends: 'retried' },
    { name: '500 InternalError', fault: { action: 'status', status: 500, code: 'InternalError' }, ends: 'retried' },
    { name: '503 ServerBusy with Retry-After: 1', fault: { action: 'status', status: 503, code: 'ServerBusy' }, ends: 'waited' },
    { name: '403 AuthenticationFailed (the SAS expired)', fault: { action: 'status', status: 403, code: 'AuthenticationFailed', message: 'Signature not valid in the specified time frame' }, ends: 'regranted' },
    // Cut inside the first ranged GET's body: each plan's page list (a list cut short must not pass for a whole one).
    { name: 'a short body', fault: { action: 'truncate', afterBytes: 100 }, ends: 'retried', readsOnly: true },
    { name: 'a stalled response', fault: { action: 'delay', delayMs: 4000 }, ends: 'retried' },
];

let sb: Sandbox;
let arm: ArmClients;
const tmp = scratch();
let source: { url: string; sha256: string; pattern: string };
let uploadTo: { url: string; pattern: string; image: string; sha256: string };
let copyTo: { url: string; pattern: string };

const patternOf = (sas: string) => {
    const parts = new URL(sas).pathname.split('/').filter(Boolean);
    return `${parts.slice(1).join('/')}$`;
};

before(async () => {
    sb = await startSandbox({ lroPolls: 0, retryAfterSeconds: 0, skipLargeDisk: true });
    arm = await armClientsFor(sb.info);
    const c = arm.compute(SUB_DEV).disks;
    const src = (await c.grantAccess('rg-web', 'web-logs', { access: 'Read', durationInSeconds: 3600 }, fast).pollUntilDone()).accessSAS!;
    source = { url: src, sha256: (await sparseSha256(src)).sha256, pattern: patternOf(src) };
    const size = (await sparseSha256(src)).size;
    // A 20 MiB raw image (its footer is written by the upload) and a disk made for it.
    const image = path.join(tmp.dir, 'image.raw');
    makeRaw(image, 20 * MiB);
    await c.createOrUpdate('rg-data', 'fault-upload', { location: 'westeurope', creationData: { createOption: 'Upload', uploadSizeBytes: 20 * MiB + 512 } }, fast).pollUntilDone();
    const up = (await c.grantAccess('rg-data', 'fault-upload', { access: 'Write', durationInSeconds: 3600 }, fast).pollUntilDone()).accessSAS!;
    uploadTo = { url: up, pattern: patternOf(up), image, sha256: crypto.createHash('sha256').update(oracleData(image, tmp.dir)).digest('hex') };
    await c.createOrUpdate('rg-data', 'fault-copy', { location: 'westeurope', creationData: { createOption: 'Upload', uploadSizeBytes: size } }, fast).pollUntilDone();
    const cp = (await c.grantAccess('rg-data', 'fault-copy', { access: 'Write', durationInSeconds: 3600 }, fast).pollUntilDone()).accessSAS!;
    copyTo = { url: cp, pattern: patternOf(cp) };
});

after(async () => {
    await sb?.stop();
});

/** The blob's data without its last 512 bytes (the footer the upload computes), hashed. */
async function dataSha256(url: string, dataSize: number): Promise<string> {
    const res = await fetch(url, { headers: { 'x-ms-range': `bytes=0-${dataSize - 1}`, 'x-ms-version': '2025-01-05' } });
    return crypto.createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex');
}

/** Runs `fn` with the fault armed; asserts it met the fault and ended as the row says. */
type Target = Pick<StorageFault, 'blob' | 'method' | 'rangedOnly'>;

async function expectEnding(row: Row, armed: Target, fn: (refresh: () => Promise<string>, url: string) => Promise<{ retries?: number; regrants?: number; checks: { passed: boolean }[] }>, url: string): Promise<void> {
    await sb.control.reset({});
    await sb.control.storageFault({ ...row.fault, ...armed, count: 1 } as StorageFault);
    let refreshed = 0;
    const t0 = Date.now();
    const result = await fn(async () => (refreshed++, url), url);
    const ms = Date.now() - t0;
    const met = (await sb.control.requestLog()).storage.recent.filter((r) => r.fault).length;
    assert.equal(met, 1, `the fault was met once (${row.name})`);
    assert.ok(result.checks.every((c) => c.passed), `verified: ${JSON.stringify(result.checks)}`);
    if (row.ends === 'regranted') {
        assert.equal(refreshed, 1, 'a fresh SAS was asked for once');
        assert.equal(result.regrants, 1);
    } else {
        assert.equal(refreshed, 0, 'no re-grant for a fault that is not an expiry');
        assert.ok((result.retries ?? 0) >= 1, `retried (${result.retries})`);
        if (row.ends === 'waited') assert.ok(ms >= 900, `Retry-After: 1 was honoured (${ms} ms)`);
    }
}

describe('one fault table, every transfer', () => {
    for (const row of TABLE) {
        it(`download — ${row.name}`, async () => {
            const dest = tmp.dest();
            await expectEnding(row, { blob: source.pattern, method: 'GET', rangedOnly: true }, (refreshUrl, url) =>
                downloadBlob({ url, destPath: dest, refreshUrl, tuning, concurrency: 2 }), source.url);
            assert.equal(crypto.createHash('sha256').update(fs.readFileSync(dest)).digest('hex'), source.sha256, 'byte-exact');
        });

        it(`upload — ${row.name}`, async () => {
            const armed: Target = row.readsOnly ? { blob: uploadTo.pattern, method: 'GET', rangedOnly: true } : { blob: uploadTo.pattern, method: 'PUT' };
            await expectEnding(row, armed, (refreshUrl, url) => uploadImage({ imagePath: uploadTo.image, url, refreshUrl, tuning, concurrency: 2 }), uploadTo.url);
            assert.equal(await dataSha256(uploadTo.url, 20 * MiB), uploadTo.sha256, 'the blob holds the image, byte for byte');
        });

        it(`copy — ${row.name}`, async () => {
            const armed: Target = row.readsOnly ? { blob: copyTo.pattern, method: 'GET', rangedOnly: true } : { blob: copyTo.pattern, method: 'PUT' };
            await expectEnding(row, armed, (refresh, url) =>
                copyPageBlob({ sourceUrl: source.url, targetUrl: url, refreshTarget: refresh, tuning, concurrency: 2, mode: 'server' }), copyTo.url);
            assert.equal((await sparseSha256(copyTo.url)).sha256, source.sha256, 'the target is the source, byte for byte');
        });
    }
});
