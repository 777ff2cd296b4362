/** The end of a download: every check, then the final name — or the data left in the partial. */
import * as path from 'node:path';
import { TransferError, type DownloadOptions, type VerificationCheck } from '../core/types';
import { verifyFile } from '../core/verify';
import { localError } from './errors';
import type { PartialFile } from './partial';
import type { FetchStats } from './workers';

export async function verifyAndRename(partial: PartialFile, size: number, stats: FetchStats, opts: DownloadOptions): Promise<VerificationCheck[]> {
    const checks: VerificationCheck[] = [
        { name: 'content-length', passed: true, detail: `${stats.rangesChecked} ranges, every body length as asked` },
    ];
    if (stats.md5Checked > 0) checks.push({ name: 'range-md5', passed: true, detail: `${stats.md5Checked} of ${stats.rangesChecked} ranges matched their Content-MD5` });
    checks.push(...await verifyFile(partial.output, size, opts.format ?? 'auto'));
    const failed = checks.filter((c) => !c.passed);
    if (failed.length) {
        await partial.abandon();
        throw new TransferError('VerificationFailed', `Verification failed: ${failed.map((c) => `${c.name}: ${c.detail ?? 'failed'}`).join('; ')}. The data was left in ${path.basename(partial.paths.partial)}.`);
    }
    try {
        await partial.commit(opts.destPath);
    } catch (e) {
        throw localError(e, 0, `finish ${path.basename(opts.destPath)}`);
    }
    return checks;
}
