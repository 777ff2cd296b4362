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
