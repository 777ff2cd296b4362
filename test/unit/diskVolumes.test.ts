/**
 * The volume tree over disks made by the real tools: a GPT disk with an EFI FAT32 partition, an
 * ext4 root and swap; a GPT disk whose LVM PV holds an XFS and an ext4 logical volume; a PV and a
 * file system on a whole disk. Names, types, notes, and files read through each volume.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openVolumes, Volume } from '../../src/disk/volumes';
import { formatSize } from '../../src/disk/volumes/names';
import { BlockDevice, FileSystemReader, FsNode } from '../../src/disk/types';
import { fileDevice } from './diskKit';
import { ext4Image, rootvgImage } from './diskLvmKit';
import { overlayDevice } from './diskPartitionsKit';
import { sha256 } from './diskTree';
import { EFI_FILES, XFS_FILES, gptFixture, gptLvmXfsFixture } from './diskVolumesKit';

const MiB = 1024 * 1024;

async function readAll(fs: FileSystemReader, node: FsNode): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    for (let at = 0; at < node.size; at += 4 * MiB) parts.push(await fs.read(node, at, Math.min(4 * MiB, node.size - at)));
    return Buffer.concat(parts);
}

/** The node at `rel` (`a/b/c`) in a volume's file system, each name matched exactly. */
async function lookup(v: Volume, rel: string): Promise<FsNode> {
    assert.ok(v.fs, `volume ${v.id} has a file system (${v.note})`);
    let node = await v.fs.root();
    for (const name of rel.split('/')) {
        const next = (await v.fs.list(node)).find((e) => e.name === name);
        assert.ok(next, `${rel}: no ${name}`);
        node = next;
    }
    return node;
}

async function fileSha(v: Volume, rel: string): Promise<string> {
    return sha256(await readAll(v.fs!, await lookup(v, rel)));
}

/** Every entry under a folder as [path, type, size, target or sha256]. */
async function walk(fs: FileSystemReader, dir: FsNode, prefix = ''): Promise<[string, string, number, string?][]> {
    const out: [string, string, number, string?][] = [];
    for (const e of await fs.list(dir)) {
        const p = prefix + e.name;
        if (e.type === 'dir') {
            out.push([p, 'dir', 0]);
            out.push(...(await walk(fs, e, p + '/')));
        } else if (e.type === 'symlink') out.push([p, 'symlink', e.size, await fs.readlink(e)]);
        else out.push([p, e.type, e.size, sha256(await readAll(fs, e))]);
    }
    return out;
}

const summary = (vols: Volume[]) => vols.map((v) => [v.id, v.kind, v.name, v.typeName, v.fsType ?? null, v.fs ? 'fs' : v.note ?? null]);

describe('volumes', () => {
    it('formats sizes in binary units with one decimal', () => {
        assert.deepEqual([0, 512, 1024, 100 * MiB, 29.94 * 1024 * MiB, 1023.99 * MiB, 8 * 1024 * MiB, 3 * 1024 ** 4].map(formatSize),
            ['0 B', '512 B', '1 KiB', '100 MiB', '29.9 GiB', '1 GiB', '8 GiB', '3 TiB']);
    });

    it('names the partitions of a GPT disk and opens FAT32 and ext4, with few reads', async () => {
        const fx = gptFixture();
        const dev = fileDevice(fx.image);
        try {
            const vols = await openVolumes(dev);
            assert.deepEqual(summary(vols), [
                ['1', 'partition', '1 EFI System (FAT32, 100 MiB)', 'EFI System', 'FAT32', 'fs'],
                ['2', 'partition', '2 Linux root (x86-64) (ext4, 48 MiB)', 'Linux root (x86-64)', 'ext4', 'fs'],
                ['3', 'partition', '3 swap (swap, 8 MiB)', 'Linux swap', 'swap', 'swap space holds no files'],
            ]);
            assert.ok(dev.reads <= 30 && dev.bytesRead <= 512 * 1024, `${dev.reads} reads, ${dev.bytesRead} bytes`);
            assert.equal(vols[0].fs!.label, 'EFI');
            assert.equal(vols[1].fs!.label, 'cloudimg-rootfs');
            assert.equal(vols[1].size, 48 * MiB);
            assert.equal(vols[1].device.size, 48 * MiB);
            for (const [rel, data] of Object.entries(EFI_FILES)) assert.equal(await fileSha(vols[0], rel), sha256(data), rel);
            // The whole root tree, read through the partition's volume, against the tree it was made from.
            const got = await walk(vols[1].fs!, await vols[1].fs!.root());
            const want = fx.manifest.map((m) => (m.type === 'dir' ? [m.path, 'dir', 0] : [m.path, m.type, m.size, m.type === 'symlink' ? m.target : m.sha256]));
            assert.deepEqual(got.filter((e) => e[0] !== 'lost+found').sort(), want.sort());
        } finally {
            dev.close();
        }
    });

    it('keeps the other partitions when one file system is damaged, and names encrypted ones', async () => {
        const fx = gptFixture();
        const base = fileDevice(fx.image);
        try {
            // ext4 superblock s_log_block_size (offset 24) set to 40: a block size no ext4 has.
            const sb = fx.starts[2] + 1024;
            const luks = new Uint8Array([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe, 0, 2]);
            const dev: BlockDevice = overlayDevice(base, [{ offset: sb + 24, bytes: new Uint8Array([40, 0, 0, 0]) }, { offset: fx.starts[3], bytes: luks }]);
            const vols = await openVolumes(dev);
            assert.equal(vols.length, 3);
            assert.ok(vols[0].fs, 'the EFI partition still opens');
            assert.equal(await fileSha(vols[0], 'EFI/BOOT/BOOTX64.EFI'), sha256(EFI_FILES['EFI/BOOT/BOOTX64.EFI']));
            assert.equal(vols[1].fs, undefined);
            assert.equal(vols[1].name, '2 Linux root (x86-64) (ext, 48 MiB)');
            assert.match(vols[1].note ?? '', /ext4? superblock.*block size/i);
            assert.equal(vols[2].name, '3 swap (LUKS, 8 MiB)');
            assert.match(vols[2].note ?? '', /LUKS/);
            // BitLocker's signature in the boot sector of the EFI partition instead.
            const bl = overlayDevice(base, [{ offset: fx.starts[1] + 3, bytes: new TextEncoder().encode('-FVE-FS-') }]);
            const v2 = await openVolumes(bl);
            assert.equal(v2[0].name, '1 EFI System (BitLocker, 100 MiB)');
            assert.equal(v2[0].fs, undefined);
            assert.match(v2[0].note ?? '', /BitLocker/);
            // Both GPT headers gone: the disk is one volume, its note says why.
            const noGpt = overlayDevice(base, [{ offset: 512, bytes: new Uint8Array(92) }, { offset: base.size - 512, bytes: new Uint8Array(92) }]);
            const v3 = await openVolumes(noGpt);
            assert.deepEqual(v3.map((v) => [v.id, v.kind, v.name, v.fs]), [['disk', 'disk', 'Disk (unknown file system, 160 MiB)', undefined]]);
            assert.match(v3[0].note ?? '', /GPT/);
        } finally {
            base.close();
        }
    });

    it('lists the logical volumes of a PV partition by their dm names, and reads XFS and ext4 through them', async () => {
        const dev = fileDevice(gptLvmXfsFixture());
        try {
            const vols = await openVolumes(dev);
            assert.deepEqual(summary(vols), [
                ['1', 'partition', '1 BIOS boot (reserved, 1 MiB)', 'BIOS boot', null, 'a BIOS boot partition holds no files'],
                ['rootvg-rootlv', 'lv', 'rootvg-rootlv (XFS, 300 MiB)', 'LVM logical volume', 'XFS', 'fs'],
                ['rootvg-home--lv', 'lv', 'rootvg-home--lv (ext4, 8 MiB)', 'LVM logical volume', 'ext4', 'fs'],
            ]);
            assert.ok(dev.reads <= 45, `${dev.reads} reads`);
            for (const [rel, data] of Object.entries(XFS_FILES)) assert.equal(await fileSha(vols[1], rel), sha256(data), rel);
            assert.equal(await vols[1].fs!.readlink(await lookup(vols[1], 'link')), 'data/random.bin');
            assert.equal(Buffer.from(await readAll(vols[2].fs!, await lookup(vols[2], 'etc/hostname'))).toString(), 'volume\n');
        } finally {
            dev.close();
        }
    });

    it('reads a PV or a file system on a whole disk, and names the volumes it cannot read', async () => {
        const pv = fileDevice(rootvgImage());
        const ext = fileDevice(ext4Image(9));
        try {
            assert.deepEqual(summary(await openVolumes(pv)).map((r) => r.slice(0, 5)), [
                ['rootvg-rootlv', 'lv', 'rootvg-rootlv (ext4, 9 MiB)', 'LVM logical volume', 'ext4'],
                ['rootvg-homelv', 'lv', 'rootvg-homelv (unknown file system, 3 MiB)', 'LVM logical volume', null],
                ['rootvg-pool', 'lv', 'rootvg-pool (thin-pool volume, 8 MiB)', 'LVM logical volume', null],
                ['rootvg-thinlv', 'lv', 'rootvg-thinlv (thin volume, 16 MiB)', 'LVM logical volume', null],
            ]);
            const [, , pool] = await openVolumes(pv);
            assert.match(pool.note ?? '', /thin-pool/);
            await assert.rejects(pool.device.read(0, 512), /thin-pool/);
            const [disk, ...rest] = await openVolumes(ext);
            assert.equal(rest.length, 0);
            assert.deepEqual([disk.id, disk.kind, disk.name, disk.typeName, disk.fsType], ['disk', 'disk', 'Disk (ext4, 9 MiB)', 'whole disk', 'ext4']);
            assert.equal(Buffer.from(await readAll(disk.fs!, await lookup(disk, 'etc/hostname'))).toString(), 'volume\n');
        } finally {
            pv.close();
            ext.close();
        }
    });
});
