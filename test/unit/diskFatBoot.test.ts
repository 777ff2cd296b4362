/**
 * The FAT type follows the cluster count (Microsoft FAT spec 3.5: under 4,085 clusters FAT12,
 * under 65,525 FAT16, else FAT32), never the label string. Boot sectors written here field by
 * field at the edges of each range; the device behind them is all zeros, never allocated.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeFat } from '../../src/disk/fat/index';
import { BlockDevice, checkRead } from '../../src/disk/types';

/** A boot sector for `clusters` clusters of one 512-byte sector, with the FAT sized to fit. */
function bootSector(clusters: number, fat32: boolean, typeString: string): { boot: Buffer; size: number } {
    const b = Buffer.alloc(512);
    b.set([0xeb, 0x3c, 0x90], 0);
    b.write('MSWIN4.1', 3, 'latin1');
    b.writeUInt16LE(512, 11);
    b[13] = 1;
    b.writeUInt16LE(fat32 ? 32 : 1, 14);
    b[16] = 2;
    const rootEntries = fat32 ? 0 : 512;
    b.writeUInt16LE(rootEntries, 17);
    b[21] = 0xf8;
    const entryBytes = fat32 ? 4 : clusters < 4085 ? 1.5 : 2;
    const fatSectors = Math.ceil(((clusters + 2) * entryBytes) / 512);
    const total = (fat32 ? 32 : 1) + 2 * fatSectors + (rootEntries * 32) / 512 + clusters;
    b.writeUInt32LE(total, 32);
    if (fat32) {
        b.writeUInt32LE(fatSectors, 36);
        b.writeUInt32LE(2, 44);
        b[66] = 0x29;
        b.write(typeString, 82, 'latin1');
    } else {
        b.writeUInt16LE(fatSectors, 22);
        b[38] = 0x29;
        b.write(typeString, 54, 'latin1');
    }
    b[510] = 0x55;
    b[511] = 0xaa;
    return { boot: b, size: total * 512 };
}

function zerosBehind(boot: Buffer, size: number): BlockDevice & { reads: number } {
    const dev = {
        size,
        reads: 0,
        async read(offset: number, length: number): Promise<Uint8Array> {
            checkRead(size, offset, length);
            dev.reads++;
            const out = new Uint8Array(length);
            if (offset < 512) out.set(boot.subarray(offset, Math.min(512, offset + length)));
            return out;
        },
    };
    return dev;
}

describe('FAT type by cluster count', () => {
    for (const [clusters, fat32, want] of [
        [4084, false, 'FAT12'],
        [4085, false, 'FAT16'],
        [65524, false, 'FAT16'],
        [65525, true, 'FAT32'],
    ] as const) {
        it(`${clusters} clusters is ${want}, whatever the type string says`, async () => {
            const { boot, size } = bootSector(clusters, fat32, 'FAT32   ');
            const dev = zerosBehind(boot, size);
            assert.equal(await probeFat(dev), want);
            assert.equal(dev.reads, 1);
        });
    }

    it('a FAT16 cluster count with FAT32 fields (no root entries) is refused, not guessed', async () => {
        const { boot, size } = bootSector(65524, false, 'FAT16   ');
        boot.writeUInt16LE(0, 17);
        assert.equal(await probeFat(zerosBehind(boot, size)), undefined);
    });

    it('an NTFS boot sector (no FATs) and a device smaller than a sector are not FAT', async () => {
        const { boot, size } = bootSector(5000, false, 'FAT16   ');
        boot.write('NTFS    ', 3, 'latin1');
        boot[16] = 0;
        assert.equal(await probeFat(zerosBehind(boot, size)), undefined);
        assert.equal(await probeFat(zerosBehind(Buffer.alloc(512), 100)), undefined);
    });
});
