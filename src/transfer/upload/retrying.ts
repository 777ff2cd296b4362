/**
 * The download side's retry rules for upload requests: backoff with jitter, Retry-After, no retry
 * of 4xx but 408/429, a fresh SAS when the grant expired. One per upload; it holds the current URL.
 */
import { HttpStatusError } from '../../blob/http';
import { backoffDelay, classify, type BackoffOptions } from '../../blob/retry';
import { TransferError } from '../core/types';
import { assertSecureUrl, redactUrl, scrubSecrets } from '../../blob/url';

export interface RetrierOptions {
    maxAttempts: number;
    backoff: BackoffOptions;
    /** Re-grants in a row without progress before giving up (default 3). */
    maxRegrants?: number;
    refreshUrl?: () => Promise<string>;
    log: (m: string) => void;
    /** The error to throw once `signal` aborted (the first fatal error, or a cancellation). */
    stopped: () => Error;
}

export class Retrier {
    retries = 0;
    regrants = 0;
    private regrantsWithoutProgress = 0;
    private refreshing: Promise<void> | undefined;

    constructor(public url: string, private readonly signal: AbortSignal, private readonly o: RetrierOptions) {}

    /** A request succeeded after a re-grant: the fresh SAS works. */
    progressed(): void {
        this.regrantsWithoutProgress = 0;
    }

    private sleep(ms: number): Promise<void> {
        return new Promise<void>((resolve) => {
            const done = () => {
                clearTimeout(timer);
                this.signal.removeEventListener('abort', done);
                resolve();
            };
            const timer = setTimeout(done, ms);
            this.signal.addEventListener('abort', done, { once: true });
        });
    }

    private async regrant(used: string): Promise<void> {
        if (used !== this.url) return; // another request already re-granted
        if (!this.o.refreshUrl) throw new TransferError('SasExpired', 'The access grant (SAS) expired; grant write access again to continue.');
        if (this.regrantsWithoutProgress >= (this.o.maxRegrants ?? 3)) throw new TransferError('SasExpired', 'The storage service kept refusing fresh access grants.');
        const refresh = this.o.refreshUrl;
        this.refreshing ??= (async () => {
            try {
                this.o.log(`access grant expired for ${redactUrl(this.url)}; asking for a fresh one`);
                const next = await refresh();
                assertSecureUrl(next);
                this.url = next;
                this.regrants++;
                this.regrantsWithoutProgress++;
            } catch (e) {
                throw e instanceof TransferError ? e : new TransferError('SasExpired', 'Could not get a fresh access grant (SAS).');
            } finally {
                this.refreshing = undefined;
            }
        })();
        await this.refreshing;
    }

    /** Runs fn(url) until it succeeds or the failure is hopeless (then a TransferError). */
    async run<T>(what: string, fn: (url: string) => Promise<T>): Promise<T> {
        for (let attempt = 0; ; attempt++) {
            if (this.signal.aborted) throw this.o.stopped();
            if (this.refreshing) await this.refreshing.catch(() => undefined);
            const used = this.url;
            try {
                return await fn(used);
            } catch (e) {
                if (this.signal.aborted) throw this.o.stopped();
                const v = classify(e, used);
                if (v.kind === 'fatal') throw v.error;
                if (v.kind === 'regrant') {
                    await this.regrant(used);
                    attempt--;
                    continue;
                }
                if (attempt + 1 >= this.o.maxAttempts) {
                    throw new TransferError(e instanceof HttpStatusError ? 'Server' : 'Network', scrubSecrets(`${what} failed after ${this.o.maxAttempts} attempts: ${(e as Error).message}`));
                }
                this.retries++;
                const delay = backoffDelay(attempt, this.o.backoff, v.delayMs);
                this.o.log(`${what}: ${scrubSecrets((e as Error).message)}; retrying in ${Math.round(delay)} ms`);
                await this.sleep(delay);
            }
        }
    }
}
