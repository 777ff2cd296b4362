/** A sandbox started from the seed cache holds exactly what a freshly seeded one holds. */
import { it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSandbox } from '../sandbox/index';
import { rebase, restore, save, type BlobMap } from '../sandbox/seedCache';
import { download, sha256 } from '../sandbox/testkit';
import type { SeedDisk } from '../sandbox/types';

function withoutUrls(disks: SeedDisk[]): unknown {
    return disks.map((d) => ({ ...d, blobs: Object.fromEntries(Object.entries(d.blobs).map(([k, b]) => [k, { ...b, url: new URL(b.url).pathname }])) }));
}

it('cached and fresh sandboxes publish the same manifest and serve the same bytes', { timeout: 120_000 }, async () => {
    const fresh = await startSandbox({ cache: false, skipLargeDisk: true });
    let freshBytes: string;
    let freshManifest: unknown;
    try {
        freshManifest = withoutUrls(fresh.manifest);
        const d = fresh.manifest.find((x) => x.name === 'cvm-os')!;
        assert.ok(d.blobs.disk.url.startsWith(fresh.info.storageEndpoint));
        freshBytes = d.blobs.vmmd!.sha256;
    } finally {
        await fresh.stop();
    }
    // Twice: the first may seed the cache, the second surely reads it.
    for (let i = 0; i < 2; i++) {
        const cached = await startSandbox({ skipLargeDisk: true, lroPolls: 0 });
        try {
            assert.deepEqual(withoutUrls(cached.manifest), freshManifest);
            const d = cached.manifest.find((x) => x.name === 'cvm-os')!;
            assert.ok(d.blobs.disk.url.startsWith(cached.info.storageEndpoint), 'URLs point at this run');
            assert.equal(d.blobs.vmmd!.sha256, freshBytes);
            // The bytes themselves, through a real grant.
            const token = cached.info.bearerToken;
            const grant = await fetch(`${cached.info.armEndpoint}${d.id}/beginGetAccess?api-version=2025-01-02`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ access: 'Read', durationInSeconds: 60, getSecureVMGuestStateSAS: true }) });
            const done = await fetch(grant.headers.get('location')!, { headers: { Authorization: `Bearer ${token}` } });
            const uri = (await done.json()) as { securityMetadataAccessSAS: string };
            assert.equal(sha256(await download(uri.securityMetadataAccessSAS)), freshBytes);
        } finally {
            await cached.stop();
        }
    }
});

it('save/restore round-trips a folder and its map; a half-written entry is a miss', () => {
    const key = `test-${process.pid}-${Date.now()}`;
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'seedcache-src-'));
    const dst = fs.mkdtempSync(path.join(os.tmpdir(), 'seedcache-dst-'));
    const dst2 = fs.mkdtempSync(path.join(os.tmpdir(), 'seedcache-dst-'));
    const root = path.join(os.tmpdir(), 'azure-disks-sandbox-cache');
    try {
        fs.writeFileSync(path.join(src, 'db.json'), '{"x":1}');
        const blob = { url: 'http://127.0.0.1:1/devstoreaccount1/md-x/abcd', container: 'md-x', blob: 'abcd_vmgs', size: 1, writtenBytes: 0, sha256: 'aa', format: 'vhd' as const };
        const map: BlobMap = { '/subscriptions/s/disk': { disk: blob } };
        assert.equal(restore(key, dst), undefined);
        save(key, src, map);
        assert.deepEqual(restore(key, dst), map);
        assert.equal(fs.readFileSync(path.join(dst, 'db.json'), 'utf8'), '{"x":1}');
        const moved = rebase(map, 'http://127.0.0.1:2/devstoreaccount1/');
        assert.equal(moved['/subscriptions/s/disk'].disk.url, 'http://127.0.0.1:2/devstoreaccount1/md-x/abcd_vmgs');
        fs.rmSync(path.join(root, key, 'blobs.json'));
        assert.equal(restore(key, dst2), undefined);
    } finally {
        for (const d of [src, dst, dst2, path.join(root, key)]) fs.rmSync(d, { recursive: true, force: true });
    }
});
