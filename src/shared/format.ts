/** Human-readable sizes, rates and durations, used by the host's messages and by the page. No imports. */

export function formatBytes(n: number): string {
    if (!Number.isFinite(n) || n < 0) return '?';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    let v = n;
    while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
    }
    return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** A rate in the same binary units as formatBytes (KiB/s, MiB/s, GiB/s), so sizes and speeds read alike. */
export function formatRate(bytesPerSecond: number): string {
    if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '– MiB/s';
    const units = ['KiB/s', 'MiB/s', 'GiB/s'];
    let i = 0;
    let v = bytesPerSecond / 1024;
    while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
    }
    return `${v.toFixed(1)} ${units[i]}`;
}

/** "101 MiB written of 1.0 GiB": what a sparse transfer moves, against the disk's size. */
export function formatWrittenOf(done: number, toFetch: number, totalSize: number): string {
    const of = totalSize > 0 && totalSize !== toFetch ? ` written of ${formatBytes(totalSize)}` : '';
    return `${formatBytes(done)} of ${formatBytes(toFetch)}${of}`;
}

export function formatDuration(seconds: number | undefined): string {
    if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
    const s = Math.round(seconds);
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    if (d > 0) return `${d}d ${h}h`;
    if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
    if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
    return `${sec}s`;
}

/** A grant's lifetime in its largest whole unit ("1 hour", "90 minutes"), for labels and the log. */
export function formatLifetime(seconds: number): string {
    if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? '' : 's'}`;
    if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
    if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
    return `${seconds} second${seconds === 1 ? '' : 's'}`;
}
