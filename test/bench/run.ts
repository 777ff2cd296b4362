/**
 * The side-by-side benchmark: our engine, @azure/storage-blob downloadToFile, AzCopy and the
 * curl|dd limit on the same blobs, alternating peers over several rounds, then a resume test.
 *   npm run bench [-- --quick] [--rounds N] [--only <scenario substring>]   (`--only update`: the update rows)
 * Writes bench-results.md (git-ignored) at the repository root and prints it, and a summary table
 * ready for the README at test-results/bench/performance-table.md.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startAzurite, type AzuriteHandle } from '../sandbox/azurite';
import { sha256File } from './fixtures';
import { measure, oursCmd, sdkCmd, azcopyCmd, curlDdCmd, curlNetCmd, writeOnlyCmd, md5OnlyCmd, AZCOPY, type PeerCommand } from './peers';
import { fmtB, fmtS, loadAverage, peerTable, ratioLine, Summary, type PeerRow } from './report';
import { startRangeServer, type RangeServer } from './rangeServer';
import { measureResume } from './resume';
import { buildScenarios, planOf, seedAzurite, type Peer, type Scenario } from './scenarios';
import { runUploadBench } from './uploadBench';
import { runCopyBench } from './copyBench';
import { runBrowseBench } from './browseBench';
import { runUpdateBench } from './updateBench';

const MiB = 1024 * 1024;
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const rounds = Number(argv[argv.indexOf('--rounds') + 1]) || (quick ? 1 : 3);
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const root = path.resolve(__dirname, '../../..');


async function main(): Promise<void> {
    const t0 = Date.now();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'disk-bench-'));
    const scenarios = buildScenarios(quick).filter((s) => !only || s.name.toLowerCase().includes(only.toLowerCase()));
    const haveAzcopy = fs.existsSync(AZCOPY);
    if (!haveAzcopy) console.log(`AzCopy not found at ${AZCOPY}: run test/tools/setup.sh; AzCopy columns are skipped.`);
    let az: AzuriteHandle | undefined;
    const servers: RangeServer[] = [];
    const out: string[] = [];
    const log = (s: string) => { console.log(s); out.push(s); };
    const shaCache = new Map<object, string>();
    const summary = new Summary();
    const loads: string[] = [loadAverage()];
    const started = new Date().toISOString();
    try {
        log(`# Transfer benchmark (${quick ? 'quick' : 'full'}, ${rounds} round${rounds > 1 ? 's' : ''}, ${started})`);
        log('');
        log(`Node ${process.version}, ${os.cpus().length} CPUs, load average ${loads[0]} at the start. Each peer runs as a child process; its old output is deleted and the deletion synced before the clock starts, and each run ends with \`sync\`. Peak RSS and CPU time (user + system, the peer and its children) from /usr/bin/time -v; Azurite's CPU time during each run from /proc. Ratios are medians of per-round ratios (ours / peer); below 1 means ours is faster.`);
        for (const sc of scenarios) {
            const url = await sourceUrl(sc, work);
            const plan = planOf(sc.model);
            const planFile = path.join(work, 'plan.txt');
            fs.writeFileSync(planFile, plan.map((c) => `${c.start} ${c.end}`).join('\n') + '\n');
            if (!shaCache.has(sc.model)) shaCache.set(sc.model, sc.model.sha256());
            const sha = shaCache.get(sc.model)!;
            const peers = sc.peers.filter((p) => p !== 'AzCopy' || haveAzcopy);
            const rows: PeerRow[] = peers.map((peer) => ({ peer, runs: [] }));
            console.log(`\n## ${sc.name}: ${fmtB(sc.model.size)} blob, ${fmtB(sc.model.writtenBytes)} written in ${sc.model.ranges.length} ranges, ${plan.length} chunks`);
            for (let r = 0; r < rounds * (sc.roundsFactor ?? 1); r++) {
                // Alternate the order each round so no peer always runs on a warm or cold machine.
                const order = r % 2 ? [...rows].reverse() : rows;
                for (const row of order) {
                    const outFile = path.join(work, `out-${row.peer.replace(/\W+/g, '_')}.vhd`);
                    const cmd = commandFor(row.peer as Peer, sc, url, outFile, planFile, plan, work);
                    const m = await measure(cmd, 15 * 60_000, sc.source === 'azurite' ? az?.pid : undefined);
                    row.runs.push(m);
                    if (r === 0 && cmd.out && m.ok && row.peer !== 'disk-write limit') row.shaOk = (await sha256File(cmd.out)) === sha;
                    if (cmd.out) fs.rmSync(cmd.out, { force: true });
                    console.log(`  round ${r + 1} ${row.peer.padEnd(18)} ${fmtS(m.wallMs).padStart(9)}  cpu ${m.cpuMs !== undefined ? fmtS(m.cpuMs) : '?'}  rss ${m.peakRssMiB?.toFixed(0) ?? '?'} MiB${m.ok ? '' : `  FAILED ${m.error ?? ''}`}`);
                }
            }
            log('');
            log(`## ${sc.name}`);
            log('');
            log(`${fmtB(sc.model.size)} blob, ${fmtB(sc.model.writtenBytes)} written in ${sc.model.ranges.length} ranges; ${plan.length} chunks of ≤ 4 MiB; ${sc.concurrency} connections; ${rounds * (sc.roundsFactor ?? 1)} rounds.${sc.server?.latencyMs ? ` Link model: ${sc.server.latencyMs} ms per response, ${((sc.server.bytesPerSecond ?? 0) / MiB).toFixed(0)} MiB/s per connection; link time ≈ ${fmtS(linkTimeMs(sc, plan.length))}.` : ''}${sc.note ? ` ${sc.note}` : ''}`);
            log('');
            const ours = rows.find((x) => x.peer === 'ours')!;
            const extra = [
                { head: 'allocated on disk', cell: (r: PeerRow) => fmtB(r.runs.find((m) => m.ok)?.allocated) },
                { head: 'sha256', cell: (r: PeerRow) => (r.shaOk === undefined ? '–' : r.shaOk ? 'match' : 'MISMATCH') },
            ];
            for (const line of peerTable(rows, 'ours', sc.targets, extra)) log(line);
            for (const x of sc.ratios ?? []) {
                const a = rows.find((r) => r.peer === x.of), b = rows.find((r) => r.peer === x.to);
                const line = a && b ? ratioLine(a, b, x.why, x.max) : undefined;
                if (line) log(`\n${line}`);
            }
            summary.add(sc.name, rounds * (sc.roundsFactor ?? 1), rows, 'ours', sc.targets);
            loads.push(loadAverage());
            const alloc = ours.runs.find((m) => m.ok)?.allocated;
            const transports = new Set(ours.runs.map((m) => { try { return (JSON.parse(m.stdout.trim().split('\n').pop() ?? '') as { transport?: string }).transport; } catch { return undefined; } }));
            if (alloc !== undefined) log(`\nOurs allocated ${fmtB(alloc)} for ${fmtB(sc.model.writtenBytes)} written: ${(alloc / sc.model.writtenBytes).toFixed(3)} × (target ≤ 1.05 ×); range bodies over ${[...transports].map((t) => (t === 'direct' ? 'direct sockets' : t ?? '?')).join(', ')}.`);
            // Keep what is done so far, in case a long run is stopped.
            fs.writeFileSync(path.join(root, 'bench-results.md'), out.join('\n') + '\n');
        }
        // The upload rows pick their own scenarios by name (`--only upload` runs them all).
        // The upload and copy rows each get an Azurite of their own: the download blobs are done
        // with, and what those rows write would not fit beside them in the in-memory store.
        await az?.stop();
        az = undefined;
        const ownAzurite = () => startAzurite({ startTimeoutMs: 120_000 });
        await runUploadBench({ quick, rounds, only, work, azurite: ownAzurite, log, summary, haveAzcopy });
        await runCopyBench({ quick, rounds, only, work, azurite: async () => (az ??= await ownAzurite()), log, summary, haveAzcopy });
        // The copy rows' Azurite (assigned in their callback, which the compiler does not follow) is done with.
        await (az as AzuriteHandle | undefined)?.stop();
        az = undefined;
        // The browse rows seed their own disks into an Azurite of their own, and stop it.
        await runBrowseBench({ quick, rounds, only, work, azurite: ownAzurite, log, summary, haveAzcopy });
        // The update rows too: an older and a newer snapshot of a 64 GiB disk, and a listing of 20,000 changes.
        await runUpdateBench({ quick, rounds, only, work, azurite: ownAzurite, log, summary, haveAzcopy });
        loads.push(loadAverage());
        if (!only || 'resume'.includes(only.toLowerCase())) {
            const res = await measureResume(buildScenarios(quick)[0].model, work);
            log('');
            log('## Resume after a kill');
            log('');
            log(res);
        }
        log('');
        log(`Total benchmark time ${fmtS(Date.now() - t0)}; load average (1, 5, 15 min) after each scenario: ${loads.join(' | ')}.`);
        const table = summary.write(root, `Measured by \`npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}\` on ${started.slice(0, 10)} (${quick ? 'quick' : 'full'} sizes, ${rounds} round${rounds > 1 ? 's' : ''} per scenario, Node ${process.version}, ${os.cpus().length} CPUs, load average ${loads[0]} at the start and ${loadAverage()} at the end); ratios are ours ÷ the peer, below 1 is faster:`);
        log('');
        log('## Summary (also in test-results/bench/performance-table.md)');
        log('');
        for (const line of table) log(line);
    } finally {
        for (const s of servers) await s.close();
        await az?.stop();
        fs.rmSync(work, { recursive: true, force: true });
        fs.writeFileSync(path.join(root, 'bench-results.md'), out.join('\n') + '\n');
    }

    async function sourceUrl(sc: Scenario, dir: string): Promise<string> {
        if (sc.source === 'range') {
            const s = await startRangeServer(sc.model, { ...sc.server, lifetimeMs: 60 * 60_000, md5Ranges: planOf(sc.model) });
            servers.push(s);
            return s.url;
        }
        az ??= await startAzurite({ startTimeoutMs: 120_000 }); // a shared, busy machine can take longer than the default 20 s
        const t = Date.now();
        const url = await seedAzurite(az, 'bench', sc.name.replace(/\W+/g, '-').toLowerCase(), sc.model);
        console.log(`seeded ${sc.name} in Azurite in ${fmtS(Date.now() - t)} (work dir ${dir})`);
        // One untimed pass over the blob, so the first peer measured does not pay for the garbage
        // the seeding left in Azurite (measured: twice Azurite's CPU time for whichever peer ran first).
        await measure(curlNetCmd(url, planOf(sc.model), path.join(dir, 'warm.cfg'), sc.concurrency));
        return url;
    }
}

function commandFor(peer: Peer, sc: Scenario, url: string, out: string, planFile: string, plan: { start: number; end: number }[], work: string): PeerCommand {
    switch (peer) {
        case 'ours': return oursCmd(url, out, sc.concurrency);
        case 'ours (no MD5)': {
            const cmd = oursCmd(url, out, sc.concurrency);
            return { ...cmd, peer, argv: [...cmd.argv, '--no-md5'] };
        }
        case 'ours (MD5 every range)': {
            const cmd = oursCmd(url, out, sc.concurrency);
            return { ...cmd, peer, argv: [...cmd.argv, '--md5-every'] };
        }
        case 'ours, every gap fetched': {
            const cmd = oursCmd(url, out, sc.concurrency);
            return { ...cmd, peer, argv: [...cmd.argv, '--merge-gap-kib', String(sc.model.size / 1024)] };
        }
        case 'downloadToFile': return sdkCmd(url, out);
        case 'AzCopy': return azcopyCmd(url, out, work);
        case 'curl|dd limit': return curlDdCmd(url, out, sc.model.size, planFile, sc.concurrency);
        case 'curl network only': return curlNetCmd(url, plan, path.join(work, 'curl.cfg'), sc.concurrency);
        case 'disk-write limit': return writeOnlyCmd(out, sc.model.size, planFile);
        case 'MD5 alone, one core': return md5OnlyCmd(planFile);
    }
}

function linkTimeMs(sc: Scenario, requests: number): number {
    const perConn = sc.server?.bytesPerSecond ?? Infinity;
    const bytes = planOf(sc.model).reduce((n, c) => n + c.end - c.start, 0);
    return (bytes / (perConn * sc.concurrency)) * 1000 + ((sc.server?.latencyMs ?? 0) * requests) / sc.concurrency;
}

process.once('SIGTERM', () => process.exit(143));
process.once('SIGINT', () => process.exit(130));

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
