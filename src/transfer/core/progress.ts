/** Progress with throughput and ETA, delivered at most every `intervalMs`. */
import type { TransferProgress } from './types';

export class ProgressMeter {
    private done: number;
    private readonly samples: { t: number; bytes: number }[] = [];
    private timer: NodeJS.Timeout | undefined;
    private lastEmitted = -1;

    constructor(
        private readonly bytesPlanned: number,
        private readonly totalSize: number,
        resumed: number,
        private readonly cb: ((p: TransferProgress) => void) | undefined,
        intervalMs: number,
    ) {
        this.done = resumed;
        this.samples.push({ t: Date.now(), bytes: resumed });
        if (cb) {
            this.timer = setInterval(() => this.emit(), intervalMs);
            this.timer.unref();
            this.emit();
        }
    }

    add(n: number): void {
        this.done += n;
    }

    snapshot(now = Date.now()): TransferProgress {
        this.samples.push({ t: now, bytes: this.done });
        // Throughput over the last ~5 s so a stall shows quickly but one burst does not.
        while (this.samples.length > 2 && now - this.samples[1].t > 5000) this.samples.shift();
        const first = this.samples[0];
        const dt = (now - first.t) / 1000;
        const bytesPerSecond = dt > 0 ? (this.done - first.bytes) / dt : 0;
        const left = this.bytesPlanned - this.done;
        return {
            bytesDone: this.done,
            bytesPlanned: this.bytesPlanned,
            totalSize: this.totalSize,
            bytesPerSecond,
            etaSeconds: bytesPerSecond > 0 ? left / bytesPerSecond : left === 0 ? 0 : undefined,
        };
    }

    emit(): void {
        if (!this.cb) return;
        const p = this.snapshot();
        if (p.bytesDone === this.lastEmitted && p.bytesDone !== this.bytesPlanned) return;
        this.lastEmitted = p.bytesDone;
        try {
            this.cb(p);
        } catch {
            // A failing progress listener must not break the download.
        }
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
    }
}
