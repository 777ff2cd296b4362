/**
 * CRC-32 with the reflected polynomial 0xEDB88320: the standard one (GPT headers and entry arrays,
 * UEFI spec 5.3.2) and the raw register form LVM2 uses (its own initial value, no final inversion).
 */

const TABLE = (() => {
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        t[n] = c >>> 0;
    }
    return t;
})();

/** The register after feeding `bytes` into `state`, with no inversion on either side. */
export function crc32Raw(state: number, bytes: Uint8Array): number {
    let c = state >>> 0;
    for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return c >>> 0;
}

/** The usual CRC-32 (zlib, PNG, GPT). */
export function crc32(bytes: Uint8Array): number {
    return (crc32Raw(0xffffffff, bytes) ^ 0xffffffff) >>> 0;
}
