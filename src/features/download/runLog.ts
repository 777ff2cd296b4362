/**
 * What the log says of one blob's download: its start, its plan once the page ranges are known,
 * and how it ended (checks, duration, throughput). Names and sizes only, never a URL. No vscode import.
 */
import type { Logger } from '../../shared/logger';
import { checksSummary } from '../../shared/checks';
import { formatBytes, formatDuration, formatRate } from '../../shared/format';
import type { DownloadResult, TransferProgress } from '../../transfer';

export interface BlobRunLog {
    /** Called with every progress report; logs the plan once. */
    progress(p: TransferProgress): void;
    done(result: DownloadResult): void;
    cancelled(): void;
    failed(code: string): void;
}

export function logBlobRun(log: Logger, what: string, destPath: string, connections: number, resuming: boolean, now: () => number = () => performance.now()): BlobRunLog {
    const started = now();
    let last: TransferProgress | undefined;
    let planned = false;
    const seconds = () => (now() - started) / 1000;
    log.info(`Download of ${what} started${resuming ? ' (resuming the partial file)' : ''}: to ${destPath}, ${connections} connections.`);
    return {
        progress(p) {
            last = p;
            if (planned || p.totalSize <= 0) return;
            planned = true;
            const already = p.bytesDone > 0 ? `, ${formatBytes(p.bytesDone)} already in the partial file` : '';
            log.info(`Download of ${what}: ${formatBytes(p.bytesPlanned)} to fetch (written data) of ${formatBytes(p.totalSize)}${already}.`);
        },
        done(r) {
            const s = seconds();
            const extra = [r.retries ? `${r.retries} ranges retried` : '', r.regrants ? `${r.regrants} re-grants` : '', r.sparse === false ? 'not sparse' : ''].filter(Boolean).join(', ');
            log.info(
                `Download of ${what} done in ${formatDuration(s)} (${s.toFixed(1)} s): ${formatBytes(r.bytesFetched)} fetched at ${formatRate(s > 0 ? r.bytesFetched / s : 0)}` +
                    `${r.bytesResumed ? `, ${formatBytes(r.bytesResumed)} resumed` : ''}, ${formatBytes(r.bytesWritten)} written of ${formatBytes(r.totalSize)}; checks passed: ${checksSummary(r.checks) || 'none'}${extra ? `; ${extra}` : ''}.`,
            );
            for (const note of r.notes ?? []) log.info(`Download of ${what}: ${note}`);
        },
        cancelled() {
            const at = last ? ` at ${formatBytes(last.bytesDone)} of ${formatBytes(last.bytesPlanned)}` : '';
            log.info(`Download of ${what} cancelled after ${seconds().toFixed(1)} s${at}; the partial file is kept.`);
        },
        failed(code) {
            const at = last ? ` at ${formatBytes(last.bytesDone)} of ${formatBytes(last.bytesPlanned)}` : '';
            log.error(`Download of ${what} failed (${code}) after ${seconds().toFixed(1)} s${at}.`);
        },
    };
}
