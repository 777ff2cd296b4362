/**
 * The benchmark's tables: one per scenario (every peer, medians with min–max, CPU time, ratios
 * against ours with their targets), and a summary of every scenario in the form the README's
 * performance table takes, written to test-results/bench/performance-table.md ready to paste.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Measure } from './peers';

const MiB = 1024 * 1024;

export const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
export const range = (xs: number[], digits: number): string => (xs.length > 1 ? ` (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})` : '');
export const fmtS = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const fmtB = (b: number | undefined): string => (b === undefined ? '–' : b >= 1024 * MiB ? `${(b / 1024 / MiB).toFixed(2)} GiB` : `${(b / MiB).toFixed(0)} MiB`);
export const loadAverage = (): string => os.loadavg().map((x) => x.toFixed(2)).join(', ');

export interface PeerRow {
    peer: string;
    runs: Measure[];
    shaOk?: boolean;
}

export interface Target {
    peer: string;
    max: number;
}

/** Per-round ratios ours / peer (rounds where both ran and succeeded). */
export function ratiosOf(a: Measure[], b: Measure[], pick: (m: Measure) => number | undefined = (m) => m.wallMs): number[] {
    return a.map((m, i) => {
        const x = m.ok ? pick(m) : undefined, y = b[i]?.ok ? pick(b[i]) : undefined;
        return x !== undefined && y !== undefined && y > 0 ? x / y : NaN;
    }).filter(Number.isFinite);
}

const msCol = (xs: (number | undefined)[]): string => {
    const v = xs.filter((x): x is number => x !== undefined);
    return v.length ? `${fmtS(median(v))}${range(v.map((x) => x / 1000), 2)}` : '–';
};

/** One scenario's table. `ours`: the row ratios are taken against; `extra`: more columns per row. */
export function peerTable(rows: PeerRow[], ours: string, targets: Target[], extra: { head: string; cell: (r: PeerRow) => string }[] = []): string[] {
    const o = rows.find((r) => r.peer === ours)!;
    const out = [
        `| peer | median wall (min–max) | CPU time (min–max) | Azurite CPU | peak RSS | loopback bytes |${extra.map((e) => ` ${e.head} |`).join('')} ours / peer (min–max) | target |`,
        `|---|---|---|---|---|---|${extra.map(() => '---|').join('')}---|---|`,
    ];
    for (const row of rows) {
        const ok = row.runs.filter((m) => m.ok);
        const rs = row === o ? [] : ratiosOf(o.runs, row.runs);
        const ratio = median(rs);
        const target = targets.find((t) => t.peer === row.peer);
        const verdict = target && Number.isFinite(ratio) ? `≤ ${target.max} ${ratio <= target.max ? '✅' : '❌'}` : target ? `≤ ${target.max}` : '';
        const failed = row.runs.length - ok.length;
        const name = `${row.peer}${failed ? ` (${failed} failed: ${row.runs.find((m) => !m.ok)?.error ?? ''})` : ''}`;
        out.push(`| ${name} | ${msCol(ok.map((m) => m.wallMs))} | ${msCol(ok.map((m) => m.cpuMs))} | ${msCol(ok.map((m) => m.serverCpuMs))} | ${ok.length ? `${Math.max(...ok.map((m) => m.peakRssMiB ?? 0)).toFixed(0)} MiB` : '–'} | ${ok.length ? fmtB(median(ok.map((m) => m.loBytes))) : '–'} |${extra.map((e) => ` ${e.cell(row)} |`).join('')} ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}${range(rs, 2)}` : ''} | ${verdict} |`);
    }
    return out;
}

/** A further ratio between two peers, with its per-round min–max and target. */
export function ratioLine(a: PeerRow, b: PeerRow, why: string, max?: number): string | undefined {
    const rs = ratiosOf(a.runs, b.runs);
    if (!rs.length) return undefined;
    const v = median(rs);
    const cpu = ratiosOf(a.runs, b.runs, (m) => m.cpuMs);
    return `${a.peer} / ${b.peer}: ${v.toFixed(2)} ×${range(rs, 2)}${max !== undefined ? ` (target ≤ ${max} ${v <= max ? '✅' : '❌'})` : ''}${cpu.length ? `; CPU time ${median(cpu).toFixed(2)} ×${range(cpu, 2)}` : ''}: ${why}.`;
}

/** Rows of the summary table, one per scenario: ours against each targeted peer. */
export class Summary {
    private readonly lines: string[] = [];

    add(scenario: string, rounds: number, rows: PeerRow[], ours: string, targets: Target[], note = ''): void {
        const o = rows.find((r) => r.peer === ours);
        if (!o) return;
        const cells = targets.map((t) => {
            const p = rows.find((r) => r.peer === t.peer);
            const rs = p ? ratiosOf(o.runs, p.runs) : [];
            if (!rs.length) return `${t.peer}: –`;
            const v = median(rs);
            return `${v.toFixed(2)}${range(rs, 2)} × ${t.peer} ${v <= t.max ? '✅' : '❌'} (≤ ${t.max})`;
        });
        const ok = o.runs.filter((m) => m.ok);
        const rss = ok.length ? `${Math.max(...ok.map((m) => m.peakRssMiB ?? 0)).toFixed(0)} MiB` : '–';
        const cpu = ok.filter((m) => m.cpuMs !== undefined).map((m) => m.cpuMs!);
        this.lines.push(`| ${scenario}${note ? ` (${note})` : ''} | ${rounds} | ${ok.length ? `${fmtS(median(ok.map((m) => m.wallMs)))}${range(ok.map((m) => m.wallMs / 1000), 2)}` : '–'} | ${cpu.length ? `${fmtS(median(cpu))}${range(cpu.map((x) => x / 1000), 2)}` : '–'} | ${cells.join('; ')} | ${rss} |`);
    }

    /** A row that is not a wall-time ratio between peers (bytes, requests), its cells given whole. */
    row(scenario: string, rounds: number, wall: string, cpu: string, ratios: string, rss: string): void {
        this.lines.push(`| ${scenario} | ${rounds} | ${wall} | ${cpu} | ${ratios} | ${rss} |`);
    }

    /** Writes the table (with the run's date, mode and load) to test-results/bench/performance-table.md; returns its lines. */
    write(root: string, header: string): string[] {
        const text = [
            header,
            '',
            '| scenario | rounds | ours, median wall (min–max) | ours, CPU time | ours ÷ peer, median of per-round ratios (min–max) | peak RSS |',
            '|---|---|---|---|---|---|',
            ...this.lines,
        ];
        const dir = path.join(root, 'test-results', 'bench');
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'performance-table.md'), text.join('\n') + '\n');
        return text;
    }
}
