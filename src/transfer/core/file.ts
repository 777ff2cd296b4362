/** The output file: positional writes into a pre-sized (sparse) file. Injectable for tests. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';

export interface OutputFile {
    writev(buffers: Buffer[], position: number): Promise<void>;
    /** Sets the length without writing: unwritten ranges stay holes. */
    truncate(length: number): Promise<void>;
    size(): Promise<number>;
    read(length: number, position: number): Promise<Buffer>;
    sync(): Promise<void>;
    close(): Promise<void>;
}

export type OpenOutput = (path: string, mode: 'create' | 'resume') => Promise<OutputFile>;

function cb<T>(fn: (done: (e: NodeJS.ErrnoException | null, v?: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => fn((e, v) => (e ? reject(e) : resolve(v as T))));
}

export const openOutput: OpenOutput = async (path, mode) => {
    const fd = await cb<number>((d) => fs.open(path, mode === 'create' ? 'w+' : 'r+', d));
    return {
        writev: async (buffers, position) => {
            let pos = position;
            let bufs = buffers;
            // writev may write less than asked (large batches, signals): continue from where it stopped.
            for (;;) {
                const n = await cb<number>((d) => fs.writev(fd, bufs, pos, d));
                let left = n;
                pos += n;
                let i = 0;
                while (i < bufs.length && left >= bufs[i].length) left -= bufs[i++].length;
                if (i >= bufs.length) return;
                bufs = [bufs[i].subarray(left), ...bufs.slice(i + 1)];
            }
        },
        truncate: (length) => cb((d) => fs.ftruncate(fd, length, d)),
        size: async () => (await cb<fs.Stats>((d) => fs.fstat(fd, d))).size,
        read: async (length, position) => {
            const b = Buffer.alloc(length);
            const n = await cb<number>((d) => fs.read(fd, b, 0, length, position, d));
            return b.subarray(0, n);
        },
        sync: () => cb((d) => fs.fdatasync(fd, d)),
        close: () => cb((d) => fs.close(fd, d)),
    };
};

/**
 * Windows keeps holes only in files flagged sparse. `fsutil sparse setflag` sets the flag
 * (FSCTL_SET_SPARSE) without native code; when it fails the file will be full-size there.
 */
export async function markSparse(path: string): Promise<{ sparse: boolean; note?: string }> {
    if (process.platform !== 'win32') return { sparse: true };
    try {
        await new Promise<void>((resolve, reject) => execFile('fsutil', ['sparse', 'setflag', path], { windowsHide: true, timeout: 10_000 }, (e) => (e ? reject(e) : resolve())));
        return { sparse: true };
    } catch {
        return { sparse: false, note: 'Could not mark the file sparse on Windows: it will take its full size on disk.' };
    }
}

/** The bytes [from, to) of a list of buffers, as views (no copy). */
export function sliceBuffers(bufs: Buffer[], from: number, to: number): Buffer[] {
    const out: Buffer[] = [];
    let pos = 0;
    for (const b of bufs) {
        const end = pos + b.length;
        if (end > from && pos < to) out.push(b.subarray(Math.max(0, from - pos), Math.min(b.length, to - pos)));
        pos = end;
        if (pos >= to) break;
    }
    return out;
}

/** Pieces are gathered to this size before one positional writev. */
const FLUSH_BYTES = 512 * 1024;
/** Bytes queued for writing before the response is paused: bounds memory per connection. */
const QUEUE_BYTES = 1024 * 1024;

/**
 * Writes a response body as it arrives, at increasing offsets from `start`: the socket's own
 * buffers are gathered (no copy) and written with one writev per FLUSH_BYTES, writes in order,
 * one at a time. push() answers a promise when too much is queued (pause the response until it
 * settles). A write error is kept and rethrown by push()/end().
 */
export class ChunkWriter {
    private list: Buffer[] = [];
    private listBytes = 0;
    private at: number;
    private queued = 0;
    private chain: Promise<void> = Promise.resolve();
    error: unknown;

    constructor(start: number, private readonly write: (bufs: Buffer[], at: number, bytes: number) => Promise<void>) {
        this.at = start;
    }

    push(piece: Buffer): Promise<void> | undefined {
        this.list.push(piece);
        this.listBytes += piece.length;
        if (this.listBytes >= FLUSH_BYTES) this.flush();
        if (this.error !== undefined) return Promise.reject(this.error);
        if (this.queued > QUEUE_BYTES) return this.chain.then(() => { if (this.error !== undefined) throw this.error; });
        return undefined;
    }

    private flush(): void {
        if (!this.listBytes) return;
        const bufs = this.list, at = this.at, n = this.listBytes;
        this.list = [];
        this.listBytes = 0;
        this.at += n;
        this.queued += n;
        this.chain = this.chain
            .then(() => (this.error === undefined ? this.write(bufs, at, n) : undefined))
            .then(() => { this.queued -= n; }, (e: unknown) => { this.error ??= e; this.queued -= n; });
    }

    /** Writes what is left and waits for every write; throws the first write error. */
    async end(): Promise<void> {
        this.flush();
        await this.chain;
        if (this.error !== undefined) throw this.error;
    }

    /** Waits for the writes already queued (after a failed response), without writing the rest. */
    settled(): Promise<void> {
        return this.chain;
    }
}

/**
 * What a caller inside this repository may swap under an engine (the tests' disk-full and
 * permission faults, the benchmark's read-everything comparison). Not part of the engine's public
 * options, and not exported from the transfer facade.
 */
export interface EngineHooks {
    /** Replaces the output file layer. */
    openOutput?: OpenOutput;
    /** false: do not ask the file system where an image holds data; read all of it. */
    extentQuery?: boolean;
}
