/**
 * The boot sector of a FAT or exFAT volume: which it is, and where its table, root folder and
 * cluster heap lie. Every field is checked against the specs' ranges and the device's size before
 * anything else is read (Microsoft FAT spec sections 3 and 3.5; exFAT spec section 3.1).
 */
import { DiskFormatError } from '../types';
import { Geometry } from './clusters';
import { oemString, u16, u32, u64 } from './names';

export type FatType = 'FAT12' | 'FAT16' | 'FAT32' | 'exFAT';

export interface FatBoot extends Geometry {
    readonly type: FatType;
    /** FAT12/16: the fixed root folder's byte offset and length. */
    readonly rootOffset: number;
    readonly rootBytes: number;
    /** FAT32 and exFAT: the root folder's first cluster. */
    readonly rootCluster: number;
    /** The label the boot sector keeps (FAT only), trimmed; the root folder's entry wins. */
    readonly bootLabel?: string;
}

/** Bytes of the boot sector read to recognise and open a volume. */
export const BOOT_BYTES = 512;

function isPow2(n: number): boolean {
    return n > 0 && (n & (n - 1)) === 0;
}

/** The FAT or exFAT boot sector in `b` (512 bytes) of a device of `size` bytes, or a DiskFormatError. */
export function parseBoot(b: Uint8Array, size: number): FatBoot {
    if (b.length < BOOT_BYTES || b[510] !== 0x55 || b[511] !== 0xaa) {
        throw new DiskFormatError('FAT boot sector', 'has no 55 AA signature at byte 510', 0);
    }
    if (oemString(b.subarray(3, 11)) === 'EXFAT   ') return parseExfatBoot(b, size);
    return parseFatBoot(b, size);
}

function parseFatBoot(b: Uint8Array, size: number): FatBoot {
    const fail = (msg: string) => new DiskFormatError('FAT boot sector', msg, 0);
    if (b[0] !== 0xeb && b[0] !== 0xe9) throw fail(`starts with ${b[0].toString(16)}, not a jump instruction`);
    const bps = u16(b, 11);
    const spc = b[13];
    const reserved = u16(b, 14);
    const fats = b[16];
    const rootEntries = u16(b, 17);
    const total = u16(b, 19) || u32(b, 32);
    const media = b[21];
    const fatSize16 = u16(b, 22);
    const fatSize = fatSize16 || u32(b, 36);
    if (!isPow2(bps) || bps < 512 || bps > 4096) throw fail(`bytes per sector is ${bps}, not 512, 1024, 2048 or 4096`);
    if (!isPow2(spc) || spc > 128) throw fail(`sectors per cluster is ${spc}, not a power of two up to 128`);
    if (reserved === 0) throw fail('has no reserved sectors');
    if (fats < 1 || fats > 2) throw fail(`has ${fats} FATs, not 1 or 2`);
    if (media !== 0xf0 && media < 0xf8) throw fail(`media byte ${media.toString(16)} is not F0 or F8..FF`);
    if (total === 0) throw fail('has no sector count');
    if (fatSize === 0) throw fail('has a FAT of 0 sectors');
    // Section 3.5: the type follows from the cluster count alone, never from the label string.
    const rootSectors = Math.ceil((rootEntries * 32) / bps);
    const firstData = reserved + fats * fatSize + rootSectors;
    if (firstData >= total) throw fail(`its ${total} sectors end before the data area at sector ${firstData}`);
    const clusterCount = Math.floor((total - firstData) / spc);
    if (clusterCount < 1) throw fail('has no data clusters');
    const type: FatType = clusterCount < 4085 ? 'FAT12' : clusterCount < 65525 ? 'FAT16' : 'FAT32';
    const width = type === 'FAT12' ? 12 : type === 'FAT16' ? 16 : 32;
    const clusterSize = bps * spc;
    const heapEnd = (firstData + clusterCount * spc) * bps;
    if (heapEnd > size) {
        throw fail(`${clusterCount} clusters of ${clusterSize} bytes end at byte ${heapEnd}, past the device's ${size} bytes`);
    }
    if (type === 'FAT32' ? rootEntries !== 0 || fatSize16 !== 0 : rootEntries === 0) {
        throw fail(`${type} by its ${clusterCount} clusters, yet its root entry count is ${rootEntries} and 16-bit FAT size ${fatSize16}`);
    }
    const entryBytes = width === 12 ? Math.ceil(((clusterCount + 2) * 3) / 2) : ((clusterCount + 2) * width) / 8;
    if (fatSize * bps < entryBytes) throw fail(`FAT of ${fatSize} sectors cannot hold ${clusterCount} clusters`);
    let active = 0;
    let rootCluster = 0;
    let labelAt = 43;
    if (type === 'FAT32') {
        const ext = u16(b, 40);
        // Bit 7: mirroring off, and only the FAT numbered in bits 0-3 is in use.
        if (ext & 0x80) active = ext & 0xf;
        if (active >= fats) throw fail(`active FAT ${active} of ${fats}`);
        if (u16(b, 42) !== 0) throw fail(`version ${u16(b, 42).toString(16)} is not 0`);
        rootCluster = u32(b, 44);
        if (rootCluster < 2 || rootCluster > clusterCount + 1) throw fail(`root cluster ${rootCluster} is outside clusters 2..${clusterCount + 1}`);
        labelAt = 71;
    }
    const label = b[labelAt - 5] === 0x29 ? oemString(b.subarray(labelAt, labelAt + 11)).replace(/ +$/, '') : '';
    return {
        what: type,
        type,
        width,
        clusterSize,
        clusterCount,
        heapOffset: firstData * bps,
        fatOffset: (reserved + active * fatSize) * bps,
        rootOffset: (reserved + fats * fatSize) * bps,
        rootBytes: rootEntries * 32,
        rootCluster,
        bootLabel: label && label !== 'NO NAME' ? label : undefined,
    };
}

function parseExfatBoot(b: Uint8Array, size: number): FatBoot {
    const fail = (msg: string) => new DiskFormatError('exFAT boot sector', msg, 0);
    for (let i = 11; i < 64; i++) if (b[i] !== 0) throw fail(`byte ${i} of the must-be-zero field is ${b[i]}`);
    const bpsShift = b[108];
    const spcShift = b[109];
    const fats = b[110];
    if (bpsShift < 9 || bpsShift > 12) throw fail(`bytes-per-sector shift ${bpsShift} is not 9..12`);
    if (spcShift > 25 - bpsShift) throw fail(`sectors-per-cluster shift ${spcShift} makes clusters over 32 MiB`);
    if (fats !== 1 && fats !== 2) throw fail(`has ${fats} FATs, not 1 or 2`);
    const bps = 2 ** bpsShift;
    const clusterSize = bps * 2 ** spcShift;
    const volumeSectors = u64(b, 72);
    const fatOffset = u32(b, 80);
    const fatLength = u32(b, 84);
    const heapSector = u32(b, 88);
    const clusterCount = u32(b, 92);
    const rootCluster = u32(b, 96);
    if (volumeSectors < 0 || volumeSectors * bps > size) throw fail(`volume of ${volumeSectors} sectors is larger than the device's ${size} bytes`);
    if (fatOffset < 24 || fatLength === 0) throw fail(`FAT at sector ${fatOffset}, ${fatLength} sectors long, is not after the boot regions`);
    if (heapSector < fatOffset + fatLength * fats) throw fail(`cluster heap at sector ${heapSector} overlaps the FAT`);
    if (clusterCount === 0 || clusterCount > 0xfffffff5) throw fail(`cluster count ${clusterCount} is out of range`);
    const heapEnd = heapSector * bps + clusterCount * clusterSize;
    if (heapEnd > volumeSectors * bps) {
        throw fail(`${clusterCount} clusters of ${clusterSize} bytes end at byte ${heapEnd}, past the volume's ${volumeSectors * bps} bytes`);
    }
    if (fatLength * bps < (clusterCount + 2) * 4) throw fail(`FAT of ${fatLength} sectors cannot hold ${clusterCount} clusters`);
    if (rootCluster < 2 || rootCluster > clusterCount + 1) throw fail(`root cluster ${rootCluster} is outside clusters 2..${clusterCount + 1}`);
    // VolumeFlags bit 0 (ActiveFat) picks the second FAT when there are two.
    const active = fats === 2 && u16(b, 106) & 1 ? 1 : 0;
    return {
        what: 'exFAT',
        type: 'exFAT',
        width: 'exfat',
        clusterSize,
        clusterCount,
        heapOffset: heapSector * bps,
        fatOffset: (fatOffset + active * fatLength) * bps,
        rootOffset: 0,
        rootBytes: 0,
        rootCluster,
    };
}
