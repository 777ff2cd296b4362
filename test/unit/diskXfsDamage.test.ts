/**
 * Damaged XFS images: copies of the fixture with one structure overwritten by xfs_db -x (so the
 * tool, not this test, finds the bytes). Each must end in a DiskFormatError naming that
 * structure, quickly; then random damage to the metadata may end only in success or that error.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlockDevice, DiskFormatError, FileSystemReader, FsNode } from '../../src/disk/types';
import { openXfs } from '../../src/disk/xfs';
import { CountingDevice, fileDevice } from './diskKit';
import { XfsFixture, damaged, xfsDb, xfsFixture } from './diskXfsKit';

let fx: XfsFixture;
let work: string;
const devices: CountingDevice[] = [];

const ino = (rel: string) => fx.manifest.find((m) => m.path === rel)?.ino ?? assert.fail(`manifest has ${rel}`);

async function find(fsr: FileSystemReader, rel: string): Promise<FsNode> {
    let node = await fsr.root();
    for (const part of rel.split('/')) node = (await fsr.list(node)).find((n) => n.name === part) ?? assert.fail(`no ${part}`);
    return node;
}

/** Runs `body` on a damaged copy and expects a DiskFormatError whose text matches, within 5 s. */
async function refuses(name: string, cmds: string[], body: (fsr: () => Promise<FileSystemReader>) => Promise<unknown>, structure: RegExp, message: RegExp): Promise<void> {
    const dev = fileDevice(damaged(fx.image, work, name, ...cmds));
    devices.push(dev);
    const t0 = Date.now();
    await assert.rejects(body(() => openXfs(dev)), (e: unknown) => {
        assert.ok(e instanceof DiskFormatError, `${name}: ${String(e)}`);
        assert.match(e.structure, structure, e.message);
        assert.match(e.message, message);
        return true;
    });
    assert.ok(Date.now() - t0 < 5000, `${name} took ${Date.now() - t0} ms`);
}

describe('XFS reader on damaged images', () => {
    before(() => {
        fx = xfsFixture();
        work = fs.mkdtempSync(path.join(os.tmpdir(), 'xfs-damage-'));
    });
    after(() => {
        devices.forEach((d) => d.close());
        fs.rmSync(work, { recursive: true, force: true });
    });

    it('refuses a superblock with absurd counts', async () => {
        await refuses('agcount', ['sb 0', 'write agcount 4000000000'], (o) => o(), /^XFS superblock$/, /allocation groups/);
        await refuses('dblocks', ['sb 0', 'write dblocks 1000000000000'], (o) => o(), /^XFS superblock$/, /allocation groups|do not fit/);
        await refuses('inodesize', ['sb 0', 'write inodesize 3000'], (o) => o(), /^XFS superblock$/, /inode size/);
        await refuses('rootino', ['sb 0', 'write rootino 999999999999'], (o) => o(), /^XFS superblock root inode$/, /AG/);
    });

    it('refuses an inode with a bad magic, and one that claims another number', async () => {
        const hello = ino('hello.txt');
        await refuses('magic', ['path /hello.txt', 'write core.magic 0'], async (o) => (await o()).list(await (await o()).root()),
            new RegExp(`^XFS inode ${hello}$`), /bad magic/);
        await refuses('inumber', ['path /etc/hostname', 'write v3.inumber 128'], async (o) => find(await o(), 'etc/hostname'),
            new RegExp(`^XFS inode ${ino('etc/hostname')}$`), /claims to be inode 128/);
    });

    it('refuses a block-map B-tree block that points at itself', async () => {
        const ptr = /ptrs\[1\] = (\d+)/.exec(xfsDb(fx.image, 'path /frag/dir', 'print u3.bmbt.ptrs'))?.[1] ?? assert.fail('no root pointer');
        // Root one level taller, and its child turned into a node whose only child is itself.
        const cmds = ['path /frag/dir', 'write u3.bmbt.level 2', `fsblock ${ptr}`, 'type bmapbtd', 'write level 1', 'type bmapbtd', 'write numrecs 1', `write ptrs[1] ${ptr}`];
        await refuses('bmbt-self', cmds, async (o) => find(await o(), 'frag/dir/x'),
            new RegExp(`^XFS block-map B-tree block ${ptr} of inode ${ino('frag/dir')}$`), /reached twice/);
        await refuses('bmbt-level', ['path /frag/file', 'write u3.bmbt.level 12'], async (o) => { const fsr = await o(); await fsr.read(await find(fsr, 'frag/file'), 0, 1); },
            new RegExp(`^XFS block-map root of inode ${ino('frag/file')}$`), /level 12/);
        // The inode's extent count bounds the walk: a leaf holding more is refused before decoding.
        await refuses('bmbt-count', ['path /frag/file', 'write core.nextents 5'], async (o) => { const fsr = await o(); await fsr.read(await find(fsr, 'frag/file'), 0, 1); },
            /^XFS block-map B-tree block \d+ of inode \d+$/, /more extents than the inode's 5/);
        await refuses('fork-count', ['path /data/one-mib.bin', 'write core.nextents 1000'], async (o) => { const fsr = await o(); await fsr.read(await find(fsr, 'data/one-mib.bin'), 0, 1); },
            new RegExp(`^XFS extent list of inode ${ino('data/one-mib.bin')}$`), /1000 extents do not fit/);
    });

    it('refuses directory blocks that point at each other or at the directory itself', async () => {
        const first = /0:\[0,(\d+),/.exec(xfsDb(fx.image, 'path /forms/leaf', 'print u3.bmx'))?.[1] ?? assert.fail('no extent');
        await refuses('dir-shared', ['path /forms/leaf', `write u3.bmx[1].startblock ${first}`], async (o) => find(await o(), 'forms/leaf/x'),
            new RegExp(`^XFS directory extent list of inode ${ino('forms/leaf')}$`), /share device blocks/);
        await refuses('dir-self', ['path /forms/short', `write u3.sfdir3.list[1].inumber.i4 ${ino('forms/short')}`], async (o) => find(await o(), 'forms/short/x'),
            new RegExp(`^XFS directory inode ${ino('forms/short')}$`), /'s1' is the directory itself/);
        await refuses('dir-magic', ['path /forms/block', 'dblock 0', 'write bhdr.hdr.magic 0'], async (o) => find(await o(), 'forms/block/x'),
            new RegExp(`^XFS directory block of inode ${ino('forms/block')}$`), /bad magic/);
        await refuses('dir-namelen', ['path /forms/block', 'dblock 0', 'write bu[3].namelen 250'], async (o) => find(await o(), 'forms/block/x'),
            new RegExp(`^XFS directory block of inode ${ino('forms/block')}$`), /runs past|tag/);
    });

    it('refuses an extent past the device, and a remote symlink block of another inode', async () => {
        const agblocks = Number(/agblocks = (\d+)/.exec(xfsDb(fx.image, 'sb 0', 'print agblocks'))?.[1]);
        // In the last AG (3), past its end: the AG-relative encoding keeps it inside the AG bits.
        const past = 3 * 2 ** 15 + agblocks + 10;
        await refuses('extent-past', ['path /data/one-mib.bin', `write u3.bmx[0].startblock ${past}`], async (o) => { const fsr = await o(); await fsr.read(await find(fsr, 'data/one-mib.bin'), 0, 1); },
            new RegExp(`^XFS extent list of inode ${ino('data/one-mib.bin')}$`), /outside the file system/);
        await refuses('extent-ag', ['path /data/one-mib.bin', `write u3.bmx[0].startblock ${2 ** 40}`], async (o) => { const fsr = await o(); await fsr.read(await find(fsr, 'data/one-mib.bin'), 0, 1); },
            new RegExp(`^XFS extent list of inode ${ino('data/one-mib.bin')}$`), /AG 33554432/);
        await refuses('xslm', ['path /remote-link', 'dblock 0', 'type symlink', 'write owner 5'], async (o) => { const fsr = await o(); await fsr.readlink(await find(fsr, 'remote-link')); },
            new RegExp(`^XFS symlink block of inode ${ino('remote-link')}$`), /of inode 5/);
    });

    it('ends random damage to metadata in success or a DiskFormatError, never another error or a hang', async (t) => {
        const dev = fileDevice(fx.image);
        devices.push(dev);
        // Structures to damage: the root inode, the 5,000-entry folder's inode and first data block,
        // and the B-tree file's inode.
        const at = (cmds: string[]) => Number(/byte offset (\d+)/.exec(xfsDb(fx.image, ...cmds, 'stack'))?.[1] ?? NaN);
        const targets = [
            { start: at(['inode 128']), len: 512 }, { start: at([`inode ${ino('many')}`]), len: 512 },
            { start: at(['path /many', 'dblock 0']), len: 4096 }, { start: at(['path /frag/file']), len: 512 },
        ];
        let seed = 12345;
        const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
        const outcomes = { ok: 0, refused: 0 };
        for (let round = 0; round < 120; round++) {
            const tgt = targets[round % targets.length];
            const patch = new Map<number, number>();
            for (let k = 0; k < 1 + rnd(4); k++) patch.set(tgt.start + rnd(tgt.len), rnd(256));
            const bad: BlockDevice = {
                size: dev.size,
                async read(offset, length) {
                    const b = Buffer.from(await dev.read(offset, length));
                    for (const [p, v] of patch) if (p >= offset && p < offset + length) b[p - offset] = v;
                    return b;
                },
            };
            const t0 = Date.now();
            try {
                const fsr = await openXfs(bad);
                const root = await fsr.root();
                for (const n of await fsr.list(root)) {
                    if (n.type === 'dir' && (n.name === 'many' || n.name === 'frag')) await fsr.list(n);
                }
                await fsr.read(await find(fsr, 'frag/file'), 0, 1 << 20);
                outcomes.ok++;
            } catch (e) {
                assert.ok(e instanceof DiskFormatError, `round ${round}: ${String((e as Error).stack)}`);
                outcomes.refused++;
            }
            assert.ok(Date.now() - t0 < 5000, `round ${round} took ${Date.now() - t0} ms`);
        }
        t.diagnostic(`random damage: ${outcomes.ok} read through, ${outcomes.refused} refused`);
        assert.ok(outcomes.refused > 10, `only ${outcomes.refused} of 120 damaged images refused`);
    });
});
