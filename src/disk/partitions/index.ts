/**
 * Partition tables: GPT (with its backup), MBR with logical partitions, or none (the whole disk may
 * be one file system). Reads sector 0, then the GPT header and its entry array, or the EBR chain.
 */
import { BlockDevice, DiskFormatError } from '../types';
import { hasGptSignature, readGpt } from './gpt';
import { hasBootSignature, looksLikeMbr, mbrEntries, readMbr } from './mbr';
import { Partition, PartitionTable } from './types';

export { Partition, PartitionTable } from './types';
export { gptTypeName, mbrTypeName } from './types';

export async function readPartitions(dev: BlockDevice, sectorSize = 512): Promise<PartitionTable> {
    if (sectorSize !== 512 && sectorSize !== 4096) throw new DiskFormatError('partition table', `sector size ${sectorSize} is not 512 or 4096`);
    const warnings: string[] = [];
    if (dev.size < 512) return { scheme: 'none', partitions: [], warnings };
    // Sector 0 and the next one together: the GPT signature at byte 512 comes without a second read.
    const head = await dev.read(0, Math.min(dev.size, 1024));
    const sector0 = head.subarray(0, 512);
    if (!hasBootSignature(sector0)) return { scheme: 'none', partitions: [], warnings };
    const entries = mbrEntries(sector0);
    if (entries.some((e) => e.type === 0xee)) {
        // A protective (or hybrid) MBR: the GPT rules (UEFI 5.2.3). Disks with 4 KiB sectors keep it at byte 4096.
        let ss = sectorSize;
        const at512 = head.length >= 520 && new TextDecoder('latin1').decode(head.subarray(512, 520)) === 'EFI PART';
        if (ss === 512 && !at512 && (await hasGptSignature(dev, 4096))) ss = 4096;
        const partitions = await readGpt(dev, ss, warnings);
        warnOverlaps(partitions, warnings);
        return { scheme: 'gpt', partitions, warnings };
    }
    if (!looksLikeMbr(sector0)) return { scheme: 'none', partitions: [], warnings };
    const partitions = await readMbr(dev, sectorSize, sector0, warnings);
    warnOverlaps(partitions, warnings);
    return { scheme: 'mbr', partitions, warnings };
}

/** Overlapping partitions are kept (reading is harmless) but named in a warning. */
function warnOverlaps(parts: Partition[], warnings: string[]): void {
    const sorted = [...parts].sort((a, b) => a.start - b.start);
    let widest: Partition | undefined;
    for (const p of sorted) {
        if (widest && p.start < widest.start + widest.size) warnings.push(`partitions ${widest.number} and ${p.number} overlap`);
        if (!widest || p.start + p.size > widest.start + widest.size) widest = p;
    }
}
