/**
 * The fetch loop: one worker per connection takes the next chunk, fetches it with retries, and
 * journals it once its data is on disk, while its next request already runs.
 */
import type { BytePool } from '../core/buffers';
import { intersect, totalBytes, type ByteRange, type Chunk } from '../../blob/ranges';
import type { ProgressMeter } from '../core/progress';
import type { ChunkFetcher, Fetched } from './fetch';
import type { ChunkQueue, GapTuner } from './gaps';
import type { PartialFile } from './partial';
import type { BlobSession } from '../../blob/session';
import { MD5_MAX } from './settings';

export interface FetchStats {
    bytesFetched: number;
    md5Checked: number;
    rangesChecked: number;
}

export interface FetchLoop {
    session: BlobSession;
    /** The chunks, handed out in order with the gaps the tuner merges at the time. */
    queue: ChunkQueue;
    tuner: GapTuner;
    /** The planned ranges: progress counts only their bytes, not the merged gaps'. */
    planned: ByteRange[];
    /** Workers: connections, or fewer when there are fewer chunks. */
    workers: number;
    fetcher: ChunkFetcher;
    pool: BytePool | undefined;
    partial: PartialFile;
    meter: ProgressMeter;
    stats: FetchStats;
}

/** Fetches every chunk, then closes the journal; throws the first fatal error, or Cancelled. */
export async function fetchAll(loop: FetchLoop): Promise<void> {
    const { session: s, partial, meter } = loop;
    const workers = Array.from({ length: loop.workers }, () => worker(loop).catch((e: Error) => s.fail(e)));
    await Promise.all(workers);
    meter.stop();
    await partial.closeJournal();
    if (s.userAborted) throw s.cancelled();
    if (s.fatal) throw s.fatal;
    meter.emit();
}

async function worker(loop: FetchLoop): Promise<void> {
    const { session: s, queue, tuner, fetcher, pool, partial, meter, stats } = loop;
    // The previous chunk's last writes and journal line, finishing while this chunk's request runs.
    let finishing: Promise<void> | undefined;
    try {
        while (!s.signal.aborted) {
            const c: Chunk | undefined = queue.next((seq) => tuner.gapFor(seq));
            if (!c) break;
            const slot = pool && (fetcher.transport === 'direct' || c.end - c.start <= MD5_MAX) ? await pool.acquire(c.end - c.start) : undefined;
            let body: Fetched;
            try {
                body = await s.withRetry(`bytes ${c.start}-${c.end - 1}`, (u) => fetcher.fetch(u, c, slot));
            } catch (e) {
                if (slot) pool?.release(slot);
                throw e;
            }
            // The slot holds the chunk until it is on disk.
            if (slot) body.written.then(() => pool?.release(slot), () => pool?.release(slot));
            if (finishing) await finishing;
            const b = body;
            finishing = b.written.then(() => {
                stats.bytesFetched += b.length;
                stats.rangesChecked++;
                if (b.md5Checked) stats.md5Checked++;
                partial.add(c); // data first, then its journal line
                s.progressed();
                meter.add(totalBytes(intersect(loop.planned, c.start, c.end)));
            });
            finishing.catch(() => undefined);
        }
    } catch (e) {
        // The chunk before still lands in the journal, before the journal closes.
        await finishing?.catch(() => undefined);
        throw e;
    }
    if (finishing) await finishing;
}
