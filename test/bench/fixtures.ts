/** Small helpers shared by the transfer unit tests and the benchmark. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ServedRange } from './rangeServer';

export function tempDir(prefix = 'transfer-'): { dir: string; cleanup(): void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function sha256File(file: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const h = crypto.createHash('sha256');
        fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })
            .on('data', (b) => h.update(b))
            .on('end', () => resolve(h.digest('hex')))
            .on('error', reject);
    });
}

/** Bytes the file occupies on disk (st_blocks × 512). */
export function allocatedBytes(file: string): number {
    return fs.statSync(file).blocks * 512;
}

/** Bytes served in complete responses. */
export function completeBytes(served: ServedRange[]): number {
    return served.filter((s) => s.complete).reduce((n, s) => n + s.end - s.start, 0);
}
