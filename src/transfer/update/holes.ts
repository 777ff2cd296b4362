/**
 * Zeroing a cleared range of the file. Node has no fallocate(2), so on Linux util-linux's
 * `fallocate --punch-hole --keep-size` gives the space back (reads return zeros, the size stays);
 * one process per range is worth it for large ranges only, and where it is missing or the file
 * system refuses (exFAT, some network file systems) zeros are written instead, which is always
 * correct and only costs space. Elsewhere zeros are written: Windows would need the sparse flag
 * plus FSCTL_SET_ZERO_DATA, macOS F_PUNCHHOLE, neither reachable without native code.
 */
import { execFile } from 'node:child_process';
import type { OutputFile } from '../core/file';

const ZEROS = Buffer.alloc(1024 * 1024);

export class Zeroer {
    /** Punching stops at the first refusal: the file system will refuse the rest as well. */
    private canPunch = process.platform === 'linux';
    private failure: string | undefined;
    punched = 0;
    written = 0;

    constructor(private readonly file: OutputFile, private readonly filePath: string, private readonly punchMin: number) {}

    async zero(start: number, end: number): Promise<void> {
        if (this.canPunch && end - start >= this.punchMin && (await this.punch(start, end - start))) {
            this.punched += end - start;
            return;
        }
        for (let at = start; at < end; at += ZEROS.length) {
            const n = Math.min(ZEROS.length, end - at);
            await this.file.writev([n === ZEROS.length ? ZEROS : ZEROS.subarray(0, n)], at);
        }
        this.written += end - start;
    }

    private punch(offset: number, length: number): Promise<boolean> {
        return new Promise((resolve) => {
            execFile('fallocate', ['--punch-hole', '--keep-size', '--offset', String(offset), '--length', String(length), this.filePath], { timeout: 30_000 }, (e, _out, err) => {
                if (e) {
                    this.canPunch = false;
                    this.failure = (String(err).trim() || (e as NodeJS.ErrnoException).code) ?? e.message;
                }
                resolve(!e);
            });
        });
    }

    /** What to tell the user about how cleared ranges were zeroed. */
    notes(): string[] {
        if (!this.written) return [];
        const why = process.platform !== 'linux' ? 'this system has no way to punch holes from here'
            : this.failure ? `punching holes failed (${this.failure.split('\n')[0]})` : 'they were too small to be worth a hole';
        return [`${this.written} cleared bytes were written as zeros rather than holes: ${why}. The content is the same; the file takes more space.`];
    }
}
