/** The ext reader on ext2 (1 KiB blocks, block maps), ext3 (journal) and ext4 with inline data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openExt } from '../../src/disk/ext4';
import { CountingDevice, fileDevice } from './diskKit';
import { bytes, sha256 } from './diskTree';
import { compareWithManifest, debugfs, ext2Image, ext3Image, INLINE_EXTRA, inlineImage, readAll, TREE, treeManifest } from './diskExt4Kit';

async function withDevice<T>(img: string, f: (dev: CountingDevice) => Promise<T>): Promise<T> {
    const dev = fileDevice(img);
    try {
        return await f(dev);
    } finally {
        dev.close();
    }
}

describe('ext reader on older and smaller layouts', () => {
    it('reads ext2 with 1 KiB blocks: block maps up to double-indirect, fast and slow symlinks', async () => {
        const img = ext2Image();
        const stat = debugfs(img, ['stat /data/three-mb.bin']);
        assert.match(stat, /\(DIND\)/, 'the 3 MB file needs a double-indirect block');
        assert.match(debugfs(img, ['stat /long-link']), /BLOCKS:/, 'the long link keeps its target in a block');
        await withDevice(img, async (dev) => {
            const r = await openExt(dev);
            assert.equal(r.type, 'ext2');
            assert.equal(r.label, 'ext2-fixture');
            const nodes = await compareWithManifest(r, treeManifest(TREE), (p) => p === 'lost+found');
            const big = nodes.get('data/three-mb.bin')!;
            // Past 12 direct blocks and 256 single-indirect ones: the double-indirect range.
            const [reads, bytesRead] = [dev.reads, dev.bytesRead];
            assert.deepEqual(Buffer.from(await r.read(big, 2_000_000, 5000)), bytes(2, 3_000_000).subarray(2_000_000, 2_005_000));
            assert.ok(dev.reads - reads <= 4 && dev.bytesRead - bytesRead <= 16 * 1024, `${dev.reads - reads} reads, ${dev.bytesRead - bytesRead} bytes`);
            const sparse = nodes.get('sparse.bin')!;
            const before = dev.bytesRead;
            assert.equal(sha256(await readAll(r, sparse)), sha256(sparseBytes()));
            // 128 KiB of data plus the indirect blocks that map it; the 7.9 MiB of holes are never read.
            assert.ok(dev.bytesRead - before <= 2 * 65536 + 8 * 1024, `${dev.bytesRead - before} bytes`);
        });
    });

    it('reads ext3 (journal, 2 KiB blocks) and names it ext3', async () => {
        const img = ext3Image();
        assert.match(debugfs(img, ['stats']), /has_journal/);
        await withDevice(img, async (dev) => {
            const r = await openExt(dev);
            assert.equal(r.type, 'ext3');
            assert.equal(r.label, undefined, 'no label given to mkfs');
            await compareWithManifest(r, treeManifest(TREE), (p) => p === 'lost+found');
        });
    });

    it('reads inline files and folders, from i_block and from the system.data attribute', async () => {
        const img = inlineImage();
        assert.match(debugfs(img, ['stat /hello.txt']), /Size of inline data: 60/, 'mkfs -d put hello.txt in i_block');
        assert.match(debugfs(img, [`stat /${INLINE_EXTRA.file}`]), /system\.data \(40\)/, 'the kernel put 40 bytes of it in system.data');
        assert.match(debugfs(img, [`stat /${INLINE_EXTRA.dir}`]), /system\.data \(\d+\)/);
        await withDevice(img, async (dev) => {
            const r = await openExt(dev);
            const extra = new Set(['lost+found', INLINE_EXTRA.file, INLINE_EXTRA.dir, INLINE_EXTRA.prealloc, ...INLINE_EXTRA.names.map((n) => `${INLINE_EXTRA.dir}/${n}`)]);
            // mke2fs 1.47.0 with inline_data ends sparse.bin at its last data block, not at its
            // size: the image (debugfs) is the oracle for that one size.
            const sparseSize = Number(/Size: (\d+)/.exec(debugfs(img, ['stat /sparse.bin']))![1]);
            const manifest = treeManifest(TREE).map((m) => (m.path === 'sparse.bin' ? { ...m, size: sparseSize, sha256: sha256(sparseBytes().subarray(0, sparseSize)) } : m));
            const nodes = await compareWithManifest(r, manifest, (p) => extra.has(p));
            const file = nodes.get(INLINE_EXTRA.file)!;
            assert.equal(file.size, 100);
            assert.deepEqual(Buffer.from(await r.read(file, 0, 1000)), INLINE_EXTRA.data);
            assert.deepEqual(Buffer.from(await r.read(file, 55, 10)), INLINE_EXTRA.data.subarray(55, 65), 'across i_block and system.data');
            const dir = nodes.get(INLINE_EXTRA.dir)!;
            const reads = dev.reads;
            const names = (await r.list(dir)).map((n) => n.name).sort();
            assert.deepEqual(names, INLINE_EXTRA.names);
            assert.ok(dev.reads - reads <= 1, 'the folder is in its inode; only the children are read');
        });
    });
});

function sparseBytes(): Buffer {
    const b = Buffer.alloc(8 * 1024 * 1024);
    bytes(4, 65536).copy(b, 0);
    bytes(5, 65536).copy(b, 6 * 1024 * 1024);
    return b;
}
