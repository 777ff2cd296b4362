/**
 * One session per blob a transfer touches: the abort that stops every request at once, the
 * current SAS URL and its re-grants, retries with backoff and Retry-After. Download, upload, copy
 * and the plans built on them all run their requests through it, so a rule fixed here holds for
 * every one of them.
 */
import { setMaxListeners } from 'node:events';
import { HttpStatusError, TransferError } from './errors';
import { backoffDelay, classify, type BackoffOptions } from './retry';
import { assertSecureUrl, redactUrl, scrubSecrets } from './url';

/** Requests in flight at most per session (each waits on the session's signal). */
export const MAX_CONNECTIONS = 64;

export interface SessionOptions {
    /** The SAS URL to start with (a secret: never logged). */
    url: string;
    /** Resolves to a fresh SAS URL for the same blob when the grant expired or was revoked; reject to stop. */
    refreshUrl?: () => Promise<string>;
    /** The caller's cancel. */
    signal?: AbortSignal;
    /** Attempts per request before giving up (default 8). */
    maxAttempts?: number;
    /** Backoff base and cap (defaults 500 ms, 30 s); Retry-After is honoured on top. */
    backoff?: BackoffOptions;
    /** Re-grants in a row without progress before giving up (default 3). */
    maxRegrants?: number;
    log?: (message: string) => void;
    /** What a cancel says, e.g. that the partial file is kept. */
    cancelledMessage?: string;
    /** What the SAS is for, in messages: "the source", "the target". */
    role?: string;
}

export class BlobSession {
    /** Internal abort: the user's signal, or the first fatal error, stops every request at once. */
    private readonly stop = new AbortController();
    readonly signal = this.stop.signal;
    /** The first error that stopped the transfer. */
    fatal: Error | undefined;
    /** The SAS URL requests use now (a re-grant replaces it). */
    url: string;
    retries = 0;
    regrants = 0;
    private regrantsWithoutProgress = 0;
    private refreshing: Promise<void> | undefined;
    private readonly maxAttempts: number;
    private readonly backoff: BackoffOptions;
    private readonly onUserAbort = () => this.stop.abort();

    constructor(private readonly opts: SessionOptions) {
        assertSecureUrl(opts.url);
        this.url = opts.url;
        this.maxAttempts = opts.maxAttempts ?? 8;
        this.backoff = opts.backoff ?? { baseDelayMs: 500, maxDelayMs: 30_000 };
        setMaxListeners(4 * MAX_CONNECTIONS + 16, this.signal); // one listener per in-flight request and wait
        opts.signal?.addEventListener('abort', this.onUserAbort);
        if (opts.signal?.aborted) this.stop.abort();
    }

    readonly log = (m: string): void => this.opts.log?.(scrubSecrets(m));

    get userAborted(): boolean {
        return this.opts.signal?.aborted === true;
    }

    cancelled(): TransferError {
        return new TransferError('Cancelled', this.opts.cancelledMessage ?? 'Cancelled.');
    }

    /** What stopped the session: the first fatal error, or the user's cancel. */
    stopped(): Error {
        return this.fatal ?? this.cancelled();
    }

    /** The first fatal error stops every other request (a user's cancel is not an error). */
    fail(e: Error): void {
        if (!this.fatal && !this.userAborted) {
            this.fatal = e;
            this.stop.abort();
        }
    }

    /** A request landed: the re-grant budget starts over. */
    progressed(): void {
        this.regrantsWithoutProgress = 0;
    }

    close(): void {
        this.opts.signal?.removeEventListener('abort', this.onUserAbort);
        this.stop.abort();
    }

    /**
     * Runs fn(url) with retries, backoff and SAS re-grant; throws a TransferError when hopeless.
     * Errors `passThrough` accepts reach the caller untouched and unretried (e.g. a service that
     * refuses a server-side copy, so the copy can stream instead).
     */
    async withRetry<T>(what: string, fn: (url: string) => Promise<T>, passThrough?: (e: unknown) => boolean): Promise<T> {
        for (let attempt = 0; ; attempt++) {
            if (this.signal.aborted) throw this.stopped();
            if (this.refreshing) await this.refreshing.catch(() => undefined);
            const used = this.url;
            try {
                return await fn(used);
            } catch (e) {
                if (this.signal.aborted) throw this.stopped();
                if (passThrough?.(e)) throw e;
                const v = classify(e, used);
                if (v.kind === 'fatal') throw v.error;
                if (v.kind === 'regrant') {
                    await this.regrant(used);
                    attempt--;
                    continue;
                }
                if (attempt + 1 >= this.maxAttempts) {
                    throw new TransferError(e instanceof HttpStatusError ? 'Server' : 'Network', scrubSecrets(`${what} failed after ${this.maxAttempts} attempts: ${(e as Error).message}`));
                }
                this.retries++;
                const delay = backoffDelay(attempt, this.backoff, v.delayMs);
                this.log(`${what}: ${scrubSecrets((e as Error).message)}; retrying in ${Math.round(delay)} ms`);
                await this.sleep(delay);
            }
        }
    }

    /**
     * A fresh SAS, once for every request that saw the old one expire. `usedUrl` is the URL the
     * failed request carried: when it is no longer current, someone else already re-granted.
     */
    async regrant(usedUrl: string): Promise<void> {
        if (usedUrl !== this.url) return;
        const { refreshUrl } = this.opts;
        const role = this.opts.role ? ` of ${this.opts.role}` : '';
        if (!refreshUrl) throw new TransferError('SasExpired', `The access grant (SAS)${role} expired; grant access again to continue.`);
        if (this.regrantsWithoutProgress >= (this.opts.maxRegrants ?? 3)) throw new TransferError('SasExpired', `The storage service kept refusing fresh access grants${role} (${this.opts.maxRegrants ?? 3} in a row).`);
        this.refreshing ??= (async () => {
            try {
                this.log(`access grant${role} expired for ${redactUrl(this.url)}; asking for a fresh one`);
                const next = await refreshUrl();
                assertSecureUrl(next);
                this.url = next;
                this.regrants++;
                this.regrantsWithoutProgress++;
            } catch (e) {
                throw e instanceof TransferError ? e : new TransferError('SasExpired', `Could not get a fresh access grant (SAS)${role}.`);
            } finally {
                this.refreshing = undefined;
            }
        })();
        await this.refreshing;
    }

    /** Waits ms, or less when the session stops. */
    sleep(ms: number): Promise<void> {
        return new Promise<void>((resolve) => {
            const signal = this.signal;
            const timer = setTimeout(done, ms);
            function done() {
                clearTimeout(timer);
                signal.removeEventListener('abort', done);
                resolve();
            }
            signal.addEventListener('abort', done, { once: true });
        });
    }
}
