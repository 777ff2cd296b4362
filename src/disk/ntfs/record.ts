/**
 * Multi-sector records (MFT `FILE` records and index `INDX` blocks) and the attributes inside an
 * MFT record. Both kinds carry an update sequence: the last two bytes of every 512-byte stride
 * hold the sequence number and the real bytes are kept in the update sequence array, so a torn
 * write shows. A stride that does not end in the sequence number is refused.
 */
import { DiskFormatError } from '../types';

/** The update-sequence stride: fixed at 512 bytes whatever the sector size. */
const STRIDE = 512;

export const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
export const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
/** A 64-bit little-endian value as a number; beyond 2^53 it becomes Infinity so checks refuse it. */
export function u64(b: Uint8Array, o: number): number {
    const hi = u32(b, o + 4);
    return hi >= 0x200000 ? Infinity : hi * 0x100000000 + u32(b, o);
}
/** The record number of an MFT reference (low 48 bits; the high 16 are the sequence number). */
export const refRecord = (b: Uint8Array, o: number) => u32(b, o) + u16(b, o + 4) * 0x100000000;

export function utf16(b: Uint8Array, o: number, chars: number): string {
    let s = '';
    for (let i = 0; i < chars; i++) s += String.fromCharCode(u16(b, o + 2 * i));
    return s;
}

/**
 * Checks the signature and the update sequence of a record, in place, and restores the real bytes
 * at the end of each stride. `what` names the record in errors.
 */
export function applyFixups(rec: Uint8Array, signature: string, what: string, offset: number): void {
    const sig = String.fromCharCode(rec[0], rec[1], rec[2], rec[3]);
    if (sig !== signature) throw new DiskFormatError(what, `signature is "${sig.replace(/[^ -~]/g, '?')}", not "${signature}"`, offset);
    const usaOffset = u16(rec, 4);
    const usaCount = u16(rec, 6);
    const strides = rec.length / STRIDE;
    if (usaCount !== strides + 1 || usaOffset < 8 || usaOffset % 2 !== 0 || usaOffset + 2 * usaCount > STRIDE - 2) {
        throw new DiskFormatError(what, `update sequence array (offset ${usaOffset}, ${usaCount} entries) does not fit a ${rec.length}-byte record`, offset);
    }
    const usn = u16(rec, usaOffset);
    for (let i = 0; i < strides; i++) {
        const end = (i + 1) * STRIDE - 2;
        if (u16(rec, end) !== usn) {
            throw new DiskFormatError(what, `fixup mismatch in sector ${i} (found ${u16(rec, end)}, update sequence number ${usn}): torn or damaged write`, offset + end);
        }
        rec[end] = rec[usaOffset + 2 + 2 * i];
        rec[end + 1] = rec[usaOffset + 3 + 2 * i];
    }
}

export interface Attribute {
    type: number;
    name: string;
    flags: number;
    id: number;
    /** The record the attribute was found in (the base or an extension record). */
    record: number;
    resident: boolean;
    /** Resident: the value. */
    value?: Uint8Array;
    /** Non-resident: the VCN range this piece maps, its runlist bytes and (first piece) sizes. */
    lowVcn: number;
    highVcn: number;
    runlist?: Uint8Array;
    compressionUnit: number;
    allocatedSize: number;
    dataSize: number;
    initializedSize: number;
}

export const ATTR = {
    STANDARD_INFORMATION: 0x10,
    ATTRIBUTE_LIST: 0x20,
    FILE_NAME: 0x30,
    VOLUME_NAME: 0x60,
    DATA: 0x80,
    INDEX_ROOT: 0x90,
    INDEX_ALLOCATION: 0xa0,
    BITMAP: 0xb0,
    REPARSE_POINT: 0xc0,
    END: 0xffffffff,
} as const;

export const ATTR_FLAG = { COMPRESSED: 0x0001, ENCRYPTED: 0x4000, SPARSE: 0x8000 } as const;

export interface MftRecord {
    number: number;
    inUse: boolean;
    isDir: boolean;
    sequence: number;
    /** 0 for a base record; otherwise the base record this extension belongs to. */
    baseRecord: number;
    attributes: Attribute[];
}

/** Parses a fixed-up `FILE` record: its header and every attribute, each bounded by the record. */
export function parseRecord(rec: Uint8Array, number: number, offset: number): MftRecord {
    const what = `NTFS MFT record ${number}`;
    const fail = (msg: string, at = 0) => new DiskFormatError(what, msg, offset + at);
    const flags = u16(rec, 0x16);
    const used = u32(rec, 0x18);
    if (used > rec.length || used < 0x30) throw fail(`bytes in use ${used} do not fit the ${rec.length}-byte record`);
    const attributes: Attribute[] = [];
    let at = u16(rec, 0x14);
    // Each attribute is at least 24 bytes long, so the record bounds the loop.
    while (true) {
        if (at + 4 > used || at % 8 !== 0) throw fail(`attribute offset ${at} lies outside the ${used} bytes in use`, at);
        const type = u32(rec, at);
        if (type === ATTR.END) break;
        const len = u32(rec, at + 4);
        if (len < 24 || at + len > used || len % 8 !== 0) throw fail(`attribute 0x${type.toString(16)} length ${len} at ${at} overruns the record`, at);
        attributes.push(parseAttribute(rec.subarray(at, at + len), type, number, (msg) => fail(`attribute 0x${type.toString(16)} at ${at}: ${msg}`, at)));
        at += len;
    }
    return { number, inUse: (flags & 1) !== 0, isDir: (flags & 2) !== 0, sequence: u16(rec, 0x10), baseRecord: refRecord(rec, 0x20), attributes };
}

function parseAttribute(a: Uint8Array, type: number, record: number, fail: (msg: string) => Error): Attribute {
    const nonResident = a[8] !== 0;
    const nameLen = a[9];
    const nameOff = u16(a, 10);
    if (nameLen && nameOff + 2 * nameLen > a.length) throw fail('name overruns the attribute');
    const base = { type, name: utf16(a, nameOff, nameLen), flags: u16(a, 12), id: u16(a, 14), record };
    if (!nonResident) {
        const valueLen = u32(a, 0x10);
        const valueOff = u16(a, 0x14);
        if (valueOff + valueLen > a.length) throw fail(`resident value (${valueLen} bytes at ${valueOff}) overruns the attribute`);
        return { ...base, resident: true, value: a.subarray(valueOff, valueOff + valueLen), lowVcn: 0, highVcn: -1, compressionUnit: 0, allocatedSize: valueLen, dataSize: valueLen, initializedSize: valueLen };
    }
    if (a.length < 0x40) throw fail('non-resident header is shorter than 64 bytes');
    const runOff = u16(a, 0x20);
    if (runOff < 0x40 || runOff > a.length) throw fail(`runlist offset ${runOff} lies outside the attribute`);
    const attr: Attribute = {
        ...base,
        resident: false,
        lowVcn: u64(a, 0x10),
        // An empty non-resident attribute has highest VCN -1 (all ones).
        highVcn: u32(a, 0x18) === 0xffffffff && u32(a, 0x1c) === 0xffffffff ? -1 : u64(a, 0x18),
        runlist: a.subarray(runOff),
        compressionUnit: a[0x22],
        allocatedSize: u64(a, 0x28),
        dataSize: u64(a, 0x30),
        initializedSize: u64(a, 0x38),
    };
    if (!Number.isSafeInteger(attr.lowVcn) || !Number.isSafeInteger(attr.highVcn) || attr.highVcn < attr.lowVcn - 1) {
        throw fail(`VCN range ${attr.lowVcn}..${attr.highVcn} is invalid`);
    }
    if (attr.lowVcn === 0 && !(attr.dataSize <= attr.allocatedSize && attr.initializedSize <= attr.allocatedSize && Number.isSafeInteger(attr.allocatedSize))) {
        throw fail(`sizes (data ${attr.dataSize}, initialized ${attr.initializedSize}, allocated ${attr.allocatedSize}) are inconsistent`);
    }
    return attr;
}
