/**
 * What the log says of one Copy to…: where from and where to, then which path ran (server-side or
 * streamed through this machine), the bytes of each blob, the checks and the time. Names and sizes
 * only, never a URL. No vscode import.
 */
import { checksSummary } from '../../shared/checks';
import { formatBytes, formatDuration } from '../../shared/format';
import type { Logger } from '../../shared/logger';
import type { BlobKind, DiskRef } from '../../shared/types';
import type { CopyResult } from '../../transfer';

export interface CopyRunLog {
    done(results: Partial<Record<BlobKind, CopyResult>>): void;
}

export function logCopyRun(log: Logger, source: DiskRef, target: DiskRef, blobs: readonly BlobKind[], resuming: boolean, now: () => number = () => performance.now()): CopyRunLog {
    const started = now();
    const what = `Copy of ${source.name} (${source.resourceGroup}) to ${target.name} (${target.resourceGroup})`;
    log.info(`${what} started${resuming ? ' (resuming from its journal)' : ''}: ${blobs.join(', ')}, server-side (Put Page From URL) where the service allows it.`);
    return {
        done(results) {
            const s = (now() - started) / 1000;
            const all = Object.values(results);
            const streamed = all.some((r) => r.mode === 'stream');
            const perBlob = (Object.entries(results) as [BlobKind, CopyResult][]).map(
                ([blob, r]) =>
                    `${blob} ${formatBytes(r.size)}: ${formatBytes(r.bytesServerSide)} server-side, ${formatBytes(r.bytesStreamed)} streamed` +
                    `${r.bytesResumed ? `, ${formatBytes(r.bytesResumed)} resumed` : ''}, ${r.requests} requests${r.retries ? `, ${r.retries} retried` : ''}${r.regrants ? `, ${r.regrants} re-grants` : ''}`,
            );
            const checks = all.flatMap((r) => r.checks);
            log.info(
                `${what} done in ${formatDuration(s)} (${s.toFixed(1)} s), ${streamed ? 'streamed through this machine (the service refused a server-side copy)' : 'server-side (Put Page From URL)'}: ` +
                    `${perBlob.join('; ')}; checks passed: ${checksSummary(checks) || 'none'}.`,
            );
        },
    };
}
