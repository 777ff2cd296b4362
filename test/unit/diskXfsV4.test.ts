/**
 * The XFS reader on a version 4 file system (no CRCs: 'XD2B'/'XD2D' directory blocks, v2 inodes,
 * symlink blocks without headers), made by mkfs.xfs -m crc=0 from a prototype file of the tree.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FileSystemReader, FsNode } from '../../src/disk/types';
import { openXfs } from '../../src/disk/xfs';
import { CountingDevice, fileDevice } from './diskKit';
import { sha256 } from './diskTree';
import { REMOTE_TARGET, XfsFixture, bmap, forkFormat, xfsDb, xfsV4Fixture } from './diskXfsKit';

let fx: XfsFixture;
let dev: CountingDevice;
let fsr: FileSystemReader;

describe('XFS reader, version 4', () => {
    before(async () => {
        fx = xfsV4Fixture();
        dev = fileDevice(fx.image);
        fsr = await openXfs(dev);
    });
    after(() => dev.close());

    it('is a v4 file system with file types in its directories (xfs_db says so)', () => {
        const sb = xfsDb(fx.image, 'sb 0', 'print versionnum features2 inodesize');
        assert.match(sb, /versionnum = 0x\w+4\n/);
        assert.match(sb, /inodesize = 256/);
        assert.equal(Number(/features2 = (0x\w+)/.exec(sb)?.[1]) & 0x200, 0x200);
        assert.equal(fsr.label, 'browse-xfs4');
        // The inode numbers of the image are mkfs's, not this machine's: xfs_db finds them by path.
        const formats = ['var/log', 'many', 'link-to-hello', 'remote-link'].map((rel) => forkFormat(fx.image, `/${rel}`));
        assert.deepEqual(formats, ['local', 'extents', 'local', 'extents']);
        // 300 entries: data blocks and one hash leaf at 32 GiB, no free index (a leaf directory).
        const offsets = bmap(fx.image, '/many').map((e) => e.offset);
        assert.deepEqual(offsets.filter((o) => o >= 2 ** 35 / 4096), [2 ** 35 / 4096]);
        assert.ok(offsets.length >= 3, 'at least two data blocks');
        assert.ok(!fx.manifest.some((m) => m.path.includes(' ')), 'a spaced name cannot be in a prototype file');
    });

    it('lists every entry as the prototype file made it, and every file hashes the same', async (t) => {
        const seen = new Map<string, FsNode>();
        const walk = async (dir: FsNode, rel: string) => {
            for (const n of await fsr.list(dir)) {
                const p = rel ? `${rel}/${n.name}` : n.name;
                seen.set(p, n);
                if (n.type === 'dir') await walk(n, p);
            }
        };
        dev.reads = dev.bytesRead = 0;
        const root = await fsr.root();
        await fsr.list(root);
        t.diagnostic(`root listing: ${dev.reads} reads, ${dev.bytesRead} bytes`);
        assert.ok(dev.reads <= 60 && dev.bytesRead <= 8 << 20);
        await walk(root, '');
        assert.deepEqual([...seen.keys()].sort(), fx.manifest.map((m) => m.path).sort());
        // mkfs.xfs stamps what a prototype file makes with its own clock (classic 32-bit seconds).
        const built = fs.statSync(fx.image).mtimeMs;
        for (const m of fx.manifest) {
            const n = seen.get(m.path) as FsNode;
            assert.equal(n.type, m.type, m.path);
            assert.ok(Math.abs((n.mtimeMs ?? 0) - built) < 10 * 60_000, `${m.path} mtime ${n.mtimeMs} vs image ${built}`);
            if (m.type === 'file') {
                assert.equal(n.size, m.size, m.path);
                assert.equal(sha256(await fsr.read(n, 0, n.size + 1)), m.sha256, m.path);
            }
            if (m.type === 'symlink') assert.equal(await fsr.readlink(n), m.target, m.path);
        }
        assert.equal(await fsr.readlink(seen.get('remote-link') as FsNode), REMOTE_TARGET);
        assert.equal(fx.manifest.filter((m) => m.path.startsWith('many/')).length, 300);
    });
});
