/**
 * Starts the real Azurite blob service from node_modules as a child process on 127.0.0.1 with a
 * free port. A child process (not in-process) so the single-threaded server gets its own core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Azurite's well-known development account (public, documented; not a secret). */
export const DEV_ACCOUNT_NAME = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteHandle {
    /** http://127.0.0.1:PORT/devstoreaccount1 */
    endpoint: string;
    port: number;
    accountName: string;
    accountKey: string;
    /** The Azurite process (the benchmark reads its CPU time from /proc). */
    pid: number | undefined;
    stop(): Promise<void>;
    /** After stop(): whether Azurite shut down by itself (and so wrote out its metadata). */
    readonly stoppedCleanly?: boolean;
}

export interface AzuriteOptions {
    /** Keep blobs in memory (default true unless `location` is given). */
    inMemory?: boolean;
    /** Folder for blob data; implies on-disk persistence. */
    location?: string;
    /** Milliseconds to wait for the listening line (default 20 s). */
    startTimeoutMs?: number;
    /** Storage accounts besides the dev account (name, base64 key), reached at http://127.0.0.1:PORT/<name>. */
    accounts?: { name: string; key: string }[];
}

const live = new Set<ChildProcess>();
const ownDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    // A test runner that exits without calling stop() must not leave a server behind.
    process.on('exit', () => {
        for (const child of live) child.kill('SIGKILL');
        for (const dir of ownDirs) fs.rmSync(dir, { recursive: true, force: true });
    });
}

function azuriteMain(): string {
    const pkg = require.resolve('azurite/package.json');
    return path.join(path.dirname(pkg), 'dist', 'src', 'blob', 'main.js');
}

export async function startAzurite(opts: AzuriteOptions = {}): Promise<AzuriteHandle> {
    const inMemory = opts.location ? false : opts.inMemory !== false;
    const ownDir = opts.location ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'azurite-'));
    const location = opts.location ?? ownDir!;
    if (ownDir) ownDirs.add(ownDir);
    fs.mkdirSync(location, { recursive: true });
    const args = [
        path.join(__dirname, 'azuriteChild.js'),
        azuriteMain(),
        '--blobHost', '127.0.0.1',
        '--blobPort', '0',
        '--skipApiVersionCheck',
        '--loose',
        '--disableTelemetry',
        '--silent',
    ];
    if (inMemory) args.push('--inMemoryPersistence');
    else args.push('--location', location);

    // Custom accounts from the caller's environment would replace the dev account.
    const env = { ...process.env };
    delete env.AZURITE_ACCOUNTS;
    // Azurite replaces its accounts with this list, so the dev account is named in it as well.
    if (opts.accounts?.length) env.AZURITE_ACCOUNTS = [{ name: DEV_ACCOUNT_NAME, key: DEV_ACCOUNT_KEY }, ...opts.accounts].map((a) => `${a.name}:${a.key}`).join(';');
    const child = spawn(process.execPath, args, { cwd: location, stdio: ['ignore', 'pipe', 'pipe'], env });
    live.add(child);
    installExitHook();

    let output = '';
    const exited = new Promise<void>((resolve) => child.once('exit', () => { live.delete(child); resolve(); }));
    const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => fail(new Error(`Azurite did not start within ${opts.startTimeoutMs ?? 60000} ms: ${output.slice(-500)}`)), opts.startTimeoutMs ?? 60000);
        const onData = (chunk: Buffer) => {
            output += chunk.toString('utf8');
            const m = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
            if (m) { clearTimeout(timer); resolve(Number(m[1])); }
        };
        const fail = (e: Error) => { clearTimeout(timer); child.kill('SIGKILL'); reject(e); };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => fail(new Error(`Azurite exited with code ${code}: ${output.slice(-500)}`)));
    });
    // Keep draining so a chatty child never blocks on a full pipe.
    child.stdout!.resume();
    child.stderr!.resume();

    let stopping: Promise<void> | undefined;
    let clean: boolean | undefined;
    return {
        endpoint: `http://127.0.0.1:${port}/${DEV_ACCOUNT_NAME}`,
        port,
        accountName: DEV_ACCOUNT_NAME,
        accountKey: DEV_ACCOUNT_KEY,
        pid: child.pid,
        get stoppedCleanly() {
            return clean;
        },
        stop() {
            stopping ??= (async () => {
                if (child.exitCode === null && child.signalCode === null) {
                    child.kill('SIGTERM');
                    // On disk, Azurite saves its metadata while closing: give it time on a busy machine.
                    let killed = false;
                    const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, inMemory ? 3000 : 15000);
                    await exited;
                    clearTimeout(timer);
                    clean = !killed && child.exitCode === 0;
                }
                if (ownDir) {
                    fs.rmSync(ownDir, { recursive: true, force: true });
                    ownDirs.delete(ownDir);
                }
            })();
            return stopping;
        },
    };
}
