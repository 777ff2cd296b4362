/**
 * LZNT1, the compression of NTFS compressed files ([MS-XCA] section 2.5). A compression unit is
 * a sequence of chunks, each decompressing to at most 4096 bytes. A chunk starts with a 16-bit
 * header: bits 0-11 are the chunk's stored size minus 3 (header included), bit 15 says whether it
 * is compressed; a zero header ends the unit. A compressed chunk is groups of a flag byte and eight
 * tokens: a clear bit is one literal byte, a set bit a 16-bit back-reference whose split between
 * offset and length bits depends on how far into the chunk the output is.
 */
import { DiskFormatError } from '../types';

const CHUNK = 4096;

/**
 * Decompresses one compression unit from `src` into `out` (which the unit must fill no further
 * than its length). Returns the bytes written; a chunk that ends short is followed by zeros up to
 * the next 4096-byte boundary, as the format requires of every chunk but the last.
 */
export function lznt1Decompress(src: Uint8Array, out: Uint8Array, what: string): number {
    let inPos = 0;
    let outPos = 0;
    const fail = (msg: string) => new DiskFormatError(what, `LZNT1 ${msg} (input byte ${inPos}, output byte ${outPos})`);
    while (inPos + 2 <= src.length && outPos < out.length) {
        const header = src[inPos] | (src[inPos + 1] << 8);
        if (header === 0) break;
        const stored = (header & 0x0fff) + 1;
        const chunkStart = inPos + 2;
        const chunkEnd = chunkStart + stored;
        if (chunkEnd > src.length) throw fail(`chunk of ${stored} bytes overruns the compressed data`);
        const outChunk = outPos;
        const outLimit = Math.min(out.length, outChunk + CHUNK);
        if (!(header & 0x8000)) {
            // A stored chunk: the bytes as they are.
            const n = Math.min(stored, outLimit - outPos);
            out.set(src.subarray(chunkStart, chunkStart + n), outPos);
            outPos += n;
        } else {
            outPos = decompressChunk(src, chunkStart, chunkEnd, out, outChunk, outLimit, fail);
        }
        inPos = chunkEnd;
        // The next chunk (if any) starts at the next 4096-byte boundary of the output.
        if (inPos + 2 <= src.length && (src[inPos] | (src[inPos + 1] << 8)) !== 0) outPos = outLimit;
    }
    return outPos;
}

function decompressChunk(src: Uint8Array, start: number, end: number, out: Uint8Array, outChunk: number, outLimit: number, fail: (m: string) => Error): number {
    let i = start;
    let o = outChunk;
    while (i < end && o < outLimit) {
        const flags = src[i++];
        for (let bit = 0; bit < 8 && i < end && o < outLimit; bit++) {
            if (!(flags & (1 << bit))) {
                out[o++] = src[i++];
                continue;
            }
            if (i + 2 > end) throw fail('back-reference token is cut off by the chunk end');
            const token = src[i] | (src[i + 1] << 8);
            i += 2;
            // The further into the chunk, the more bits go to the offset: 4 bits up to 16 bytes
            // in, one more for each doubling beyond.
            let lengthBits = 12;
            for (let p = o - outChunk - 1; p >= 0x10; p >>= 1) lengthBits--;
            const offset = (token >> lengthBits) + 1;
            const length = (token & ((1 << lengthBits) - 1)) + 3;
            if (offset > o - outChunk) throw fail(`back-reference reaches ${offset} bytes back, before the chunk start`);
            const n = Math.min(length, outLimit - o);
            for (let k = 0; k < n; k++, o++) out[o] = out[o - offset];
        }
    }
    return o;
}
