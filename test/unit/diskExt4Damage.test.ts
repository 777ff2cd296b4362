/**
 * Damaged ext images: copies of a fixture changed by debugfs -w (ssv, sif, set_bg, zap_block, ln,
 * feature), so every offset comes from the real tool. Each ends in a DiskFormatError naming the
 * structure, quickly, never a hang or a huge allocation.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { openExt } from '../../src/disk/ext4';
import { DiskFormatError, FileSystemReader, FsNode } from '../../src/disk/types';
import { fileDevice } from './diskKit';
import { damagedImage, debugfs, ext2Image, readAll, SMALL_TREE, smallExt4Image, treeManifest, walk } from './diskExt4Kit';

/** A node by path, listing only the folders on the way. */
async function find(r: FileSystemReader, p: string): Promise<FsNode> {
    let n = await r.root();
    for (const part of p.split('/')) n = (await r.list(n)).find((c) => c.name === part)!;
    assert.ok(n, `${p} is found`);
    return n;
}

/** Opens the image, runs `op`, and expects a DiskFormatError matching `re` within 5 s. */
async function refuses(img: string, op: (r: FileSystemReader) => Promise<unknown>, re: RegExp): Promise<DiskFormatError> {
    const dev = fileDevice(img);
    const started = Date.now();
    try {
        await op(await openExt(dev));
    } catch (e) {
        assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
        assert.ok(e instanceof DiskFormatError, `a DiskFormatError, not ${String(e)}`);
        assert.match(e.message, re);
        return e;
    } finally {
        dev.close();
    }
    assert.fail(`no error; wanted ${re}`);
}

const readFile = (p: string) => async (r: FileSystemReader) => readAll(r, await find(r, p));

describe('ext reader on damaged images', () => {
    let base: string;
    before(() => {
        base = smallExt4Image();
    });
    const bad = (name: string, cmds: string[]) => damagedImage(base, name, cmds);

    it('reads the undamaged base with every operation the damaged copies fail', async () => {
        const dev = fileDevice(base);
        try {
            const r = await openExt(dev);
            const nodes = await walk(r);
            assert.equal(nodes.size, treeManifest(SMALL_TREE).length + 1, 'the tree and lost+found');
            assert.equal((await readFile('data/one-mib.bin')(r)).length, 1024 * 1024);
            assert.equal((await readFile('hello.txt')(r)).length, 28);
        } finally {
            dev.close();
        }
    });

    it('refuses a superblock whose block count is far beyond the device', async () => {
        await refuses(bad('blocks', ['ssv blocks_count 4000000000']), async () => undefined, /superblock.*s_blocks_count 4000000000 does not fit the device/);
    });

    it('refuses a huge s_log_block_size', async () => {
        await refuses(bad('logbs', ['ssv log_block_size 30']), async () => undefined, /superblock.*block size 2\^\(10\+30\) is out of range/);
    });

    it('refuses zero inodes per group', async () => {
        await refuses(bad('ipg', ['ssv inodes_per_group 0']), async () => undefined, /superblock.*s_inodes_per_group 0 is out of range/);
    });

    it('refuses an incompatible feature it does not know, naming the bit', async () => {
        const img = bad('feature', ['feature FEATURE_I23']);
        assert.match(spawnSync('dumpe2fs', ['-h', img], { encoding: 'utf8' }).stderr, /unsupported feature/, 'e2fsprogs refuses it too');
        await refuses(img, async () => undefined, /unknown incompatible feature \(bit 0x800000\)/);
    });

    it('refuses an inode table outside the file system', async () => {
        await refuses(bad('itable', ['set_bg 0 inode_table 99999999']), async () => undefined, /group descriptor 0.*inode table at block 99999999/);
    });

    it('refuses an extent header with a bad magic in the inode', async () => {
        const img = bad('magic', ['sif /data/one-mib.bin block[0] 0x0001beef']);
        await refuses(img, readFile('data/one-mib.bin'), /inode \d+.*extent header in i_block has bad magic 0xbeef/);
    });

    it('refuses an extent tree claiming depth 30', async () => {
        const img = bad('depth', ['sif /data/one-mib.bin block[1] 0x001e0004']);
        await refuses(img, readFile('data/one-mib.bin'), /extent tree in i_block claims depth 30/);
    });

    it('refuses a bad magic in an extent tree block (depth 1)', async () => {
        const etb = /\(ETB0\):(\d+)/.exec(debugfs(base, ['stat /many']))![1];
        const img = bad('etb', [`zap_block -o 0 -l 2 -p 0x55 ${etb}`]);
        await refuses(img, async (r) => r.list(await find(r, 'many')), new RegExp(`extent header in block ${etb} has bad magic 0x5555`));
    });

    it('refuses an extent pointing past the device', async () => {
        const img = bad('past', ['sif /data/one-mib.bin block[5] 0x7ffffff0']);
        await refuses(img, readFile('data/one-mib.bin'), /points at blocks 2147483632\.\.\d+, outside the file system/);
    });

    it('refuses a folder entry of rec_len 0', async () => {
        const img = bad('reclen', ['zap_block -f /etc -o 4 -l 2 -p 0 0']);
        await refuses(img, async (r) => r.list(await find(r, 'etc')), /folder inode \d+ at byte \d+: directory entry at byte 0: rec_len 0 is smaller/);
    });

    it('refuses a folder whose size lies beyond the file system', async () => {
        const img = bad('dirsize', ['sif /etc size 0x7fff000']);
        await refuses(img, async (r) => r.list(await find(r, 'etc')), /folder inode \d+: size 134213632 is not a whole number of blocks inside the file system/);
    });

    it('stops at a folder entry pointing back up the tree (a loop)', async () => {
        const img = bad('loop', ['ln /deep /deep/a/b/back']);
        assert.match(debugfs(img, ['ls -l /deep/a/b']), /back/);
        const e = await refuses(img, (r) => walk(r), /entry "back" points back at folder inode \d+, which holds it: a loop/);
        assert.match(e.structure, /folder inode/);
    });

    it('refuses to read an encrypted inode', async () => {
        const img = bad('encrypt', ['sif /hello.txt flags 0x80800']);
        await refuses(img, readFile('hello.txt'), /inode \d+: is encrypted/);
    });

    it('refuses an ext2 indirect block pointing past the device', async () => {
        const img = damagedImage(ext2Image(), 'ind', ['sif /data/three-mb.bin block[IND] 0x7fffffff']);
        await refuses(img, readFile('data/three-mb.bin'), /points at blocks 2147483647\.\.2147483647, outside the file system/);
    });
});
