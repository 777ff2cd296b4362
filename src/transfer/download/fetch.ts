/**
 * One attempt at one chunk, over a direct socket or node:http: the body is written where it
 * belongs and checked against its Content-MD5 before the chunk counts as fetched.
 */
import * as crypto from 'node:crypto';
import type { Slot } from '../core/buffers';
import { neverConnected, type DirectRanges } from '../../blob/direct';
import { ChunkWriter } from '../core/file';
import { Md5MismatchError, type BlobEndpoint, type RangeBody } from '../../blob/http';
import type { Md5Pool } from '../core/md5';
import type { Chunk } from '../../blob/ranges';
import { TransferError } from '../core/types';
import type { Md5Sampler } from './settings';

export interface Fetched {
    length: number;
    md5Checked: boolean;
    /** The chunk's last writes, still running when the body has arrived. */
    written: Promise<void>;
}

export interface FetcherDeps {
    signal: AbortSignal;
    http: BlobEndpoint;
    direct: DirectRanges | undefined;
    md5: Md5Pool | undefined;
    /** Which chunks ask for their Content-MD5. */
    sampler: Md5Sampler;
    /** The ETag every body must carry (undefined: not checked). */
    etag: string | undefined;
    /** Writes the written parts of a body at its offset. */
    write: (bufs: Buffer[], at: number, n: number) => Promise<void>;
    /** Turns a write error into the error the download reports. */
    writeError: (e: unknown) => Error;
    log: (m: string) => void;
    /** A request of `bytes` took `ms` from sending it to its last byte (feeds the gap tuner). */
    timed?: (bytes: number, ms: number) => void;
}

export class ChunkFetcher {
    /** Direct sockets, until they fail in a way that means: use node:http from now on. */
    private direct: DirectRanges | undefined;
    private directWorked = false;

    constructor(private readonly d: FetcherDeps) {
        this.direct = d.direct;
    }

    /** How the bodies travel now. */
    get transport(): 'direct' | 'node' {
        return this.direct ? 'direct' : 'node';
    }

    destroy(): void {
        this.direct?.destroy();
    }

    /** One attempt at a chunk; direct connections failing outright before any worked (refused, TLS, protocol) switch to node:http. */
    async fetch(u: string, c: Chunk, slot: Slot | undefined): Promise<Fetched> {
        const d = this.direct;
        if (!d || !slot) return this.overNode(u, c, slot);
        try {
            const r = await this.overDirect(d, u, c, slot);
            this.directWorked = true;
            return r;
        } catch (e) {
            if (this.d.signal.aborted) throw e;
            if (this.direct === d) {
                const code = (e as { code?: string })?.code;
                // A protocol this client does not speak, or first connections that could not be made.
                const broken = code === 'EDIRECT' || (!this.directWorked && neverConnected(e));
                if (!broken) throw e;
                this.d.log(`direct connection to the storage host failed (${code ?? (e as Error).name}); using node:http`);
                this.direct = undefined;
                d.destroy();
            }
            // Direct sockets were given up (here, or by another request that failed the same way).
            return this.overNode(u, c, slot);
        }
    }

    private mismatch(c: Chunk): Md5MismatchError {
        this.d.sampler.mismatched();
        return new Md5MismatchError(`Content-MD5 mismatch for bytes ${c.start}-${c.end - 1}`);
    }

    private checkEtag(b: RangeBody): void {
        if (this.d.etag && b.etag && b.etag !== this.d.etag) {
            throw new TransferError('BlobChanged', 'The blob changed during the download (its ETag differs).');
        }
    }

    /**
     * Over node:http. Resolves once the body arrived and matched its Content-MD5; the last writes
     * may still be running (`written`), so the connection can already carry the next request. A
     * failed attempt waits for its own writes before the retry writes the same bytes.
     */
    private async overNode(u: string, c: Chunk, slot: Slot | undefined): Promise<Fetched> {
        const { http, md5, write, writeError, signal } = this.d;
        const ask = this.d.sampler.asks(c);
        const hash = ask && !slot ? crypto.createHash('md5') : undefined;
        const out = new ChunkWriter(c.start, write);
        try {
            const t0 = performance.now();
            const b = await http.get(u, c.start, c.end, ask, (piece, at) => {
                hash?.update(piece);
                if (slot) piece.copy(slot.buf, at);
                return out.push(piece);
            }, signal);
            this.d.timed?.(b.length, performance.now() - t0);
            this.checkEtag(b);
            // A mismatch re-fetches and overwrites; the chunk is journaled only once it matched.
            let sum: string | undefined;
            if (b.md5 && hash) sum = hash.digest('base64');
            else if (b.md5 && slot && md5) sum = await md5.hash(slot.sab, 0, b.length);
            if (sum !== undefined && sum !== b.md5) throw this.mismatch(c);
            const written = out.end().catch((e: unknown) => { throw writeError(e); });
            written.catch(() => undefined); // awaited by the worker; never unhandled
            return { length: b.length, md5Checked: sum !== undefined, written };
        } catch (e) {
            await out.settled(); // no write of this attempt may land after the next attempt's
            throw out.error !== undefined ? writeError(out.error) : e;
        }
    }

    /** Over a direct connection: the body lands whole in the slot, then is written and hashed at once. */
    private async overDirect(d: DirectRanges, u: string, c: Chunk, slot: Slot): Promise<Fetched> {
        const { md5, write, writeError, signal } = this.d;
        const n = c.end - c.start;
        const t0 = performance.now();
        const b = await d.getInto(u, c.start, c.end, this.d.sampler.asks(c), slot.buf, signal);
        this.d.timed?.(n, performance.now() - t0);
        this.checkEtag(b);
        const written = write([slot.buf], c.start, n).catch((e: unknown) => { throw writeError(e); });
        written.catch(() => undefined); // awaited by the worker; never unhandled
        let sum: string | undefined;
        try {
            if (b.md5 && md5) sum = await md5.hash(slot.sab, 0, n);
        } catch (e) {
            await written.catch(() => undefined);
            throw e;
        }
        if (sum !== undefined && sum !== b.md5) {
            await written.catch(() => undefined); // the re-fetch fills the same slot
            throw this.mismatch(c);
        }
        return { length: n, md5Checked: sum !== undefined, written };
    }
}
