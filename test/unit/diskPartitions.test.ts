/** Partition tables written by sgdisk and sfdisk, read back and compared with the tools' own reports. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPartitions } from '../../src/disk/partitions';
import { CountingDevice, cachedImage, fileDevice, sh } from './diskKit';
import { gptImage, mbrImage, sfdiskOracle, sgdiskOracle } from './diskPartitionsKit';

const MiB = 1024 * 1024;

const GPT_NAMES: Record<number, string> = {
    1: 'EFI System', 2: 'BIOS boot', 3: 'Microsoft reserved', 4: 'Microsoft basic data', 5: 'Windows recovery',
    6: 'Linux root (x86-64)', 7: 'Linux LVM', 8: 'Linux swap', 9: 'Linux filesystem',
};

describe('GPT written by sgdisk', () => {
    let img: string;
    let dev: CountingDevice;
    before(() => {
        img = gptImage();
        dev = fileDevice(img);
    });
    after(() => dev.close());

    it('reads every partition as sgdisk -i reports it, in three reads', async () => {
        const oracle = sgdiskOracle(img);
        assert.equal(oracle.length, 9);
        const t = await readPartitions(dev);
        assert.equal(t.scheme, 'gpt');
        assert.deepEqual(t.warnings, []);
        assert.deepEqual(t.partitions, oracle.map((o) => ({
            number: o.number,
            start: o.first * 512,
            size: (o.last - o.first + 1) * 512,
            typeName: GPT_NAMES[o.number],
            typeId: o.typeGuid,
            name: o.name,
            guid: o.guid,
            bootable: (o.attributes & 4n) !== 0n,
            attributes: o.attributes,
        })));
        assert.equal(t.partitions[3].name, 'Données ✓ 数据');
        assert.equal(t.partitions[5].attributes, (1n << 60n) | 4n);
        assert.equal(t.partitions[0].guid, '11111111-0000-4000-8000-000000000001');
        assert.ok(dev.reads <= 3 && dev.bytesRead <= 20 * 1024, `${dev.reads} reads, ${dev.bytesRead} bytes`);
    });

    it('reads a disk of 4096-byte sectors when sgdisk wrote it so (GPT header at byte 4096)', async () => {
        const img4k = cachedImage('parts-gpt4k', 'sgdisk 4k v1', (out) => {
            fs.writeFileSync(out, '');
            fs.truncateSync(out, 32 * MiB);
            const loop = sh('losetup', ['-b', '4096', '-f', '--show', out]).trim();
            try {
                sh('sgdisk', ['-n1:0:+8M', '-t1:8300', '-c1:data', '-n2:0:0', '-t2:0700', loop]);
            } finally {
                sh('losetup', ['-d', loop]);
            }
        });
        const loop = sh('losetup', ['-r', '-b', '4096', '-f', '--show', img4k]).trim();
        let oracle;
        try {
            oracle = sgdiskOracle(loop);
        } finally {
            sh('losetup', ['-d', loop]);
        }
        const d = fileDevice(img4k);
        try {
            const t = await readPartitions(d);
            assert.equal(t.scheme, 'gpt');
            assert.deepEqual(t.partitions.map((p) => [p.number, p.start, p.size, p.typeId, p.name]),
                oracle.map((o) => [o.number, o.first * 4096, (o.last - o.first + 1) * 4096, o.typeGuid, o.name]));
        } finally {
            d.close();
        }
    });
});

describe('MBR written by sfdisk', () => {
    let img: string;
    let dev: CountingDevice;
    before(() => {
        img = mbrImage();
        dev = fileDevice(img);
    });
    after(() => dev.close());

    it('reads the primary and logical partitions as sfdisk --json reports them, one read per EBR', async () => {
        const oracle = sfdiskOracle(img);
        const extended = oracle.filter((o) => o.type === 'f');
        assert.equal(extended.length, 1, 'sfdisk lists the extended container');
        const t = await readPartitions(dev);
        assert.equal(t.scheme, 'mbr');
        assert.deepEqual(t.warnings, []);
        const names: Record<string, string> = { '83': 'Linux', '7': 'HPFS/NTFS/exFAT', '82': 'Linux swap / Solaris', c: 'W95 FAT32 (LBA)' };
        assert.deepEqual(t.partitions, oracle.filter((o) => o.type !== 'f').map((o) => ({
            number: o.number,
            start: o.start * 512,
            size: o.size * 512,
            typeName: names[o.type],
            typeId: `0x${o.type.padStart(2, '0')}`,
            bootable: o.bootable,
        })));
        assert.deepEqual(t.partitions.map((p) => p.number), [1, 2, 5, 6, 7]);
        assert.ok(dev.reads <= 4, `${dev.reads} reads`);
    });
});

describe('no partition table', () => {
    it('a whole-disk FAT or ext4 file system, or zeros, is scheme none', async () => {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-parts-'));
        try {
            const fat = path.join(work, 'fat.img');
            sh('mkfs.fat', ['-C', fat, '8192']);
            const ext4 = path.join(work, 'ext4.img');
            sh('mkfs.ext4', ['-q', ext4, '8M']);
            const zeros = path.join(work, 'zeros.img');
            fs.writeFileSync(zeros, Buffer.alloc(4096));
            for (const f of [fat, ext4, zeros]) {
                const d = fileDevice(f);
                try {
                    assert.deepEqual(await readPartitions(d), { scheme: 'none', partitions: [], warnings: [] }, f);
                } finally {
                    d.close();
                }
            }
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });
});
