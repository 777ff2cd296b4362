/**
 * GUID Partition Table (UEFI spec 2.10, chapter 5.3): the primary header at LBA 1 with its entry
 * array, and the backup at the last LBA used when the primary is damaged.
 */
import { BlockDevice, DiskFormatError } from '../types';
import { crc32 } from './crc32';
import { Partition, guidText, gptTypeName } from './types';

/** Sane bounds on what a header may ask for (the spec's minimum array is 16 KiB; tools write 128 entries). */
export const MAX_ENTRIES = 4096;
export const MAX_ARRAY_BYTES = 1024 * 1024;
const SIGNATURE = 'EFI PART';

interface GptHeader {
    lba: bigint;
    alternate: bigint;
    firstUsable: bigint;
    lastUsable: bigint;
    entriesLba: bigint;
    count: number;
    entrySize: number;
    arrayCrc: number;
}

export async function hasGptSignature(dev: BlockDevice, sectorSize: number): Promise<boolean> {
    if (dev.size < sectorSize * 2) return false;
    const b = await dev.read(sectorSize, 8);
    return new TextDecoder('latin1').decode(b) === SIGNATURE;
}

/** Reads one header and checks it as UEFI 5.3.2 requires; throws naming the check that failed. */
async function readHeader(dev: BlockDevice, ss: number, lba: bigint, which: string): Promise<GptHeader> {
    const lbas = BigInt(Math.floor(dev.size / ss));
    const at = Number(lba) * ss;
    const what = `GPT ${which} header`;
    if (lba < 1n || lba >= lbas) throw new DiskFormatError(what, `LBA ${lba} lies outside the disk (${lbas} sectors)`);
    const b = await dev.read(at, ss);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const fail = (msg: string): never => {
        throw new DiskFormatError(what, msg, at);
    };
    if (new TextDecoder('latin1').decode(b.subarray(0, 8)) !== SIGNATURE) fail('no "EFI PART" signature');
    const revision = dv.getUint32(8, true);
    if (revision >>> 16 !== 1) fail(`revision 0x${revision.toString(16)} is not 1.x`);
    const headerSize = dv.getUint32(12, true);
    if (headerSize < 92 || headerSize > ss) fail(`header size ${headerSize} is not within 92..${ss}`);
    const copy = Uint8Array.from(b.subarray(0, headerSize)); // a copy even when the device hands out a Buffer
    copy.fill(0, 16, 20);
    const crc = crc32(copy);
    const stored = dv.getUint32(16, true);
    if (crc !== stored) fail(`header CRC-32 is 0x${stored.toString(16)}, the header sums to 0x${crc.toString(16)}`);
    const h: GptHeader = {
        lba: dv.getBigUint64(24, true),
        alternate: dv.getBigUint64(32, true),
        firstUsable: dv.getBigUint64(40, true),
        lastUsable: dv.getBigUint64(48, true),
        entriesLba: dv.getBigUint64(72, true),
        count: dv.getUint32(80, true),
        entrySize: dv.getUint32(84, true),
        arrayCrc: dv.getUint32(88, true),
    };
    if (h.lba !== lba) fail(`MyLBA is ${h.lba}, but the header was read at LBA ${lba}`);
    if (h.alternate >= lbas || h.alternate < 1n) fail(`AlternateLBA ${h.alternate} lies outside the disk (${lbas} sectors)`);
    if (h.firstUsable < 2n || h.firstUsable > h.lastUsable + 1n || h.lastUsable >= lbas) {
        fail(`usable LBAs ${h.firstUsable}..${h.lastUsable} do not fit a disk of ${lbas} sectors`);
    }
    if (h.count > MAX_ENTRIES) fail(`${h.count} partition entries (at most ${MAX_ENTRIES})`);
    if (h.entrySize < 128 || h.entrySize % 8 !== 0) fail(`partition entry size ${h.entrySize} is not a multiple of 8 of at least 128`);
    const arrayBytes = h.count * h.entrySize;
    if (arrayBytes > MAX_ARRAY_BYTES) fail(`the entry array would be ${arrayBytes} bytes (at most ${MAX_ARRAY_BYTES})`);
    const arrayEnd = h.entriesLba + BigInt(Math.ceil(arrayBytes / ss));
    if (h.entriesLba < 2n || arrayEnd > lbas) fail(`the entry array at LBA ${h.entriesLba} lies outside the disk`);
    if (arrayBytes > 0 && h.entriesLba <= h.lastUsable && arrayEnd > h.firstUsable) {
        fail(`the entry array at LBA ${h.entriesLba} overlaps the usable LBAs ${h.firstUsable}..${h.lastUsable}`);
    }
    return h;
}

async function readArray(dev: BlockDevice, ss: number, h: GptHeader, which: string): Promise<Uint8Array> {
    const at = Number(h.entriesLba) * ss;
    const b = await dev.read(at, h.count * h.entrySize);
    const crc = crc32(b);
    if (crc !== h.arrayCrc) {
        throw new DiskFormatError(`GPT ${which} partition entry array`, `CRC-32 is 0x${crc.toString(16)}, the header says 0x${h.arrayCrc.toString(16)}`, at);
    }
    return b;
}

/** The entries that are in use, checked against the disk (error) and the usable range (warning). */
function parseEntries(dev: BlockDevice, ss: number, h: GptHeader, b: Uint8Array, warnings: string[]): Partition[] {
    const lbas = BigInt(Math.floor(dev.size / ss));
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out: Partition[] = [];
    for (let i = 0; i < h.count; i++) {
        const o = i * h.entrySize;
        if (b.subarray(o, o + 16).every((x) => x === 0)) continue; // unused entry (UEFI 5.3.3)
        const first = dv.getBigUint64(o + 32, true);
        const last = dv.getBigUint64(o + 40, true);
        const what = `GPT partition entry ${i + 1}`;
        if (last < first) throw new DiskFormatError(what, `ends (LBA ${last}) before it starts (LBA ${first})`);
        if (last >= lbas) throw new DiskFormatError(what, `LBAs ${first}..${last} lie past the end of the disk (${lbas} sectors)`);
        if (first < h.firstUsable || last > h.lastUsable) {
            warnings.push(`${what}: LBAs ${first}..${last} lie outside the usable LBAs ${h.firstUsable}..${h.lastUsable}`);
        }
        const typeId = guidText(b, o);
        const attributes = dv.getBigUint64(o + 48, true);
        const nameBytes = b.subarray(o + 56, o + 128);
        let len = 0;
        while (len < nameBytes.length && (nameBytes[len] | nameBytes[len + 1]) !== 0) len += 2;
        out.push({
            number: i + 1,
            start: Number(first) * ss,
            size: Number(last - first + 1n) * ss,
            typeName: gptTypeName(typeId),
            typeId,
            name: new TextDecoder('utf-16le').decode(nameBytes.subarray(0, len)),
            guid: guidText(b, o + 16),
            bootable: (attributes & 4n) !== 0n,
            attributes,
        });
    }
    return out;
}

/** Partitions from the primary GPT, or from the backup (with a warning) when the primary is damaged. */
export async function readGpt(dev: BlockDevice, ss: number, warnings: string[]): Promise<Partition[]> {
    let primaryError: unknown;
    let alternate: bigint | undefined;
    try {
        const h = await readHeader(dev, ss, 1n, 'primary');
        alternate = h.alternate;
        return parseEntries(dev, ss, h, await readArray(dev, ss, h, 'primary'), warnings);
    } catch (e) {
        if (!(e instanceof DiskFormatError) || e.structure.startsWith('GPT partition entry ')) throw e;
        primaryError = e;
    }
    const last = BigInt(Math.floor(dev.size / ss)) - 1n;
    const candidates = alternate !== undefined && alternate !== last ? [alternate, last] : [last];
    let backupError: unknown;
    for (const lba of candidates) {
        try {
            const h = await readHeader(dev, ss, lba, 'backup');
            const parts = parseEntries(dev, ss, h, await readArray(dev, ss, h, 'backup'), warnings);
            warnings.push(`${(primaryError as Error).message}; the partitions were read from the backup GPT at LBA ${lba}`);
            return parts;
        } catch (e) {
            if (!(e instanceof DiskFormatError) || e.structure.startsWith('GPT partition entry ')) throw e;
            backupError ??= e;
        }
    }
    throw new DiskFormatError('GPT', `both copies are damaged: ${(primaryError as Error).message}; ${(backupError as Error).message}`);
}
