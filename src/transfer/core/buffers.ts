/**
 * Chunk memory with a byte budget, so memory stays ≈ connections × chunk size whatever the disk
 * size. Buffers come in power-of-two size classes (64 KiB … chunk size) and are reused: a
 * fragmented disk's thousands of small chunks would otherwise leave shared buffers for the GC to
 * find late, and the process would grow far past the budget.
 */
export interface Slot {
    sab: SharedArrayBuffer;
    buf: Buffer;
    bytes: number;
}

const MIN_CLASS = 64 * 1024;

export class BytePool {
    private readonly free = new Map<number, SharedArrayBuffer[]>();
    private used = 0;
    private readonly waiters: (() => void)[] = [];

    constructor(private readonly chunkSize: number, private readonly budget: number) {}

    private classOf(len: number): number {
        // Large chunks share one class (4 MiB chunks that ask for their MD5 among 8 MiB ones that
        // do not): free buffers of two large classes would together hold twice the budget.
        if (len > this.chunkSize / 4) return Math.max(len, this.chunkSize);
        let c = MIN_CLASS;
        while (c < len && c < this.chunkSize) c *= 2;
        return Math.max(len, Math.min(c, this.chunkSize));
    }

    async acquire(len: number): Promise<Slot> {
        const bytes = this.classOf(len);
        while (this.used > 0 && this.used + bytes > this.budget) await new Promise<void>((r) => this.waiters.push(r));
        this.used += bytes;
        const sab = this.free.get(bytes)?.pop() ?? new SharedArrayBuffer(bytes);
        return { sab, buf: Buffer.from(sab, 0, len), bytes };
    }

    release(slot: Slot): void {
        this.used -= slot.bytes;
        const list = this.free.get(slot.bytes) ?? [];
        // Keep at most a budget's worth of each class; the rest goes back to the GC.
        if (list.length * slot.bytes < this.budget) list.push(slot.sab);
        this.free.set(slot.bytes, list);
        for (const w of this.waiters.splice(0)) w();
    }
}
