/** Kills our download child at ~50 %, runs it again, and counts the bytes fetched twice. */
import * as path from 'node:path';
import type { BlobModel } from './blobModel';
import { sha256File } from './fixtures';
import { run } from './peers';
import { startRangeServer, type ServedRange } from './rangeServer';

const MiB = 1024 * 1024;

/** Bytes of `b`'s ranges (end exclusive) that fall inside the union of `a`'s. */
export function overlapBytes(a: readonly ServedRange[], b: readonly ServedRange[]): number {
    const merged: [number, number][] = [];
    for (const r of [...a].sort((x, y) => x.start - y.start)) {
        const last = merged[merged.length - 1];
        if (last && r.start <= last[1]) last[1] = Math.max(last[1], r.end);
        else merged.push([r.start, r.end]);
    }
    let n = 0;
    for (const r of b) {
        for (const [s, e] of merged) n += Math.max(0, Math.min(e, r.end) - Math.max(s, r.start));
    }
    return n;
}

export async function measureResume(model: BlobModel, work: string, concurrency = 16, chunk = 4 * MiB): Promise<string> {
    // 8 MiB/s per connection so the kill lands mid-transfer, then full speed for the rerun.
    const server = await startRangeServer(model, { bytesPerSecond: 8 * MiB, lifetimeMs: 10 * 60_000 });
    const engine = path.resolve(__dirname, 'download.js');
    const out = path.join(work, 'resume.vhd');
    try {
        let killedAt = 0;
        const first = await run([process.execPath, engine, server.url, out, '--concurrency', String(concurrency), '--progress'], undefined, (line, kill) => {
            const m = /^progress (\d+) (\d+)/.exec(line);
            if (m && !killedAt && Number(m[1]) >= Number(m[2]) * 0.5) {
                killedAt = Number(m[1]) / Number(m[2]);
                kill();
            }
        });
        if (!killedAt) return `The first run was not killed (exit ${first.code}); no resume measured.`;
        const before = server.served.length;
        server.opts.bytesPerSecond = undefined;
        const second = await run([process.execPath, engine, server.url, out, '--concurrency', String(concurrency)]);
        const result = JSON.parse(second.stdout.trim().split('\n').pop() ?? '{}') as { bytesFetched: number; bytesResumed: number };
        // Fetched twice = bytes the rerun asked for that the killed run had already received whole.
        const refetched = overlapBytes(server.served.slice(0, before).filter((s) => s.complete), server.served.slice(before));
        const shaOk = (await sha256File(out)) === model.sha256();
        const allowed = concurrency * chunk;
        return `Killed (SIGKILL) at ${(killedAt * 100).toFixed(0)} % of ${(model.writtenBytes / MiB).toFixed(0)} MiB to fetch; the rerun resumed ${(result.bytesResumed / MiB).toFixed(1)} MiB and fetched ${(result.bytesFetched / MiB).toFixed(1)} MiB. ` +
            `Re-fetched: ${(refetched / MiB).toFixed(1)} MiB = ${(refetched / chunk).toFixed(1)} chunks (allowed ≤ ${concurrency} chunks = one per connection) ${refetched <= allowed ? '✅' : '❌'}; sha256 ${shaOk ? 'match' : 'MISMATCH'}.`;
    } finally {
        await server.close();
    }
}
