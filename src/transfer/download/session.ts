/**
 * What every request of one download shares: the abort that stops them all, the current SAS URL
 * and its re-grants, and retries with backoff.
 */
import { setMaxListeners } from 'node:events';
import { HttpStatusError } from '../../blob/http';
import { backoffDelay, classify } from '../../blob/retry';
import { TransferError, type DownloadOptions } from '../core/types';
import { assertSecureUrl, redactUrl, scrubSecrets } from '../../blob/url';
import { sdkToHttp } from './errors';
import { MAX_CONNECTIONS, type Settings } from './settings';

export class Session {
    /** Internal abort: the user's signal, or the first fatal error, stops every request at once. */
    private readonly stop = new AbortController();
    readonly signal = this.stop.signal;
    /** The first error that stopped the download. */
    fatal: Error | undefined;
    /** The SAS URL requests use now (a re-grant replaces it). */
    url: string;
    retries = 0;
    regrants = 0;
    private regrantsWithoutProgress = 0;
    private refreshing: Promise<void> | undefined;
    private readonly onUserAbort = () => this.stop.abort();

    constructor(private readonly opts: DownloadOptions, private readonly settings: Settings) {
        this.url = opts.url;
        setMaxListeners(4 * MAX_CONNECTIONS + 16, this.signal); // one listener per in-flight request and wait
        opts.signal?.addEventListener('abort', this.onUserAbort);
    }

    readonly log = (m: string): void => this.opts.log?.(scrubSecrets(m));

    get userAborted(): boolean {
        return this.opts.signal?.aborted === true;
    }

    cancelled(): TransferError {
        return new TransferError('Cancelled', 'Download cancelled; the partial file is kept and the download can resume.');
    }

    /** The first fatal error stops every other request (a user's cancel is not an error). */
    fail(e: Error): void {
        if (!this.fatal && !this.userAborted) {
            this.fatal = e;
            this.stop.abort();
        }
    }

    /** A chunk landed: the re-grant budget starts over. */
    progressed(): void {
        this.regrantsWithoutProgress = 0;
    }

    close(): void {
        this.opts.signal?.removeEventListener('abort', this.onUserAbort);
        this.stop.abort();
    }

    /** Runs fn(url) with retries, backoff and SAS re-grant; throws TransferError when hopeless. */
    async withRetry<T>(what: string, fn: (u: string) => Promise<T>): Promise<T> {
        const { maxAttempts, backoff } = this.settings;
        for (let attempt = 0; ; attempt++) {
            if (this.signal.aborted) throw this.fatal ?? this.cancelled();
            if (this.refreshing) await this.refreshing.catch(() => undefined);
            const used = this.url;
            try {
                return await fn(used);
            } catch (e) {
                if (this.signal.aborted) throw this.fatal ?? this.cancelled();
                const v = classify(sdkToHttp(e), used);
                if (v.kind === 'fatal') throw v.error;
                if (v.kind === 'regrant') {
                    try {
                        await this.regrant(used);
                    } catch (re) {
                        throw re instanceof TransferError ? re : new TransferError('SasExpired', 'Could not get a fresh access grant (SAS).');
                    }
                    attempt--;
                    continue;
                }
                if (attempt + 1 >= maxAttempts) {
                    throw new TransferError(e instanceof HttpStatusError ? 'Server' : 'Network', scrubSecrets(`${what} failed after ${maxAttempts} attempts: ${(e as Error).message}`));
                }
                this.retries++;
                const delay = backoffDelay(attempt, backoff, v.delayMs);
                this.log(`${what}: ${scrubSecrets((e as Error).message)}; retrying in ${Math.round(delay)} ms`);
                await this.sleep(delay);
            }
        }
    }

    private async regrant(usedUrl: string): Promise<void> {
        if (usedUrl !== this.url) return; // someone else already re-granted
        const { refreshUrl } = this.opts;
        const { maxRegrants } = this.settings;
        if (!refreshUrl) throw new TransferError('SasExpired', 'The access grant (SAS) expired; grant access again to continue. The partial file is kept.');
        if (this.regrantsWithoutProgress >= maxRegrants) throw new TransferError('SasExpired', `The storage service kept refusing fresh access grants (${maxRegrants} in a row).`);
        this.refreshing ??= (async () => {
            try {
                this.log(`access grant expired for ${redactUrl(this.url)}; asking for a fresh one`);
                const next = await refreshUrl();
                assertSecureUrl(next);
                this.url = next;
                this.regrants++;
                this.regrantsWithoutProgress++;
            } finally {
                this.refreshing = undefined;
            }
        })();
        await this.refreshing;
    }

    /** Waits ms, or less when the download stops. */
    private sleep(ms: number): Promise<void> {
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
