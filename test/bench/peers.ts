/**
 * Each peer runs as a child process under /usr/bin/time -v (peak RSS), deletes its old output
 * first and ends with `sync <output>`, so dirty pages are paid for by the run that made them.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Measure {
    peer: string;
    wallMs: number;
    peakRssMiB: number | undefined;
    /** CPU time (user + system) of the peer and its children, from /usr/bin/time -v: steadier than wall time on a shared machine. */
    cpuMs: number | undefined;
    /** CPU time the server process (Azurite) spent during the run, from /proc/<pid>/stat. */
    serverCpuMs: number | undefined;
    /** Bytes over the loopback interface during the run (machine-wide counter). */
    loBytes: number;
    allocated: number | undefined;
    size: number | undefined;
    ok: boolean;
    error?: string;
    stdout: string;
}

export interface PeerCommand {
    peer: string;
    argv: string[];
    env?: NodeJS.ProcessEnv;
    /** The output file (undefined for network-only peers). */
    out?: string;
    /** Extra paths to delete before the run. */
    clean?: string[];
}

function loopbackBytes(): number {
    try {
        const line = fs.readFileSync('/proc/net/dev', 'utf8').split('\n').find((l) => l.trim().startsWith('lo:'));
        return line ? Number(line.split(':')[1].trim().split(/\s+/)[0]) : 0;
    } catch {
        return 0;
    }
}

export function run(argv: string[], env?: NodeJS.ProcessEnv, onStderr?: (line: string, kill: () => void) => void, timeoutMs = 10 * 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '', stderr = '', buf = '';
        const kill = () => child.kill('SIGKILL');
        const timer = setTimeout(kill, timeoutMs);
        child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
        child.stderr.on('data', (d: Buffer) => {
            const s = d.toString();
            stderr = (stderr + s).slice(-20_000);
            if (!onStderr) return;
            buf += s;
            let i;
            while ((i = buf.indexOf('\n')) >= 0) {
                onStderr(buf.slice(0, i), kill);
                buf = buf.slice(i + 1);
            }
        });
        child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    });
}

const CLK_TCK = 100;

/** utime + stime of a process in ms (Linux /proc; undefined elsewhere or when it is gone). */
export function processCpuMs(pid: number | undefined): number | undefined {
    if (!pid) return undefined;
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        // Fields after the command name (which may hold spaces) start at ')'.
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
    } catch {
        return undefined;
    }
}

/** Runs one peer; `serverPid`: the server whose CPU time during the run is recorded too. */
export async function measure(cmd: PeerCommand, timeoutMs?: number, serverPid?: number): Promise<Measure> {
    for (const p of [cmd.out, ...(cmd.clean ?? [])]) if (p) fs.rmSync(p, { force: true, recursive: true });
    // Commit the deletion (and, on a mount with online discard, its trims) before the clock starts,
    // so no run pays for the previous run's file.
    if (cmd.out) await run(['sync', '-f', path.dirname(cmd.out)]);
    const timeFile = path.join(path.dirname(cmd.out ?? '/tmp/x'), `.time-${process.pid}`);
    const lo0 = loopbackBytes();
    const srv0 = processCpuMs(serverPid);
    const t0 = process.hrtime.bigint();
    const r = await run(['/usr/bin/time', '-v', '-o', timeFile, ...cmd.argv], cmd.env, undefined, timeoutMs);
    if (cmd.out && fs.existsSync(cmd.out)) await run(['sync', cmd.out]);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const loBytes = loopbackBytes() - lo0;
    const srv1 = processCpuMs(serverPid);
    const serverCpuMs = srv0 !== undefined && srv1 !== undefined ? srv1 - srv0 : undefined;
    let peakRssMiB: number | undefined, cpuMs: number | undefined;
    try {
        const text = fs.readFileSync(timeFile, 'utf8');
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
        if (m) peakRssMiB = Number(m[1]) / 1024;
        const u = /User time \(seconds\): ([\d.]+)/.exec(text), k = /System time \(seconds\): ([\d.]+)/.exec(text);
        if (u && k) cpuMs = (Number(u[1]) + Number(k[1])) * 1000;
        fs.rmSync(timeFile, { force: true });
    } catch { /* no time output */ }
    let allocated: number | undefined, size: number | undefined;
    if (cmd.out && fs.existsSync(cmd.out)) {
        const st = fs.statSync(cmd.out);
        allocated = st.blocks * 512;
        size = st.size;
    }
    const ok = r.code === 0;
    return { peer: cmd.peer, wallMs, peakRssMiB, cpuMs, serverCpuMs, loBytes, allocated, size, ok, error: ok ? undefined : `exit ${r.code}: ${(r.stderr.trim() ? r.stderr : r.stdout).split('\n').filter(Boolean).slice(-3).join(' | ').slice(0, 300)}`, stdout: r.stdout };
}

export const AZCOPY = path.resolve(__dirname, '../../../test/.tools/azcopy/node_modules/@azure-tools/azcopy-linux/dist/bin/azcopy_linux_amd64');

const ENGINE = path.resolve(__dirname, 'download.js');
const SDK = path.resolve(__dirname, 'sdkDownload.js');
const WRITE = path.resolve(__dirname, 'writeOnly.js');
const MD5 = path.resolve(__dirname, 'md5Only.js');

export function oursCmd(url: string, out: string, concurrency: number): PeerCommand {
    return { peer: 'ours', argv: [process.execPath, ENGINE, url, out, '--concurrency', String(concurrency)], out, clean: [`${out}.partial`, `${out}.partial.journal`] };
}

export function sdkCmd(url: string, out: string): PeerCommand {
    return { peer: 'downloadToFile', argv: [process.execPath, SDK, url, out], out };
}

export function azcopyCmd(url: string, out: string, workDir: string): PeerCommand {
    const env = { AZCOPY_LOG_LOCATION: path.join(workDir, 'azlogs'), AZCOPY_JOB_PLAN_LOCATION: path.join(workDir, 'azplans'), AZCOPY_DISABLE_SYSLOG: 'true' };
    return { peer: 'AzCopy', argv: [AZCOPY, 'copy', url, out, '--from-to', 'BlobLocal', '--log-level', 'ERROR', '--output-level', 'quiet', '--check-length=true'], env, out, clean: [env.AZCOPY_LOG_LOCATION, env.AZCOPY_JOB_PLAN_LOCATION] };
}

export function writeOnlyCmd(out: string, size: number, planFile: string): PeerCommand {
    return { peer: 'disk-write limit', argv: [process.execPath, WRITE, out, String(size), planFile], out };
}

export function md5OnlyCmd(planFile: string): PeerCommand {
    return { peer: 'MD5 alone, one core', argv: [process.execPath, MD5, planFile] };
}

/** curl of the same ranges at the same parallelism piped to dd at the same offsets. */
export function curlDdCmd(url: string, out: string, size: number, planFile: string, parallel: number): PeerCommand {
    const script = `set -e; truncate -s "$SIZE" "$OUT"; xargs -P "$PAR" -L 1 sh -c 'curl -sf -r "$0-$(($1-1))" "$URL" | dd of="$OUT" bs=4M iflag=fullblock oflag=seek_bytes seek="$0" conv=notrunc status=none' < "$PLAN"`;
    return { peer: 'curl|dd limit', argv: ['bash', '-c', script], env: { URL: url, OUT: out, SIZE: String(size), PLAN: planFile, PAR: String(parallel) }, out };
}

/** The network alone: one curl, N parallel transfers of the same ranges to /dev/null. */
export function curlNetCmd(url: string, plan: { start: number; end: number }[], cfgFile: string, parallel: number): PeerCommand {
    const entries = plan.map((c) => `url = "${url}"\nrange = "${c.start}-${c.end - 1}"\noutput = "/dev/null"\nfail\nsilent\n`);
    fs.writeFileSync(cfgFile, entries.join('next\n'), { mode: 0o600 });
    return { peer: 'curl network only', argv: ['curl', '--parallel', '--parallel-max', String(parallel), '-K', cfgFile] };
}
