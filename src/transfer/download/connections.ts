/**
 * How the chunks travel: direct sockets or node:http, how many connections, the chunk memory
 * and the MD5 threads.
 */
import * as os from 'node:os';
import { BytePool } from '../core/buffers';
import { connectedDirectly, DirectRanges } from '../../blob/direct';
import type { Authorization, BlobProps } from '../../blob/http';
import { Md5Pool } from '../core/md5';
import type { Chunk } from '../../blob/ranges';
import type { TransferTuning } from '../core/types';
import type { BlobSession } from '../../blob/session';
import { MAX_CONNECTIONS, type Settings } from './settings';

/** Chunks averaging under this size (and under a quarter chunk) count as small ranges: up to 4 × the connections asked for (≤ 64). */
const SMALL_RANGE = 1024 * 1024;
/** Chunk memory cap (direct transport, or worker-thread MD5): keeps peak RSS under 256 MiB at 64 connections × 4 MiB. */
const MEMORY_BUDGET = 160 * 1024 * 1024;

export interface Connections {
    /** Direct sockets, when the storage host is reached without a proxy (see direct.ts). */
    direct: DirectRanges | undefined;
    /** Requests in flight at once. */
    connections: number;
    /** Chunk buffers: for direct bodies, or for MD5 on worker threads. */
    pool: BytePool | undefined;
    /** MD5 threads, when chunks are hashed off the main thread. */
    md5: Md5Pool | undefined;
}

export async function openConnections(s: BlobSession, chunks: Chunk[], fetchBytes: number, props: BlobProps, settings: Settings, t: TransferTuning, auth?: Authorization): Promise<Connections> {
    const { concurrency, chunkSize, wantMd5 } = settings;
    // Bodies straight into chunk buffers over plain sockets, unless the first request went through
    // a proxy (VS Code's proxy support lives in node:http) or node:http is asked for.
    const transport = t.transport ?? 'auto';
    let direct: DirectRanges | undefined;
    if (chunks.length && (transport === 'direct' || (transport === 'auto' && await connectedDirectly(s.url, props.peer)))) {
        direct = new DirectRanges(settings.idleTimeoutMs, {}, auth);
    } else if (transport === 'auto' && chunks.length) {
        s.log('the first request did not go straight to the storage host (a proxy?): using node:http');
    }
    // MD5 of served Content-MD5 ranges. Direct: the chunk is whole in shared memory and hashed on
    // worker threads. node:http: by default a streaming hash on the main thread as the body
    // arrives (no copy); with tuning.md5Workers > 0 the chunk is assembled in shared memory and
    // hashed on worker threads.
    // A sample is a few ranges in a hundred: one thread hashes them (each thread costs its start-up).
    const md5Threads = t.md5Workers ?? (direct ? (settings.rangeMd5 === 'sample' ? 1 : Math.max(1, Math.min(4, os.availableParallelism()))) : 0);
    // Many small ranges (a fragmented disk): requests are latency-bound and use little memory, so
    // more of them in flight pays off.
    const smallRanges = chunks.length >= 2 * concurrency && fetchBytes / chunks.length < Math.min(SMALL_RANGE, chunkSize / 4);
    const connections = smallRanges ? Math.min(MAX_CONNECTIONS, concurrency * 4) : concurrency;
    if (connections > concurrency) s.log(`${chunks.length} ranges averaging ${Math.round(fetchBytes / chunks.length / 1024)} KiB: ${connections} connections`);
    // Direct: a chunk per connection, plus a quarter more so a connection can start its next request
    // while its last chunk is still being written and hashed (writes are quick; more slots only
    // meant more fresh memory to fault in, and measured slower).
    const slots = direct ? Math.ceil(connections * 1.25) : connections;
    const pool = direct || (wantMd5 && md5Threads > 0)
        ? new BytePool(chunkSize, Math.max(chunkSize, Math.min(MEMORY_BUDGET, slots * chunkSize)))
        : undefined;
    const md5 = pool && wantMd5 && chunks.length ? new Md5Pool(md5Threads) : undefined;
    return { direct, connections, pool, md5 };
}
