/**
 * The NTFS reader against an image mkntfs made and ntfs-3g filled from the generated tree: every
 * entry and every file's bytes equal the manifest, plus what ntfs-3g added (compressed files,
 * alternate streams, an attribute list, a DOS name, reparse-point links), and reads stay few.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { before, describe, it } from 'node:test';
import { FileSystemReader, FsNode, memoryDevice } from '../../src/disk/types';
import { isBitLocker, openNtfs, probeNtfs } from '../../src/disk/ntfs';
import { CountingDevice, fileDevice, sh } from './diskKit';
import { ManifestEntry, TREE_MTIME, bytes, sha256 } from './diskTree';
import { BIG_STREAM, JUNCTION_PRINT, MULTI_STREAMS, STREAM, TEXT, findAttribute, ntfsFixture, patchRecord, recordOf, recordOffset, walk } from './diskNtfsKit';

interface Seen { path: string; type: string; size: number; sha256?: string; target?: string }

async function open(image: string): Promise<{ dev: CountingDevice; fsr: FileSystemReader }> {
    const dev = fileDevice(image);
    return { dev, fsr: await openNtfs(dev) };
}

describe('NTFS reader (mkntfs + ntfs-3g fixture)', { timeout: 120_000 }, () => {
    let image = '';
    let manifest: ManifestEntry[] = [];
    let fsr: FileSystemReader;
    let dev: CountingDevice;
    const nodes = new Map<string, FsNode>();

    before(async () => {
        ({ image, manifest } = ntfsFixture());
        ({ dev, fsr } = await open(image));
        await walk(fsr, await fsr.root(), '', nodes);
    });

    it('probes and opens the volume with its label', async () => {
        assert.equal(await probeNtfs(dev), true);
        assert.equal(isBitLocker(await dev.read(0, 512)), false);
        assert.equal(fsr.type, 'NTFS');
        assert.equal(fsr.label, 'TestVol');
        const root = await fsr.root();
        assert.equal(root.type, 'dir');
        assert.equal(root.id, '5');
    });

    it('lists every entry of the tree and what ntfs-3g added, with every file\'s bytes', async () => {
        const byPath = new Map(manifest.map((m) => [m.path, m]));
        const expected: Seen[] = manifest.map((m) => ({ path: m.path, type: m.type, size: m.size, sha256: m.sha256, target: m.target }));
        const file = (p: string, data: Buffer): Seen => ({ path: p, type: 'file', size: data.length, sha256: sha256(data) });
        expected.push(
            { path: 'comp', type: 'dir', size: 0 },
            { ...file('comp/three-mb.bin', Buffer.alloc(0)), size: 3_000_000, sha256: byPath.get('data/three-mb.bin')!.sha256 },
            file('comp/text.txt', TEXT),
            file('hello.txt:streamname', Buffer.from(STREAM)),
            file('hard-link.txt:streamname', Buffer.from(STREAM)),
            file('data/odd-size.bin:big', BIG_STREAM),
            file('multi.txt', Buffer.from('hi\n')),
            ...MULTI_STREAMS.map((s) => file(`multi.txt:${s.name}`, s.data)),
            { path: 'win-link', type: 'symlink', size: 9, target: 'hello.txt' },
            { path: 'junction', type: 'symlink', size: Buffer.byteLength(JUNCTION_PRINT), target: JUNCTION_PRINT },
            { path: 'fifty', type: 'dir', size: 0 },
            ...Array.from({ length: 50 }, (_, i) => file(`fifty/g${String(i).padStart(2, '0')}.txt`, Buffer.from(`fifty ${i}\n`))),
        );
        const seen: Seen[] = [];
        for (const [p, n] of nodes) {
            const s: Seen = { path: p, type: n.type, size: n.size };
            if (n.type === 'file') s.sha256 = sha256(await fsr.read(n, 0, n.size + 10));
            if (n.type === 'symlink') s.target = await fsr.readlink(n);
            seen.push(s);
        }
        const sort = (a: Seen[]) => a.map((s) => JSON.stringify(s, ['path', 'type', 'size', 'sha256', 'target'])).sort();
        assert.deepEqual(sort(seen), sort(expected));
    });

    it('keeps the tree\'s modification times', () => {
        for (const m of manifest) {
            if (m.type !== 'symlink') assert.equal(nodes.get(m.path)!.mtimeMs, TREE_MTIME * 1000, m.path);
        }
    });

    it('gives hard links one id and a link count, and hides the DOS short name', () => {
        const a = nodes.get('hello.txt')!, b = nodes.get('hard-link.txt')!;
        assert.equal(a.id, b.id);
        assert.equal(a.links, 2);
        assert.equal(nodes.get('etc/hostname')!.links, 1);
        assert.match(sh('ntfsinfo', ['-F', '/Ünïcødé ファイル.txt', image]), /Namespace:\s+DOS/, 'the fixture has a DOS name');
        assert.ok(![...nodes.keys()].some((p) => /UNICOD~1/.test(p)));
        assert.equal(nodes.get('Ünïcødé ファイル.txt')!.links, 1, 'a short name is not a second link');
    });

    it('decompresses LZNT1 files, reading only their compressed clusters, at any offset', async () => {
        const info = sh('ntfsinfo', ['-v', '-F', '/comp/text.txt', image]);
        assert.match(info, /COMPRESSED/);
        assert.match(info, /<HOLE>/, 'compressed units end in a sparse tail');
        const text = nodes.get('comp/text.txt')!;
        const d = await open(image);
        try {
            assert.deepEqual(Buffer.from(await d.fsr.read(text, 0, TEXT.length)), TEXT);
            assert.ok(d.dev.bytesRead < TEXT.length / 2, `read ${d.dev.bytesRead} bytes for a ${TEXT.length}-byte compressed file`);
            for (const [off, len] of [[65536 - 7, 20], [4093, 9000], [100_000, 70_000], [TEXT.length - 5, 100]]) {
                assert.deepEqual(Buffer.from(await d.fsr.read(text, off, len)), TEXT.subarray(off, off + len), `at ${off}`);
            }
        } finally {
            d.dev.close();
        }
    });

    it('reads alternate data streams, resident and not, and attributes held in an extension record', async () => {
        assert.match(sh('ntfsinfo', ['-F', '/multi.txt', image]), /\$ATTRIBUTE_LIST/);
        assert.deepEqual(Buffer.from(await fsr.read(nodes.get('data/odd-size.bin:big')!, 1000, 50)), BIG_STREAM.subarray(1000, 1050));
        assert.equal(nodes.get('hello.txt:streamname')!.id, `${nodes.get('hello.txt')!.id}:streamname`);
    });

    it('reads symlinks as stored: Interix links, a reparse-point symlink and a junction, never followed', async () => {
        assert.match(sh('ntfsinfo', ['-F', '/win-link', image]), /Reparse tag:\s+0xa000000c/);
        assert.match(sh('ntfsinfo', ['-F', '/junction', image]), /Reparse tag:\s+0xa0000003/);
        assert.equal(await fsr.readlink(nodes.get('junction')!), JUNCTION_PRINT);
        await assert.rejects(fsr.list(nodes.get('junction')!), /is a symlink, not a folder/);
        await assert.rejects(fsr.read(nodes.get('junction')!, 0, 1), /is a symlink, not a file/);
        await assert.rejects(fsr.readlink(nodes.get('hello.txt')!), /not a symbolic link/);
    });

    it('never reads a sparse file\'s holes', async () => {
        assert.match(sh('ntfsinfo', ['-v', '-F', '/sparse.bin', image]), /<HOLE>/);
        const d = await open(image);
        try {
            const sparse = nodes.get('sparse.bin')!;
            await d.fsr.read(sparse, 0, 1); // knows the file
            const before = { reads: d.dev.reads, bytes: d.dev.bytesRead };
            const hole = await d.fsr.read(sparse, 1024 * 1024, 4 * 1024 * 1024);
            assert.ok(hole.every((x) => x === 0));
            const tail = await d.fsr.read(sparse, 7 * 1024 * 1024, 1024 * 1024);
            assert.ok(tail.every((x) => x === 0));
            assert.equal(d.dev.reads, before.reads, 'a hole was read');
            await d.fsr.read(sparse, 0, sparse.size);
            assert.ok(d.dev.bytesRead - before.bytes <= 2 * 65536, `read ${d.dev.bytesRead - before.bytes} bytes of an 8 MiB file with 128 KiB of data`);
        } finally {
            d.dev.close();
        }
    });

    it('reads past the initialized size as zeros without reading it (a file preallocated, as Windows leaves one)', async () => {
        const img = fs.readFileSync(image);
        const n = recordOf(image, '/data/one-mib.bin');
        patchRecord(img, recordOffset(image, n), 1024, (rec) => rec.writeBigUInt64LE(300_000n, findAttribute(rec, 0x80) + 0x38));
        const mem = memoryDevice(img);
        let fetched = 0;
        const counted = { size: mem.size, read: (o: number, l: number) => { fetched += l; return mem.read(o, l); } };
        const f = await openNtfs(counted);
        const one = nodes.get('data/one-mib.bin')!;
        const before = fetched;
        const data = await f.read(one, 0, one.size);
        const whole = bytes(1, one.size);
        assert.equal(sha256(whole), manifest.find((m) => m.path === 'data/one-mib.bin')!.sha256, 'the tree\'s generator');
        const want = Buffer.alloc(one.size);
        whole.copy(want, 0, 0, 300_000);
        assert.deepEqual(Buffer.from(data), want);
        assert.ok(fetched - before <= 300_000 + 4096 + 1024, `read ${fetched - before} bytes`);
    });

    it('lists the root and reads a 1 MiB file in few reads; a 5,000-entry folder costs little more than a 50-entry one', async (t) => {
        const measure = async (fn: (f: FileSystemReader) => Promise<unknown>) => {
            const d = await open(image);
            try {
                const r0 = d.dev.reads, b0 = d.dev.bytesRead;
                await fn(d.fsr);
                return { reads: d.dev.reads - r0, bytes: d.dev.bytesRead - b0 };
            } finally {
                d.dev.close();
            }
        };
        const root = await measure(async (f) => f.list(await f.root()));
        assert.ok(root.reads <= 60 && root.bytes <= 8 * 1024 * 1024, `root: ${JSON.stringify(root)}`);
        const one = nodes.get('data/one-mib.bin')!;
        const file = await measure(async (f) => assert.equal(sha256(await f.read(one, 0, one.size)), manifest.find((m) => m.path === 'data/one-mib.bin')!.sha256));
        assert.ok(file.bytes <= 1.5 * 1024 * 1024, `one-mib.bin: ${JSON.stringify(file)}`);
        const fifty = await measure(async (f) => assert.equal((await f.list(nodes.get('fifty')!)).length, 50));
        const many = await measure(async (f) => assert.equal((await f.list(nodes.get('many')!)).length, 5000));
        const alloc = /\$INDEX_ALLOCATION[\s\S]*?Data size:\s+(\d+)/.exec(sh('ntfsinfo', ['-F', '/many', image]))!;
        const blocks = Number(alloc[1]) / 4096;
        assert.ok(many.reads <= 2 * fifty.reads + blocks, `many: ${many.reads} reads, fifty: ${fifty.reads}, INDX blocks: ${blocks}`);
        t.diagnostic(`root ${JSON.stringify(root)}, one-mib ${JSON.stringify(file)}, fifty ${JSON.stringify(fifty)}, many ${JSON.stringify(many)}, many's INDX blocks ${blocks}`);
    });
});
