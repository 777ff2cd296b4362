/**
 * The side-by-side benchmark: our engine, @azure/storage-blob downloadToFile, AzCopy and the
 * curl|dd limit on the same blobs, alternating peers over several rounds, then a resume test.
 *   npm run bench [-- --quick] [--rounds N] [--only <scenario substring>]
 * Writes bench-results.md (git-ignored) at the repository root and prints it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startAzurite, type AzuriteHandle } from '../sandbox/azurite';
import { sha256File } from './fixtures';
import { measure, oursCmd, sdkCmd, azcopyCmd, curlDdCmd, curlNetCmd, writeOnlyCmd, md5OnlyCmd, AZCOPY, type Measure, type PeerCommand } from './peers';
import { startRangeServer, type RangeServer } from './rangeServer';
import { measureResume } from './resume';
import { buildScenarios, planOf, seedAzurite, type Peer, type Scenario } from './scenarios';

const MiB = 1024 * 1024;
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const rounds = Number(argv[argv.indexOf('--rounds') + 1]) || (quick ? 1 : 3);
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const root = path.resolve(__dirname, '../../..');

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const range = (xs: number[], digits: number) => (xs.length > 1 ? ` (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})` : '');
const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const fmtB = (b: number | undefined) => (b === undefined ? '–' : b >= 1024 * MiB ? `${(b / 1024 / MiB).toFixed(2)} GiB` : `${(b / MiB).toFixed(0)} MiB`);

interface Row { peer: Peer; runs: Measure[]; shaOk?: boolean }

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
    try {
        log(`# Download benchmark (${quick ? 'quick' : 'full'}, ${rounds} round${rounds > 1 ? 's' : ''}, ${new Date().toISOString()})`);
        log('');
        log(`Node ${process.version}, ${os.cpus().length} CPUs. Each peer runs as a child process; its old output is deleted and the deletion synced before the clock starts, and each run ends with \`sync\`. Peak RSS from /usr/bin/time -v. Ratios are medians of per-round ratios (ours / peer); below 1 means ours is faster.`);
        for (const sc of scenarios) {
            const url = await sourceUrl(sc, work);
            const plan = planOf(sc.model);
            const planFile = path.join(work, 'plan.txt');
            fs.writeFileSync(planFile, plan.map((c) => `${c.start} ${c.end}`).join('\n') + '\n');
            if (!shaCache.has(sc.model)) shaCache.set(sc.model, sc.model.sha256());
            const sha = shaCache.get(sc.model)!;
            const peers = sc.peers.filter((p) => p !== 'AzCopy' || haveAzcopy);
            const rows: Row[] = peers.map((peer) => ({ peer, runs: [] }));
            console.log(`\n## ${sc.name}: ${fmtB(sc.model.size)} blob, ${fmtB(sc.model.writtenBytes)} written in ${sc.model.ranges.length} ranges, ${plan.length} chunks`);
            for (let r = 0; r < rounds * (sc.roundsFactor ?? 1); r++) {
                // Alternate the order each round so no peer always runs on a warm or cold machine.
                const order = r % 2 ? [...rows].reverse() : rows;
                for (const row of order) {
                    const outFile = path.join(work, `out-${row.peer.replace(/\W+/g, '_')}.vhd`);
                    const cmd = commandFor(row.peer, sc, url, outFile, planFile, plan, work);
                    const m = await measure(cmd, 15 * 60_000);
                    row.runs.push(m);
                    if (r === 0 && cmd.out && m.ok && row.peer !== 'disk-write limit') row.shaOk = (await sha256File(cmd.out)) === sha;
                    if (cmd.out) fs.rmSync(cmd.out, { force: true });
                    console.log(`  round ${r + 1} ${row.peer.padEnd(18)} ${fmtS(m.wallMs).padStart(9)}  rss ${m.peakRssMiB?.toFixed(0) ?? '?'} MiB${m.ok ? '' : `  FAILED ${m.error ?? ''}`}`);
                }
            }
            log('');
            log(`## ${sc.name}`);
            log('');
            log(`${fmtB(sc.model.size)} blob, ${fmtB(sc.model.writtenBytes)} written in ${sc.model.ranges.length} ranges; ${plan.length} chunks of ≤ 4 MiB; ${sc.concurrency} connections; ${rounds * (sc.roundsFactor ?? 1)} rounds.${sc.server?.latencyMs ? ` Link model: ${sc.server.latencyMs} ms per response, ${((sc.server.bytesPerSecond ?? 0) / MiB).toFixed(0)} MiB/s per connection; link time ≈ ${fmtS(linkTimeMs(sc, plan.length))}.` : ''}${sc.note ? ` ${sc.note}` : ''}`);
            log('');
            log('| peer | median wall (min–max) | peak RSS | loopback bytes | allocated on disk | sha256 | ours / peer | target |');
            log('|---|---|---|---|---|---|---|---|');
            const ours = rows.find((x) => x.peer === 'ours')!;
            for (const row of rows) {
                const ok = row.runs.filter((m) => m.ok);
                const wall = median(ok.map((m) => m.wallMs));
                const ratios = row.runs.map((m, i) => (m.ok && ours.runs[i]?.ok ? ours.runs[i].wallMs / m.wallMs : NaN)).filter(Number.isFinite);
                const ratio = row.peer === 'ours' ? NaN : median(ratios);
                const target = sc.targets.find((t) => t.peer === row.peer);
                const verdict = target && Number.isFinite(ratio) ? `≤ ${target.max} ${ratio <= target.max ? '✅' : '❌'}` : '';
                const failed = row.runs.length - ok.length;
                log(`| ${row.peer}${failed ? ` (${failed} failed: ${row.runs.find((m) => !m.ok)?.error ?? ''})` : ''} | ${ok.length ? `${fmtS(wall)}${range(ok.map((m) => m.wallMs / 1000), 2)}` : '–'} | ${ok.length ? `${Math.max(...ok.map((m) => m.peakRssMiB ?? 0)).toFixed(0)} MiB` : '–'} | ${ok.length ? fmtB(median(ok.map((m) => m.loBytes))) : '–'} | ${fmtB(ok[0]?.allocated)} | ${row.shaOk === undefined ? '–' : row.shaOk ? 'match' : 'MISMATCH'} | ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}${range(ratios, 2)}` : ''} | ${verdict} |`);
            }
            for (const x of sc.ratios ?? []) {
                const a = rows.find((r) => r.peer === x.of), b = rows.find((r) => r.peer === x.to);
                if (!a || !b) continue;
                const rs = a.runs.map((m, i) => (m.ok && b.runs[i]?.ok ? m.wallMs / b.runs[i].wallMs : NaN)).filter(Number.isFinite);
                if (!rs.length) continue;
                const v = median(rs);
                log(`\n${x.of} / ${x.to}: ${v.toFixed(2)} ×${range(rs, 2)}${x.max !== undefined ? ` (target ≤ ${x.max} ${v <= x.max ? '✅' : '❌'})` : ''}: ${x.why}.`);
            }
            const alloc = ours.runs.find((m) => m.ok)?.allocated;
            const transports = new Set(ours.runs.map((m) => { try { return (JSON.parse(m.stdout.trim().split('\n').pop() ?? '') as { transport?: string }).transport; } catch { return undefined; } }));
            if (alloc !== undefined) log(`\nOurs allocated ${fmtB(alloc)} for ${fmtB(sc.model.writtenBytes)} written: ${(alloc / sc.model.writtenBytes).toFixed(3)} × (target ≤ 1.05 ×); range bodies over ${[...transports].map((t) => (t === 'direct' ? 'direct sockets' : t ?? '?')).join(', ')}.`);
            // Keep what is done so far, in case a long run is stopped.
            fs.writeFileSync(path.join(root, 'bench-results.md'), out.join('\n') + '\n');
        }
        if (!only || 'resume'.includes(only.toLowerCase())) {
            const res = await measureResume(buildScenarios(quick)[0].model, work);
            log('');
            log('## Resume after a kill');
            log('');
            log(res);
        }
        log('');
        log(`Total benchmark time ${fmtS(Date.now() - t0)}.`);
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
