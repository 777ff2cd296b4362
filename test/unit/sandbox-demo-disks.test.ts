/**
 * The demo's disks of real sizes: page blobs of the disk's size + 512 bytes with a fixed VHD
 * footer at the end, the planned ranges written and nothing else, seeded once and then served
 * from the seed cache without a single page write.
 */
import { it } from 'node:test';
import * as assert from 'node:assert/strict';
import { AnonymousCredential, PageBlobClient } from '@azure/storage-blob';
import { startSandbox } from '../sandbox/index';
import { planRanges } from '../sandbox/blobs';
import { demoResources } from '../sandbox/seed';
import { collect } from '../sandbox/testkit';
import type { SandboxInfo, SeedDisk } from '../sandbox/types';

const MiB = 1024 * 1024;

async function readSas(info: SandboxInfo, d: SeedDisk): Promise<string> {
    const auth = { Authorization: `Bearer ${info.bearerToken}` };
    const grant = await fetch(`${info.armEndpoint}${d.id}/beginGetAccess?api-version=2025-01-02`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ access: 'Read', durationInSeconds: 600 }) });
    assert.equal(grant.status, 202);
    const done = await fetch(grant.headers.get('location')!, { headers: auth });
    return ((await done.json()) as { accessSAS: string }).accessSAS;
}

/** Adjacent ranges merged, as the service lists them. */
function merged(ranges: { start: number; end: number }[]): { start: number; end: number }[] {
    const out: { start: number; end: number }[] = [];
    for (const r of ranges) {
        const last = out[out.length - 1];
        if (last && last.end + 1 === r.start) last.end = r.end;
        else out.push({ ...r });
    }
    return out;
}

/** The fixed VHD footer, read field by field (Microsoft's VHD specification), not with the product's checker. */
function footerFields(f: Buffer): { cookie: string; diskType: number; currentSize: number; checksumOk: boolean } {
    let sum = 0;
    for (let i = 0; i < f.length; i++) if (i < 64 || i >= 68) sum += f[i];
    return { cookie: f.toString('ascii', 0, 8), diskType: f.readUInt32BE(60), currentSize: Number(f.readBigUInt64BE(48)), checksumOk: ((~sum) >>> 0) === f.readUInt32BE(64) };
}

it('demo disks: size + 512, a fixed VHD footer, the planned ranges; a second start writes no page', { timeout: 600_000 }, async () => {
    const seen: Record<string, string> = {};
    // Twice: the first may seed the cache, the second surely reads it.
    for (let run = 0; run < 2; run++) {
        const sb = await startSandbox({ demoDisks: true, lroPolls: 0, retryAfterSeconds: 0 });
        try {
            for (const spec of demoResources) {
                const d = sb.manifest.find((x) => x.name === spec.name);
                assert.ok(d, `${spec.name} is in the demo world`);
                const dataSize = spec.sizeMiB * MiB;
                assert.equal(d.blobs.disk.size, dataSize + 512);
                const blob = new PageBlobClient(await readSas(sb.info, d), new AnonymousCredential());
                const props = await blob.getProperties();
                assert.equal(props.contentLength, dataSize + 512, `${spec.name}: the blob is the disk's size + 512`);
                const footer = await blob.downloadToBuffer(dataSize, 512);
                assert.deepEqual(footerFields(footer), { cookie: 'conectix', diskType: 2, currentSize: dataSize, checksumOk: true });

                const planned = planRanges(d.id.toLowerCase(), dataSize, spec.writtenMiB * MiB).map((r) => ({ start: r.offset, end: r.offset + r.length - 1 }));
                const listed = (await collect(blob.listPageRanges())).map((r) => ({ start: r.start, end: r.end! }));
                assert.deepEqual(listed, merged([...planned, { start: dataSize, end: dataSize + 511 }]), `${spec.name}: written ranges as planned, plus the footer`);
                const written = planned.reduce((n, r) => n + r.end + 1 - r.start, 0);
                assert.ok(Math.abs(written - spec.writtenMiB * MiB) <= 4 * MiB, `${spec.name}: ~${spec.writtenMiB} MiB written (${written / MiB} MiB)`);
                assert.ok(planned.length > 10, `${spec.name}: scattered over ${planned.length} ranges`);
                // Any Put Page changes the etag: the same etag in the second run means it wrote nothing.
                if (run === 0) seen[spec.name] = props.etag!;
                else assert.equal(props.etag, seen[spec.name], `${spec.name}: served from the seed cache, not written again`);
            }
        } finally {
            await sb.stop();
        }
    }
    const plain = await startSandbox({ skipLargeDisk: true, lroPolls: 0 });
    try {
        assert.ok(!plain.manifest.some((d) => demoResources.some((s) => s.name === d.name)), 'only the demo world has them');
    } finally {
        await plain.stop();
    }
});
