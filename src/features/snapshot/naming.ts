/** Snapshot names and kinds: pure rules, no vscode import. */

/** `web-os-01-snap-20261201-2206`: the source's name and the UTC minute, cut to Azure's 80 characters. */
export function suggestSnapshotName(source: string, purpose: 'snap' | 'export', now = new Date()): string {
    const p = (n: number) => String(n).padStart(2, '0');
    const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}`;
    const suffix = `-${purpose}-${stamp}`;
    const clean = (t: string) => t.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9_]+$/, '');
    return (clean(clean(source).slice(0, 80 - suffix.length)) || 'disk') + suffix;
}

/** True when Azure has all of the snapshot's data (a plain Copy is readable at once; CopyStart counts up to 100). */
export function snapshotReadable(s: { completionPercent?: number; diskState?: string }): boolean {
    return s.completionPercent === undefined || s.completionPercent >= 100;
}
