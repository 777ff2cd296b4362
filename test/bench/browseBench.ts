/**
 * The browse rows of `npm run bench` (`--only browse`): reading inside a disk straight through its
 * SAS, as Browse Contents does, on three disks made by the real tools (browseImages.ts) and seeded
 * into Azurite with only their written pages. Every row counts the device's requests and bytes
 * fetched (HEAD and page lists included), not only time:
 *   root       open the disk + list a volume's root, per volume (target ≤ 60 requests, ≤ 8 MiB)
 *   1 MiB      a 1 MiB file read whole: fetched beyond resolving it (target ≤ 1.5 MiB)
 *   folders    a 5,000-entry folder against a 50-entry one, NTFS and XFS (target: requests ≤
 *              2 × the 50-entry folder's + the 5,000-entry folder's index or directory blocks)
 *   save       saveTo of a 200 MiB folder against curl of exactly its data ranges on one
 *              connection, as saveTo reads one piece at a time (target ≤ 1.3 ×), and against
 *              our sparse download of the whole disk
 *   long haul  the root listings over the range server's link model (30 ms, 50 MiB/s) against
 *              our sparse download and AzCopy's download of the whole disk over the same link
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bytes } from '../unit/diskTree';
import { chunkRanges } from '../../src/blob/ranges';
import { BIG_FILE, BIG_FILES, browseImages, stream, type BrowseImage } from './browseImages';
import { beyond, browseRun, countCell, countTable, FileModel, mib, saveRun, seedImage, type Counted, type CountRow } from './browseKit';
import { azcopyCmd, measure, oursCmd, AZCOPY, type Measure, type PeerCommand } from './peers';
import { fmtB, fmtS, median, peerTable, ratioLine, ratiosOf, range, type PeerRow } from './report';
import { startRangeServer, type RangeServer, type RangeServerOptions } from './rangeServer';
import type { UploadBenchOptions } from './uploadBench';

const MiB = 1024 * 1024;
const LINK: RangeServerOptions = { latencyMs: 30, bytesPerSecond: 50 * MiB };
const ROOT_REQUESTS = 60, ROOT_BYTES = 8 * MiB, FILE_BYTES = 1.5 * MiB, SAVE_RATIO = 1.3;
export const BROWSE_ROWS = ['Browse: open + list the root', 'Browse: a 1 MiB file', 'Browse: 5,000 against 50 entries', 'Browse: save a 200 MiB folder', 'Browse: root over the long-haul link'];

const ok = (v: boolean) => (v ? '✅' : '❌');
const lines = (n: number) => (out: Buffer) => {
    const got = out.toString('utf8').split('\n').filter(Boolean).length;
    return got === n ? undefined : `listed ${got} entries, not ${n}`;
};
const someLines = (out: Buffer) => (out.length ? undefined : 'listed nothing');
const ONE_MIB_SHA = crypto.createHash('sha256').update(bytes(1, MiB)).digest('hex');
const measures = (c: Counted[]): Measure[] => c.map((x) => x.m);

interface Seeded {
    image: BrowseImage;
    url: string;
    ranges: { start: number; end: number }[];
}

export async function runBrowseBench(o: UploadBenchOptions): Promise<void> {
    if (o.only && !BROWSE_ROWS.some((n) => n.toLowerCase().includes(o.only!.toLowerCase()))) return;
    const dir = path.join(o.work, 'browse');
    fs.mkdirSync(dir, { recursive: true });
    let t = Date.now();
    const images = await browseImages();
    console.log(`browse images ready in ${fmtS(Date.now() - t)}`);
    const az = await o.azurite();
    const servers: RangeServer[] = [];
    const models: FileModel[] = [];
    try {
        t = Date.now();
        const seeded: Seeded[] = [];
        for (const image of images) seeded.push({ image, ...(await seedImage(az, 'browse', image.key, image.file)) });
        console.log(`seeded ${images.length} disks in Azurite in ${fmtS(Date.now() - t)}`);
        // One untimed open each, so no measured run pays for the garbage seeding left in Azurite.
        for (const s of seeded) await browseRun(dir, s.url, 'ls', '/', az.pid, someLines);

        const root = new Map<string, Counted[]>();
        const file = new Map<string, { stat: Counted[]; cat: Counted[] }>();
        const folders = new Map<string, Record<'fiftyStat' | 'fifty' | 'manyStat' | 'many', Counted[]>>();
        const ext4 = seeded.find((s) => s.image.big)!;
        const big = ext4.image.big!;
        const curlPlan = chunkRanges(big.ranges, 4 * MiB);
        const save: Record<string, Counted[]> = { saveTo: [], curl: [], download: [] };
        const savePeers = {
            saveTo: () => saveRun(dir, ext4.url, big.path, az.pid, checkBig),
            curl: async (): Promise<Counted> => ({ m: await measure(curlCmd(ext4.url, curlPlan, dir), 10 * 60_000, az.pid), requests: curlPlan.length, bytes: big.bytes }),
            download: async (): Promise<Counted> => downloadRun(ext4.url, dir, az.pid),
        };
        for (let r = 0; r < o.rounds; r++) {
            for (const s of seeded) {
                const { image: img, url } = s;
                for (const v of img.volumes) push(root, `${img.key} disk, ${v.id} (${v.fs})`, await browseRun(dir, url, 'ls', `/${v.id}`, az.pid, someLines));
                const f = file.get(img.key) ?? { stat: [], cat: [] };
                file.set(img.key, f);
                f.stat.push(await browseRun(dir, url, 'stat', img.oneMiB, az.pid, (out) => (/"size":1048576/.test(out.toString()) ? undefined : 'stat: not 1 MiB')));
                f.cat.push(await browseRun(dir, url, 'cat', img.oneMiB, az.pid, (out) => (crypto.createHash('sha256').update(out).digest('hex') === ONE_MIB_SHA ? undefined : 'cat: sha256 mismatch')));
                if (img.folders) {
                    const d = folders.get(img.key) ?? { fiftyStat: [], fifty: [], manyStat: [], many: [] };
                    folders.set(img.key, d);
                    d.fiftyStat.push(await browseRun(dir, url, 'stat', img.folders.fifty, az.pid, someLines));
                    d.fifty.push(await browseRun(dir, url, 'ls', img.folders.fifty, az.pid, lines(50)));
                    d.manyStat.push(await browseRun(dir, url, 'stat', img.folders.many, az.pid, someLines));
                    d.many.push(await browseRun(dir, url, 'ls', img.folders.many, az.pid, lines(5000)));
                }
            }
            // Alternate the order each round so no peer always runs on a warm or cold machine.
            for (const k of r % 2 ? (['download', 'curl', 'saveTo'] as const) : (['saveTo', 'curl', 'download'] as const)) save[k].push(await savePeers[k]());
            console.log(`  browse round ${r + 1}: ${[...root].map(([k, v]) => `${k} ${v[r].requests} req`).join(', ')}; save ${fmtS(save.saveTo[r].m.wallMs)}, curl ${fmtS(save.curl[r].m.wallMs)}, download ${fmtS(save.download[r].m.wallMs)}${[...Object.values(save), ...root.values()].some((c) => !c[r].m.ok) ? '  (a run FAILED)' : ''}`);
        }
        report(o, images, root, file, folders, save);

        // The long haul: the same listings over the link model, and the whole disk over the same link.
        for (const s of seeded) models.push(new FileModel(s.image.file, s.ranges));
        for (const m of models) servers.push(await startRangeServer(m, { ...LINK, lifetimeMs: 60 * 60_000 }));
        await longHaul(o, seeded, servers, dir);
    } finally {
        for (const s of servers) await s.close();
        for (const m of models) m.close();
        await az.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function push<K>(m: Map<K, Counted[]>, k: K, c: Counted): void {
    m.set(k, [...(m.get(k) ?? []), c]);
}

/** The saved folder: every file there, its size, and its bytes (each file's own stream). */
function checkBig(folder: string): string | undefined {
    const saved = path.join(folder, 'big');
    const names = fs.existsSync(saved) ? fs.readdirSync(saved).sort() : [];
    if (names.length !== BIG_FILES) return `saved ${names.length} files, not ${BIG_FILES}`;
    for (const [i, n] of names.entries()) {
        const data = fs.readFileSync(path.join(saved, n));
        if (data.length !== BIG_FILE || !data.equals(stream(i + 1, BIG_FILE))) return `${n} differs from what was written`;
    }
    return undefined;
}

/** curl of the same ranges, one after another on one connection, each into a file of its own. */
function curlCmd(url: string, plan: { start: number; end: number }[], work: string): PeerCommand {
    const out = path.join(work, 'curl-out');
    const cfg = path.join(work, 'curl.cfg');
    fs.writeFileSync(cfg, plan.map((c, i) => `url = "${url}"\nrange = "${c.start}-${c.end - 1}"\noutput = "${out}/${i}"\nfail\nsilent\n`).join('next\n'), { mode: 0o600 });
    return { peer: 'curl, same ranges, 1 connection', argv: ['bash', '-c', 'mkdir -p "$OUT" && curl -K "$CFG" && sync -f "$OUT"'], env: { OUT: out, CFG: cfg }, clean: [out] };
}

async function downloadRun(url: string, work: string, pid: number | undefined): Promise<Counted> {
    const cmd = oursCmd(url, path.join(work, 'disk.img'), 16);
    const m = await measure(cmd, 10 * 60_000, pid);
    fs.rmSync(cmd.out!, { force: true });
    let fetched: number | undefined;
    try {
        fetched = (JSON.parse(m.stdout.trim().split('\n').pop() ?? '{}') as { bytesFetched?: number }).bytesFetched;
    } catch { /* no result line */ }
    return { m, bytes: fetched };
}

const reqCol = { head: 'requests (min–max)', cell: (r: CountRow) => countCell(r.runs.filter((c) => c.m.ok).map((c) => c.requests)) };
const byteCol = { head: 'bytes fetched (min–max)', cell: (r: CountRow) => countCell(r.runs.filter((c) => c.m.ok).map((c) => c.bytes), mib) };

function section(o: UploadBenchOptions, name: string, intro: string, table: string[]): void {
    o.log('');
    o.log(`## ${name}`);
    o.log('');
    o.log(intro);
    o.log('');
    for (const line of table) o.log(line);
}

function report(o: UploadBenchOptions, images: BrowseImage[], root: Map<string, Counted[]>, file: Map<string, { stat: Counted[]; cat: Counted[] }>, folders: Map<string, Record<'fiftyStat' | 'fifty' | 'manyStat' | 'many', Counted[]>>, save: Record<string, Counted[]>): void {
    const disks = images.map((i) => `${i.key}: ${i.title}, ${fmtB(i.size)}, ${fmtB(fs.statSync(i.file).blocks * 512)} allocated`).join('; ');
    const medOk = (c: Counted[], pick: (x: Counted) => number | undefined) => median(c.filter((x) => x.m.ok).map(pick).filter((x): x is number => x !== undefined));
    // Root listings.
    const rootRows: CountRow[] = [...root].map(([peer, runs]) => ({ peer, runs }));
    const rootVerdict = (r: CountRow) => {
        const q = medOk(r.runs, (c) => c.requests), b = medOk(r.runs, (c) => c.bytes);
        return `≤ ${ROOT_REQUESTS} requests ${ok(q <= ROOT_REQUESTS)}, ≤ ${fmtB(ROOT_BYTES)} ${ok(b <= ROOT_BYTES)}`;
    };
    section(o, BROWSE_ROWS[0], `browse.js \`ls /<volume>\` over a read SAS of the disk's page blob in Azurite (only the non-zero pages written): HEAD, the page-range list, the partition table, every volume's file system opened, then the volume's root listed. Disks (${disks}). ${o.rounds} rounds; requests and bytes are the blob device's own counts, HEAD and page lists included.`, countTable(rootRows, [reqCol, byteCol, { head: 'target', cell: rootVerdict }]));
    for (const r of rootRows) o.summary.add(`${BROWSE_ROWS[0]}: ${r.peer}`, o.rounds, [{ peer: 'ours', runs: measures(r.runs) }], 'ours', [], `${medOk(r.runs, (c) => c.requests)} requests, ${mib(medOk(r.runs, (c) => c.bytes))}; ${rootVerdict(r)}`);

    // The 1 MiB file: what cat fetched beyond what stat (open + resolve the path) fetched, round by round.
    const fileRows: CountRow[] = [...file].flatMap(([k, f]) => [{ peer: `${k}: stat (open + resolve)`, runs: f.stat }, { peer: `${k}: cat (read whole)`, runs: f.cat }]);
    const extraFile = (r: CountRow) => {
        const f = file.get(r.peer.split(':')[0])!;
        if (r.runs !== f.cat) return '';
        const b = beyond(f.cat, f.stat, (c) => c.bytes), q = beyond(f.cat, f.stat, (c) => c.requests);
        return `${countCell(b, mib)} in ${countCell(q)} requests; ≤ ${mib(FILE_BYTES)} ${ok(median(b) <= FILE_BYTES)}`;
    };
    section(o, BROWSE_ROWS[1], `\`data/one-mib.bin\` (1 MiB) of each disk: \`stat\` opens the disk and resolves the path; \`cat\` does the same and reads the file whole (its sha256 checked). "beyond opening": cat − stat in the same round.`, countTable(fileRows, [reqCol, byteCol, { head: 'beyond opening (target)', cell: extraFile }]));
    for (const [k, f] of file) {
        const b = beyond(f.cat, f.stat, (c) => c.bytes);
        o.summary.add(`${BROWSE_ROWS[1]}: ${k}`, o.rounds, [{ peer: 'ours', runs: measures(f.cat) }], 'ours', [], `${mib(median(b))}${range(b.map((x) => x / MiB), 2)} fetched beyond opening; ≤ ${mib(FILE_BYTES)} ${ok(median(b) <= FILE_BYTES)}`);
    }

    // 5,000 against 50 entries: each listing's cost beyond stat of the same folder.
    const folderRows: CountRow[] = [...folders].flatMap(([k, d]) => [{ peer: `${k}: ls fifty/ (50)`, runs: d.fifty }, { peer: `${k}: ls many/ (5,000)`, runs: d.many }]);
    const listing = (k: string) => {
        const d = folders.get(k)!, img = images.find((i) => i.key === k)!.folders!;
        const q50 = beyond(d.fifty, d.fiftyStat, (c) => c.requests), q5k = beyond(d.many, d.manyStat, (c) => c.requests);
        const b5k = beyond(d.many, d.manyStat, (c) => c.bytes);
        const max = 2 * median(q50) + img.manyBlocks;
        return { q50, q5k, b5k, img, max, pass: median(q5k) <= max };
    };
    const folderCell = (r: CountRow) => {
        const k = r.peer.split(':')[0], l = listing(k);
        return r.runs === folders.get(k)!.many
            ? `${countCell(l.q5k)} requests, ${countCell(l.b5k, mib)}; index blocks ${l.img.manyBlocks}; ≤ 2 × ${median(l.q50)} + ${l.img.manyBlocks} = ${l.max} ${ok(l.pass)}`
            : `${countCell(l.q50)} requests; index blocks ${l.img.fiftyBlocks}`;
    };
    section(o, BROWSE_ROWS[2], `\`ls\` of makeTree's \`many/\` (5,000 entries) and of \`fifty/\` (50), each less a \`stat\` of the same folder in the same round (opening and resolving). Index blocks: ${images.filter((i) => i.folders).map((i) => `${i.key} ${i.folders!.what}`).join('; ')}. Target: the 5,000-entry folder's requests ≤ 2 × the 50-entry folder's + its index blocks.`, countTable(folderRows, [reqCol, byteCol, { head: 'listing alone (target)', cell: folderCell }]));
    for (const k of folders.keys()) {
        const l = listing(k);
        o.summary.add(`${BROWSE_ROWS[2]}: ${k}`, o.rounds, [{ peer: 'ours', runs: measures(folders.get(k)!.many) }], 'ours', [], `5,000 entries in ${median(l.q5k)} requests (${mib(median(l.b5k))}), 50 in ${median(l.q50)}, ${l.img.manyBlocks} index blocks; ≤ ${l.max} ${ok(l.pass)}`);
    }

    // Saving 200 MiB.
    const big = images.find((i) => i.big)!.big!;
    const names: Record<string, string> = { saveTo: 'ours, saveTo', curl: 'curl, same ranges, 1 connection', download: 'ours, whole-disk sparse download (16 connections)' };
    const saveRows: PeerRow[] = Object.entries(save).map(([k, c]) => ({ peer: names[k], runs: measures(c) }));
    const counts = (peer: string) => save[Object.keys(names).find((k) => names[k] === peer)!];
    const extra = [{ head: 'requests / bytes fetched', cell: (r: PeerRow) => `${countCell(counts(r.peer).filter((c) => c.m.ok).map((c) => c.requests))} / ${countCell(counts(r.peer).filter((c) => c.m.ok).map((c) => c.bytes), mib)}` }];
    const targets = [{ peer: names.curl, max: SAVE_RATIO }];
    section(o, BROWSE_ROWS[3], `browseSave.js: saveTo of \`/2/big\` (${BIG_FILES} files of ${fmtB(BIG_FILE)}, ${mib(big.bytes)} of data in ${big.ranges.length} device ranges by debugfs) into a fresh local folder, every file's bytes checked; against curl of exactly those ranges in ≤ 4 MiB pieces (${chunkRanges(big.ranges, 4 * MiB).length} requests) on one connection, one after another, as saveTo reads one piece at a time; and against our download of the whole disk (sparse: its written pages only). ${o.rounds} rounds, the order alternating.`, peerTable(saveRows, names.saveTo, targets, extra));
    const vsDownload = ratioLine(saveRows[0], saveRows[2], 'the folder alone against the whole disk by our sparse download');
    if (vsDownload) o.log(`\n${vsDownload}`);
    const dl = saveRows[2].runs.filter((m) => m.ok).map((m) => m.wallMs);
    o.summary.add(`${BROWSE_ROWS[3]} (ext4)`, o.rounds, saveRows, names.saveTo, targets, dl.length ? `the whole disk by our sparse download: ${fmtS(median(dl))}` : '');
}

async function longHaul(o: UploadBenchOptions, seeded: Seeded[], servers: RangeServer[], dir: string): Promise<void> {
    const rows = new Map<string, Counted[]>();
    const ext4 = seeded.findIndex((s) => s.image.big);
    const server = (i: number) => servers[i];
    const counted = async (s: RangeServer, run: () => Promise<Measure>): Promise<Counted> => {
        const c0 = { ...s.counts };
        const m = await run();
        return { m, requests: s.counts.head + s.counts.get + s.counts.list + s.counts.other - c0.head - c0.get - c0.list - c0.other, bytes: s.counts.bytes - c0.bytes };
    };
    const diskOut = path.join(dir, 'whole.img');
    const whole: { name: string; run: () => Promise<Measure> }[] = [
        { name: 'ours, whole-disk sparse download (16 connections)', run: () => measure(oursCmd(server(ext4).url, diskOut, 16), 10 * 60_000).finally(() => fs.rmSync(diskOut, { force: true })) },
    ];
    if (fs.existsSync(AZCOPY)) whole.push({ name: 'AzCopy, whole-disk download', run: () => measure(azcopyCmd(server(ext4).url, diskOut, dir), 15 * 60_000).finally(() => fs.rmSync(diskOut, { force: true })) });
    for (let r = 0; r < o.rounds; r++) {
        for (const [i, s] of seeded.entries()) {
            for (const v of s.image.volumes) push(rows, `${s.image.key} disk, ${v.id} (${v.fs}): open + list the root`, await counted(server(i), async () => (await browseRun(dir, server(i).url, 'ls', `/${v.id}`, undefined, someLines)).m));
        }
        for (const w of r % 2 ? [...whole].reverse() : whole) push(rows, `${w.name} (${seeded[ext4].image.key} disk)`, await counted(server(ext4), w.run));
        console.log(`  long haul round ${r + 1}: ${[...rows].map(([k, v]) => `${k.split(':')[0]} ${fmtS(v[r].m.wallMs)}${v[r].m.ok ? '' : ' FAILED'}`).join(', ')}`);
    }
    const peerRows: PeerRow[] = [...rows].map(([peer, c]) => ({ peer, runs: measures(c) }));
    const ours = peerRows.find((r) => r.peer.startsWith(`${seeded[ext4].image.key} disk, 2`))!;
    const against = peerRows.find((r) => r.peer.startsWith('ours, whole'))!;
    const extra = [{ head: 'requests / bytes served', cell: (r: PeerRow) => `${countCell(rows.get(r.peer)!.filter((c) => c.m.ok).map((c) => c.requests))} / ${countCell(rows.get(r.peer)!.filter((c) => c.m.ok).map((c) => c.bytes), mib)}` }];
    const azcopy = peerRows.find((r) => r.peer.startsWith('AzCopy'));
    const why = azcopy ? ' AzCopy downloads the whole disk with its defaults (it skips only 8 MiB blocks with no data and writes zeros for the rest).' : ' AzCopy is not installed (test/tools/setup.sh installs it), so its row is missing.';
    section(o, BROWSE_ROWS[4], `The same \`ls /<volume>\` runs, each disk served by the range server (rangeServer.ts) from the image file with the same written ranges, over its link model: ${LINK.latencyMs} ms per response, ${(LINK.bytesPerSecond! / MiB).toFixed(0)} MiB/s per connection. Against downloading the ${seeded[ext4].image.key} disk (${fmtB(seeded[ext4].image.size)}) whole over the same link. Requests and bytes as the server counted them. Ratios: ${ours.peer} ÷ each peer. ${o.rounds} rounds.${why}`, peerTable([ours, ...peerRows.filter((r) => r !== ours)], ours.peer, [], extra));
    const line = ratioLine(ours, against, 'listing the ext4 root against downloading the whole disk with our sparse download over the same link');
    if (line) o.log(`\n${line}`);
    const rs = ratiosOf(ours.runs, against.runs);
    const ra = azcopy ? ratiosOf(ours.runs, azcopy.runs) : [];
    const azWall = azcopy?.runs.filter((m) => m.ok).map((m) => m.wallMs) ?? [];
    const vsAzcopy = azcopy ? `; ${ra.length ? median(ra).toFixed(3) : '–'}${range(ra, 3)} × AzCopy's whole-disk download (${azWall.length ? fmtS(median(azWall)) : 'failed'})` : '';
    o.summary.add(`${BROWSE_ROWS[4]} (ext4 root)`, o.rounds, [ours], ours.peer, [], `${rs.length ? median(rs).toFixed(2) : '–'}${range(rs, 2)} × ${against.peer}${vsAzcopy}`);
}
