/**
 * The update rows of `npm run bench` (`--only update`): a 64 GiB disk (8 GiB with --quick) whose
 * older incremental snapshot has 11 % written and whose newer one differs in 1 % of the disk
 * (updateModel.ts), in Azurite behind the sandbox's storage proxy, which lists the pair's changes
 * from its change log as the service does (Get Page Ranges with prevsnapshoturl). Peers, the order
 * alternating each round:
 *   ours, update        update.js: a download of the older snapshot brought up to date in place
 *   ours, full          download.js: our sparse download of the newer snapshot
 *   AzCopy              azcopy copy <newer> /dev/null (its whole 64 GiB: no room on the disk for
 *                       the file; /dev/null spares it every disk write, which favours it)
 * The updated file's sha256 is checked against the newer snapshot's every round. Also the diff
 * listing alone on 20,000 changed ranges: requests and seconds per 10,000 ranges.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { FaultList, type StorageFault } from '../sandbox/faults';
import type { TrackedChange } from '../sandbox/snapshotDiff';
import { startStorageProxy } from '../sandbox/storageProxy';
import { sha256File } from './fixtures';
import { azcopyCmd, measure, oursCmd, type Measure, type PeerCommand } from './peers';
import { fmtB, fmtS, median, peerTable, range, type PeerRow, type Target } from './report';
import type { UploadBenchOptions } from './uploadBench';
import { fragmentedChanges, sasFor, seedPair, snapshotPair } from './updateModel';

const GiB = 1024 ** 3;
const CONCURRENCY = 8;
const FRAGMENTS = 20_000;
/** AzCopy reads all 64 GiB each time (minutes on Azurite): it runs in the first rounds only. */
const AZCOPY_ROUNDS = 1;
const UPDATE = 'ours, update';
const FULL = 'ours, full download';
const UPDATE_JS = path.resolve(__dirname, 'update.js');

export const UPDATE_ROWS = ['Update 64 GiB, 1 % changed', 'Update: diff listing, 20,000 changed ranges'];

interface Counted { requests: number; bytes: number }

export async function runUpdateBench(o: UploadBenchOptions): Promise<void> {
    if (o.only && !UPDATE_ROWS.some((n) => n.toLowerCase().includes(o.only!.toLowerCase()))) return;
    const t0 = Date.now();
    const virtual = (o.quick ? 8 : 64) * GiB;
    const name = o.quick ? 'Update 8 GiB, 1 % changed' : UPDATE_ROWS[0];
    const pair = snapshotPair(virtual, 0.11, 0.01);
    const frag = fragmentedChanges(virtual, FRAGMENTS);
    const tracked: Record<string, readonly TrackedChange[]> = { 'update-bench/newer|update-bench/older': pair.tracked, 'update-bench/frag-new|update-bench/frag-old': frag };
    const az = await o.azurite();
    const proxy = await startStorageProxy(az.port, new FaultList<StorageFault>(() => undefined), () => false, { ownerOf: () => undefined, trackedChanges: (n, p) => tracked[`${n}|${p}`] });
    const dir = path.join(o.work, 'update');
    fs.mkdirSync(dir, { recursive: true });
    try {
        const cred = new StorageSharedKeyCredential(az.accountName, az.accountKey);
        const container = new BlobServiceClient(az.endpoint, cred).getContainerClient('update-bench');
        await container.createIfNotExists();
        let t = Date.now();
        const how = await seedPair(container, cred, pair);
        for (const b of ['frag-new', 'frag-old']) await container.getPageBlobClient(b).create(pair.older.size);
        console.log(`update: seeded the pair (${fmtB(pair.older.writtenBytes)} written, newer by ${how}) in ${fmtS(Date.now() - t)}`);
        t = Date.now();
        const newerSha = pair.newer.sha256();
        console.log(`update: the newer snapshot's sha256 from the model in ${fmtS(Date.now() - t)}`);
        const older = sasFor(container, cred, 'older', proxy.port), newer = sasFor(container, cred, 'newer', proxy.port);

        // The earlier download: ours, of the older snapshot, untimed; each later round first puts back what the update changed.
        const file = path.join(dir, 'earlier.vhd');
        const base = await measure(oursCmd(older, file, CONCURRENCY), 30 * 60_000);
        if (!base.ok) throw new Error(`the download of the older snapshot failed: ${base.error}`);
        const fullOut = path.join(dir, 'full.vhd');
        const peers: { name: string; cmd: () => PeerCommand }[] = [
            { name: UPDATE, cmd: () => ({ peer: UPDATE, argv: [process.execPath, UPDATE_JS, older, newer, file, '--concurrency', String(CONCURRENCY)] }) },
            { name: FULL, cmd: () => ({ ...oursCmd(newer, fullOut, CONCURRENCY), peer: FULL }) },
        ];
        // Never `out: '/dev/null'`: measure() deletes its output before each run.
        if (o.haveAzcopy) peers.push({ name: 'AzCopy', cmd: () => ({ ...azcopyCmd(newer, '/dev/null', dir), out: undefined }) });
        const rows: PeerRow[] = peers.map((p) => ({ peer: p.name, runs: [] }));
        const counts = new Map<string, Counted[]>(peers.map((p) => [p.name, []]));
        const checkMs: number[] = [];
        for (let r = 0; r < o.rounds; r++) {
            if (r > 0) restore(file, pair);
            const order = (r % 2 ? [...peers].reverse() : peers).filter((p) => p.name !== 'AzCopy' || r < AZCOPY_ROUNDS);
            for (const p of order) {
                proxy.log.clear();
                const m = await measure(p.cmd(), 30 * 60_000, az.pid);
                const snap = proxy.log.snapshot();
                counts.get(p.name)!.push({ requests: snap.total, bytes: snap.bytes });
                if (m.ok && p.name === UPDATE) {
                    const c = Date.now();
                    const got = await sha256File(file);
                    checkMs.push(Date.now() - c);
                    if (got !== newerSha) Object.assign(m, { ok: false, error: `the updated file's sha256 ${got.slice(0, 12)}… is not the newer snapshot's ${newerSha.slice(0, 12)}…` });
                    const res = resultOf(m);
                    if (m.ok && (!res?.checks?.length || res.checks.some((x) => !x.passed))) Object.assign(m, { ok: false, error: 'the update reported a failed check' });
                }
                if (m.ok && p.name === FULL && r === 0) rows[1].shaOk = (await sha256File(fullOut)) === newerSha;
                if (p.name === FULL) fs.rmSync(fullOut, { force: true });
                rows.find((x) => x.peer === p.name)!.runs.push(m);
                console.log(`  update round ${r + 1} ${p.name.padEnd(20)} ${fmtS(m.wallMs).padStart(9)}  cpu ${m.cpuMs !== undefined ? fmtS(m.cpuMs) : '?'}  rss ${m.peakRssMiB?.toFixed(0) ?? '?'} MiB  ${snap.total} requests  ${fmtB(snap.bytes)} served${m.ok ? '' : `  FAILED ${m.error ?? ''}`}`);
            }
        }

        // The listing alone, on a heavily fragmented change set.
        const listing: { m: Measure; requests: number; listMs?: number; ranges?: number }[] = [];
        const fragNew = sasFor(container, cred, 'frag-new', proxy.port), fragOld = sasFor(container, cred, 'frag-old', proxy.port);
        for (let r = 0; r < o.rounds; r++) {
            proxy.log.clear();
            const m = await measure({ peer: 'listing', argv: [process.execPath, UPDATE_JS, fragOld, fragNew, '--list-only'] }, 10 * 60_000, az.pid);
            const res = resultOf(m) as { rangesUpdated?: number; rangesCleared?: number; listMs?: number } | undefined;
            const ranges = (res?.rangesUpdated ?? 0) + (res?.rangesCleared ?? 0);
            if (m.ok && ranges !== FRAGMENTS) Object.assign(m, { ok: false, error: `listed ${ranges} ranges of ${FRAGMENTS}` });
            listing.push({ m, requests: proxy.log.snapshot().total, listMs: res?.listMs, ranges });
            console.log(`  listing round ${r + 1}: ${ranges} ranges, ${listing[r].requests} requests, ${res?.listMs !== undefined ? fmtS(res.listMs) : '?'}${m.ok ? '' : `  FAILED ${m.error ?? ''}`}`);
        }
        report(o, name, pair, how, rows, counts, checkMs, listing, Date.now() - t0);
    } finally {
        await proxy.stop();
        await az.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function resultOf(m: Measure): { checks?: { name: string; passed: boolean }[]; bytesFetched?: number } & Record<string, unknown> | undefined {
    try {
        return JSON.parse(m.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    } catch {
        return undefined;
    }
}

/** Puts the older snapshot's bytes back where the update changed the file: its data, or a hole where it had none. */
function restore(file: string, pair: ReturnType<typeof snapshotPair>): void {
    // A failed round's journal would make the next update resume instead of starting over.
    fs.rmSync(`${file}.update.journal`, { force: true });
    const fd = fs.openSync(file, 'r+');
    try {
        for (const c of pair.changes) {
            if (c.kind === 'new') continue;
            const data = Buffer.concat(pair.older.slices(c.start, c.end));
            fs.writeSync(fd, data, 0, data.length, c.start);
        }
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
    for (const c of pair.changes.filter((x) => x.kind === 'new')) execFileSync('fallocate', ['--punch-hole', '--offset', String(c.start), '--length', String(c.end - c.start), file]);
}

function report(o: UploadBenchOptions, name: string, pair: ReturnType<typeof snapshotPair>, how: string, rows: PeerRow[], counts: Map<string, Counted[]>, checkMs: number[],
    listing: { m: Measure; requests: number; listMs?: number; ranges?: number }[], totalMs: number): void {
    const kinds = (k: string) => pair.changes.filter((c) => c.kind === k);
    const kindCell = (k: string, what: string) => `${fmtB(kinds(k).reduce((n, c) => n + c.end - c.start, 0))} ${what} (${kinds(k).length} ranges)`;
    const azRow = rows.find((x) => x.peer === 'AzCopy');
    const azNote = !azRow ? 'AzCopy is not installed (test/tools/setup.sh)' : azRow.runs.every((m) => !m.ok) ? `AzCopy failed: ${azRow.runs[0]?.error ?? '?'}` : '';
    o.log('');
    o.log(`## ${name}`);
    o.log('');
    o.log(`${fmtB(pair.older.size)} disk: the older snapshot has ${fmtB(pair.older.writtenBytes)} written in ${pair.older.ranges.length} ranges; in the newer, ${kindCell('new', 'new data in holes')}, ${kindCell('overwritten', 'overwritten with other bytes')}, ${kindCell('same', 'rewritten with the same bytes')} and ${kindCell('cleared', 'cleared')}: ${fmtB(pair.updatedBytes)} listed as updated (the service lists a rewrite with the same bytes too), ${fmtB(pair.clearedBytes)} as cleared. In Azurite behind the sandbox's storage proxy, which answers Get Page Ranges with prevsnapshoturl from the pair's change log, as the service does (the newer blob: ${how === 'copy' ? 'a Copy Blob of the older plus the changes' : 'written whole'}). "${UPDATE}" brings a download of the older snapshot up to date in place (the changed ranges are put back between rounds); its sha256 is checked against the newer snapshot's every round (${checkMs.length ? `${fmtS(median(checkMs))} a check, outside the timing` : 'no successful round'}). "${FULL}" is our sparse download of the newer snapshot. AzCopy downloads the whole disk to /dev/null (it runs in the first ${AZCOPY_ROUNDS} round${AZCOPY_ROUNDS > 1 ? 's' : ''} only; /dev/null because the disk has no room for a second 64 GiB file, and it favours AzCopy: no disk writes at all). ${CONCURRENCY} connections for ours; ${o.rounds} rounds, the order alternating.${azNote ? ` ${azNote}.` : ''}`);
    o.log('');
    const targets: Target[] = [{ peer: FULL, max: 0.1 }, { peer: 'AzCopy', max: 0.02 }];
    const reqCell = (row: PeerRow) => {
        const c = counts.get(row.peer) ?? [];
        return c.length ? `${Math.round(median(c.map((x) => x.requests)))} / ${fmtB(median(c.map((x) => x.bytes)))}` : '–';
    };
    for (const line of peerTable(rows, UPDATE, targets, [{ head: 'requests / bytes served', cell: reqCell }, { head: 'sha256', cell: (r) => (r.peer === UPDATE ? (r.runs.length && r.runs.every((m) => m.ok) ? 'match, every round' : 'see failures') : r.shaOk === undefined ? '–' : r.shaOk ? 'match' : 'MISMATCH') }])) o.log(line);
    const fetched = (counts.get(UPDATE) ?? []).filter((_, i) => rows[0].runs[i]?.ok).map((c) => c.bytes / pair.updatedBytes);
    const fetchedCell = fetched.length ? `${median(fetched).toFixed(3)}${range(fetched, 3)} × the changed bytes ${median(fetched) <= 1.05 ? '✅' : '❌'} (≤ 1.05)` : '–';
    o.log('');
    o.log(`- Bytes served to the update ÷ bytes listed as updated: ${fetchedCell} (every response body, the listing and the read-back check included).`);
    const per10k = listing.filter((l) => l.m.ok && l.listMs !== undefined);
    const reqs = per10k.map((l) => (l.requests * 10_000) / FRAGMENTS), secs = per10k.map((l) => (l.listMs! / 1000) * (10_000 / FRAGMENTS));
    const listCell = per10k.length ? `${median(reqs).toFixed(1)} requests and ${median(secs).toFixed(3)} s${range(secs, 3)} per 10,000 ranges` : `failed: ${listing[0]?.m.error ?? '?'}`;
    o.log(`- The diff listing alone, ${FRAGMENTS.toLocaleString('en')} changed ranges of 4 KiB (updated and cleared) spread over the disk: ${listCell} (the service returns at most 10,000 a page; requests counted by the proxy: the newer snapshot's HEAD and the listing's pages; time inside the process, around the listing alone).`);
    o.log(`- These rows took ${fmtS(totalMs)} in all (seeding, the model's sha256, the checks included).`);
    o.summary.add(name, o.rounds, rows, UPDATE, targets, azNote ? 'AzCopy failed, see its section' : AZCOPY_ROUNDS < o.rounds ? `AzCopy to /dev/null, ${AZCOPY_ROUNDS} round` : 'AzCopy to /dev/null');
    const rss = rows[0].runs.filter((m) => m.ok).map((m) => m.peakRssMiB ?? 0);
    o.summary.row(`${name}: bytes fetched ÷ changed`, o.rounds, '–', '–', fetchedCell, rss.length ? `${Math.max(...rss).toFixed(0)} MiB` : '–');
    const listWall = per10k.map((l) => l.listMs!);
    o.summary.row(UPDATE_ROWS[1], o.rounds, listWall.length ? `${fmtS(median(listWall))}${range(listWall.map((x) => x / 1000), 2)}` : '–', '–', listCell, '–');
}
