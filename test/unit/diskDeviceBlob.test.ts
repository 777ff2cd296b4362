/**
 * A disk image served as a page blob by the range server (only its non-zero pages written):
 * opening the volumes and listing a root takes a few requests, a file costs about its own size,
 * unwritten pages cost nothing, an expired SAS is granted again mid-way, and a failure of the
 * network reaches the caller instead of being taken for a damaged volume.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { before, describe, it } from 'node:test';
import { TransferError } from '../../src/blob/errors';
import { openBlobDevice } from '../../src/disk/device/blob';
import { openVolumes } from '../../src/disk/volumes';
import { BlobModel } from '../bench/blobModel';
import { startRangeServer } from '../bench/rangeServer';
import { sha256 } from './diskTree';
import { gptFixture } from './diskVolumesKit';

const MiB = 1024 * 1024;
const PAGE = 4096;

/** A page blob holding an image's bytes, its written ranges being the image's non-zero pages. */
class ImageModel extends BlobModel {
    constructor(private readonly data: Buffer) {
        super(data.length, writtenPages(data), 1, false);
    }

    slices(start: number, end: number): Buffer[] {
        return [this.data.subarray(start, end)];
    }
}

function writtenPages(data: Buffer): { start: number; end: number }[] {
    const zero = Buffer.alloc(PAGE);
    const out: { start: number; end: number }[] = [];
    for (let at = 0; at < data.length; at += PAGE) {
        if (data.compare(zero, 0, Math.min(PAGE, data.length - at), at, Math.min(at + PAGE, data.length)) === 0) continue;
        const last = out[out.length - 1];
        if (last && last.end === at) last.end = at + PAGE;
        else out.push({ start: at, end: at + PAGE });
    }
    return out;
}

describe('blob devices', () => {
    let model: ImageModel;
    let manifest: ReturnType<typeof gptFixture>['manifest'];
    before(() => {
        const fx = gptFixture();
        model = new ImageModel(fs.readFileSync(fx.image));
        manifest = fx.manifest;
    });

    it('opens the volumes and lists a root in a few requests; a 1 MiB file costs about 1 MiB', async () => {
        const server = await startRangeServer(model, { pageSize: 10 });
        const dev = await openBlobDevice({ url: `${server.url}?sv=1&sig=one` });
        try {
            assert.equal(dev.size, model.size);
            const vols = await openVolumes(dev);
            assert.deepEqual(vols.map((v) => v.name), ['1 EFI System (FAT32, 100 MiB)', '2 Linux root (x86-64) (ext4, 48 MiB)', '3 swap (swap, 8 MiB)']);
            const fs4 = vols[1].fs!;
            const names = (await fs4.list(await fs4.root())).map((e) => e.name).sort();
            assert.deepEqual(names, [...manifest.filter((m) => !m.path.includes('/')).map((m) => m.path), 'lost+found'].sort());
            const c = server.counts;
            assert.equal(c.head, 1);
            assert.equal(c.list, Math.ceil(model.ranges.length / 10), 'the page list is read once, page by page');
            assert.ok(c.get <= 12, `${c.get} GETs`);
            assert.ok(c.bytes <= MiB, `${c.bytes} bytes`);
            assert.deepEqual(dev.stats(), { requests: c.head + c.list + c.get, bytesFetched: c.bytes });
            // A 1 MiB file.
            const before = c.bytes;
            const data = (await fs4.list((await fs4.list(await fs4.root())).find((e) => e.name === 'data')!)).find((e) => e.name === 'one-mib.bin')!;
            const bytes = await fs4.read(data, 0, data.size);
            assert.equal(sha256(bytes), manifest.find((m) => m.path === 'data/one-mib.bin')!.sha256);
            assert.ok(c.bytes - before <= 1.5 * MiB, `${c.bytes - before} bytes for a 1 MiB file`);
            // Unwritten pages: the end of the swap partition holds nothing.
            const gets = c.get;
            assert.deepEqual(await dev.read(150 * MiB, 8 * MiB), new Uint8Array(8 * MiB));
            assert.equal(c.get, gets);
        } finally {
            dev.close();
            await server.close();
        }
    });

    it('asks for a fresh SAS when the grant expires mid-way, and goes on', async () => {
        const sigs = new Set(['one']);
        const server = await startRangeServer(model, {
            validSigs: sigs,
            fault: (i) => {
                if (i.kind === 'get' && i.n === 3) sigs.clear();
                return undefined;
            },
        });
        let refreshes = 0;
        const dev = await openBlobDevice({
            url: `${server.url}?se=2999-01-01&sig=one`,
            refreshUrl: async () => {
                refreshes++;
                sigs.add('two');
                return `${server.url}?se=2999-01-01&sig=two`;
            },
        });
        try {
            const vols = await openVolumes(dev);
            assert.deepEqual(vols.map((v) => v.fsType), ['FAT32', 'ext4', 'swap']);
            const hello = (await vols[1].fs!.list(await vols[1].fs!.root())).find((e) => e.name === 'hello.txt')!;
            assert.equal(Buffer.from(await vols[1].fs!.read(hello, 0, 100)).toString(), 'Hello from inside the disk.\n');
            assert.equal(refreshes, 1);
            assert.ok(server.counts.forbidden >= 1, 'a request was refused');
        } finally {
            dev.close();
            await server.close();
        }
    });

    it('reads a block blob without a page list, and every byte when the page list is refused', async () => {
        for (const opts of [{ blobType: 'BlockBlob' as const }, { fault: (i: { kind: string }) => (i.kind === 'list' ? { status: 400, errorCode: 'InvalidQueryParameterValue' } : undefined) }]) {
            const server = await startRangeServer(model, opts);
            const lines: string[] = [];
            const dev = await openBlobDevice({ url: `${server.url}?sig=one`, log: (m) => lines.push(m) });
            try {
                assert.deepEqual((await openVolumes(dev)).map((v) => v.fsType), ['FAT32', 'ext4', 'swap']);
                const gets = server.counts.get;
                assert.deepEqual(await dev.read(150 * MiB, MiB), new Uint8Array(MiB));
                assert.equal(server.counts.get, gets + 1, 'without a page map the zeros are fetched');
                if (opts.fault) {
                    assert.equal(server.counts.list, 1);
                    assert.ok(lines.some((l) => /could not be listed/.test(l) && !l.includes('sig=one')), lines.join('\n'));
                } else {
                    assert.equal(server.counts.list, 0);
                }
            } finally {
                dev.close();
                await server.close();
            }
        }
    });

    it('throws what the network says (no volume is taken for damaged), never the SAS', async () => {
        const sigs = new Set(['one']);
        const server = await startRangeServer(model, { validSigs: sigs, fault: (i) => (i.kind === 'get' && i.n === 1 ? (sigs.clear(), undefined) : undefined) });
        const dev = await openBlobDevice({ url: `${server.url}?sig=one` });
        try {
            await assert.rejects(openVolumes(dev), (e: Error) => e instanceof TransferError && e.code === 'SasExpired' && !e.message.includes('sig=one'));
        } finally {
            dev.close();
            await server.close();
        }
    });
});
