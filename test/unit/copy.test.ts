/**
 * The page-blob copy engine against the sandbox's storage (real Azurite behind the proxy that does
 * Put Page From URL): server-side copy of only the written ranges, the streaming fallback when the
 * service refuses, the verification catching a wrong target, and resume from the journal.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnonymousCredential, PageBlobClient } from '@azure/storage-blob';
import type { ArmClients } from '../../src/azure/armClients';
import { copyPageBlob, verifyCopy } from '../../src/transfer/copy/copy';
import { TransferError } from '../../src/transfer/core/types';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { SUB_DEV } from '../sandbox/seed';
import { armClientsFor } from '../sandbox/testkit';

const MiB = 1024 * 1024;
const fast = { updateIntervalInMs: 10 };
let sb: Sandbox;
let arm: ArmClients;
let source: string;
let size: number;
let written: { start: number; end: number }[];
let dir: string;

async function target(name: string): Promise<string> {
    const c = arm.compute(SUB_DEV).disks;
    await c.createOrUpdate('rg-data', name, { location: 'westeurope', creationData: { createOption: 'Upload', uploadSizeBytes: size } }, fast).pollUntilDone();
    return (await c.grantAccess('rg-data', name, { access: 'Write', durationInSeconds: 3600 }, fast).pollUntilDone()).accessSAS!;
}

const pathOf = (url: string) => new URL(url).pathname;
const blob = (url: string) => new PageBlobClient(url, new AnonymousCredential());
const sum = (rs: { start: number; end: number }[]) => rs.reduce((a, r) => a + r.end - r.start, 0);
/** Put Page requests the storage saw on a blob. */
async function putsOn(url: string): Promise<{ status?: number }[]> {
    return (await sb.control.requestLog()).storage.recent.filter((r) => r.method === 'PUT' && r.path === pathOf(url));
}

async function assertSameBlob(a: string, b: string): Promise<void> {
    const [x, y] = await Promise.all([blob(a).downloadToBuffer(0, size), blob(b).downloadToBuffer(0, size)]);
    assert.ok(x.equals(y), 'target equals source byte for byte');
}

before(async () => {
    sb = await startSandbox({ lroPolls: 0, retryAfterSeconds: 0, skipLargeDisk: true });
    arm = await armClientsFor(sb.info);
    source = (await arm.compute(SUB_DEV).disks.grantAccess('rg-web', 'web-logs', { access: 'Read', durationInSeconds: 3600 }, fast).pollUntilDone()).accessSAS!;
    size = (await blob(source).getProperties()).contentLength!;
    written = [];
    for await (const r of blob(source).listPageRanges()) written.push({ start: r.start, end: r.end + 1 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-copy-'));
});

after(async () => {
    await sb?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('copyPageBlob', () => {
    it('copies only the written ranges of a sparse disk, server-side, and verifies', async () => {
        const dest = await target('copy-server');
        await sb.control.clearLog();
        const res = await copyPageBlob({ sourceUrl: source, targetUrl: dest });
        assert.equal(res.mode, 'server');
        assert.equal(res.bytesStreamed, 0, 'no data through the client');
        assert.equal(res.bytesServerSide, sum(written));
        assert.ok(sum(written) * 8 < size, `the disk is sparse (${sum(written)} of ${size} bytes written)`);
        const expectedPuts = written.reduce((n, r) => n + Math.ceil((r.end - r.start) / (4 * MiB)), 0);
        const puts = await putsOn(dest);
        assert.equal(puts.length, expectedPuts, 'one Put Page From URL per 4 MiB of written data, none for holes');
        assert.deepEqual(res.checks.map((c) => [c.name, c.passed]), [['page-ranges', true], ['sampled-md5', true]]);
        await assertSameBlob(source, dest);
    });

    it('streams through the client when the service refuses server-side copies', async () => {
        const dest = await target('copy-stream');
        await sb.control.copyFromUrl({ refuse: true });
        const logs: string[] = [];
        try {
            const res = await copyPageBlob({ sourceUrl: source, targetUrl: dest, concurrency: 1, log: (m) => logs.push(m) });
            assert.equal(res.mode, 'stream');
            assert.equal(res.bytesStreamed, sum(written), 'every written byte streamed');
            assert.equal(res.bytesServerSide, 0);
            assert.ok(res.checks.every((c) => c.passed));
        } finally {
            await sb.control.copyFromUrl({ refuse: false });
        }
        assert.equal(logs.filter((m) => /refused a server-side copy/.test(m)).length, 1, 'the fallback is said once');
        const refused = (await putsOn(dest)).filter((p) => p.status === 403);
        assert.equal(refused.length, 1, 'after the first refusal no more server-side attempts');
        await assertSameBlob(source, dest);
    });

    it('the verification catches a target whose data or written ranges differ', async () => {
        const dest = await target('copy-verify');
        await copyPageBlob({ sourceUrl: source, targetUrl: dest });
        const first = written[0];
        await blob(dest).uploadPages(Buffer.alloc(512, 0xab), first.start, 512);
        let checks = await verifyCopy(source, dest, size, written, 100);
        assert.deepEqual(checks.map((c) => [c.name, c.passed]), [['page-ranges', true], ['sampled-md5', false]], 'changed data in a written range');
        const hole = size - 512 - 4 * MiB;
        assert.ok(!written.some((r) => r.start <= hole && hole < r.end), 'a hole in the source');
        await blob(dest).uploadPages(Buffer.alloc(512, 1), hole, 512);
        checks = await verifyCopy(source, dest, size, written, 0);
        assert.deepEqual(checks.map((c) => [c.name, c.passed]), [['page-ranges', false]], 'data where the source has none');
    });

    it('resumes from its journal: what was copied before the interruption is not copied again', async () => {
        const dest = await target('copy-resume');
        const journalPath = path.join(dir, 'copy-resume.journal');
        const chunks = written.reduce((n, r) => n + Math.ceil((r.end - r.start) / (4 * MiB)), 0);
        assert.ok(chunks >= 2, `several chunks to copy (${chunks})`);
        const stop = new AbortController();
        await assert.rejects(
            copyPageBlob({ sourceUrl: source, targetUrl: dest, journalPath, concurrency: 1, signal: stop.signal, onProgress: (p) => { if (p.bytesDone > 0) stop.abort(); } }),
            (e: unknown) => e instanceof TransferError && e.code === 'Cancelled',
        );
        assert.ok(fs.existsSync(journalPath), 'the journal is kept');
        await sb.control.clearLog();
        const res = await copyPageBlob({ sourceUrl: source, targetUrl: dest, journalPath, concurrency: 1 });
        assert.ok(res.bytesResumed > 0, 'something was resumed');
        assert.equal(res.bytesResumed + res.bytesWritten, sum(written), 'nothing copied twice');
        const puts = await putsOn(dest);
        assert.ok(puts.length < chunks, `fewer Put Page requests the second time (${puts.length} of ${chunks})`);
        assert.ok(res.checks.every((c) => c.passed));
        assert.ok(!fs.existsSync(journalPath), 'the journal is removed after a verified copy');
        await assertSameBlob(source, dest);
    });
    it('will not resume from the journal of another source/target pair: it copies everything', async () => {
        const dest = await target('copy-other-pair');
        const journalPath = path.join(dir, 'copy-other-pair.journal');
        const stop = new AbortController();
        await assert.rejects(
            copyPageBlob({ sourceUrl: source, targetUrl: dest, journalPath, resumeKey: 'disk-a#disk->disk-b', concurrency: 1, signal: stop.signal, onProgress: (p) => { if (p.bytesDone > 0) stop.abort(); } }),
            (e: unknown) => e instanceof TransferError && e.code === 'Cancelled',
        );
        const lines: string[] = [];
        const res = await copyPageBlob({ sourceUrl: source, targetUrl: dest, journalPath, resumeKey: 'disk-a#disk->disk-c', concurrency: 1, log: (m) => lines.push(m) });
        assert.equal(res.bytesResumed, 0, 'nothing taken from the other pair\'s journal');
        assert.equal(res.bytesWritten, sum(written));
        assert.ok(lines.some((l) => /belongs to another copy/.test(l)), 'it says why it starts over');
        await assertSameBlob(source, dest);
    });
});
