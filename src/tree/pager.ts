/** Pulls an async iterable one page at a time for the tree. No vscode import. */
export class Pager<T> {
    readonly items: T[] = [];
    error: unknown;
    private iterator?: AsyncIterator<T>;
    private finished = false;
    private loading?: Promise<void>;
    private abort = new AbortController();

    constructor(
        private readonly source: (signal: AbortSignal) => AsyncIterable<T>,
        private readonly pageSize: number,
    ) {}

    get started(): boolean {
        return !!this.iterator || this.finished || this.error !== undefined;
    }

    /** True when every item has been read. */
    get done(): boolean {
        return this.finished;
    }

    /** Reads up to one more page; concurrent calls share the same read. A failure is kept in `error`. */
    next(): Promise<void> {
        if (this.finished || this.error !== undefined) return this.loading ?? Promise.resolve();
        this.loading ??= this.read().finally(() => (this.loading = undefined));
        return this.loading;
    }

    /** Settles when a read in progress does. */
    idle(): Promise<void> {
        return this.loading ?? Promise.resolve();
    }

    /** Forgets everything and stops a read in progress; the next `next()` starts over. */
    reset(): void {
        this.abort.abort();
        this.abort = new AbortController();
        this.items.length = 0;
        this.iterator = undefined;
        this.finished = false;
        this.error = undefined;
        this.loading = undefined;
    }

    private async read(): Promise<void> {
        const signal = this.abort.signal;
        const page: T[] = [];
        try {
            this.iterator ??= this.source(signal)[Symbol.asyncIterator]();
            while (page.length < this.pageSize) {
                const r = await this.iterator.next();
                if (signal.aborted) return;
                if (r.done) {
                    this.finished = true;
                    break;
                }
                page.push(r.value);
            }
        } catch (e) {
            if (signal.aborted) return;
            this.error = e ?? new Error('Loading failed.');
        }
        if (!signal.aborted) this.items.push(...page);
    }
}
