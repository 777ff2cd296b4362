/**
 * Chunk memory with a byte budget, so memory stays ≈ connections × chunk size whatever the disk
 * size. Full-size buffers are reused; small chunks (fragmented disks) get exact-size ones.
 */
export interface Slot {
    sab: SharedArrayBuffer;
    buf: Buffer;
    bytes: number;
}

export class BytePool {
    private readonly free: SharedArrayBuffer[] = [];
    private used = 0;
    private readonly waiters: (() => void)[] = [];

    constructor(private readonly chunkSize: number, private readonly budget: number) {}

    async acquire(len: number): Promise<Slot> {
        const bytes = len * 4 >= this.chunkSize ? this.chunkSize : len;
        while (this.used > 0 && this.used + bytes > this.budget) await new Promise<void>((r) => this.waiters.push(r));
        this.used += bytes;
        const sab = bytes === this.chunkSize ? (this.free.pop() ?? new SharedArrayBuffer(this.chunkSize)) : new SharedArrayBuffer(bytes);
        return { sab, buf: Buffer.from(sab, 0, len), bytes };
    }

    release(slot: Slot): void {
        this.used -= slot.bytes;
        if (slot.bytes === this.chunkSize) this.free.push(slot.sab);
        for (const w of this.waiters.splice(0)) w();
    }
}
