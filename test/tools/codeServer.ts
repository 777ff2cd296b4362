/**
 * Drives a real VS Code workbench on machines where desktop VS Code cannot be downloaded:
 * code-server (VS Code server + web workbench, run with Node 24) and headless Debian Chromium.
 * Used by the extension-host shim, the UI flows and the demo.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { installAuthProvider } from '../authProvider/install';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
// Works from the source tree (test/tools) and from out/test/tools alike.
const toolsDir = fs.existsSync(path.join(repoRoot, 'test', '.tools'))
    ? path.join(repoRoot, 'test', '.tools')
    : path.resolve(__dirname, '..', '.tools');

export const NODE24 = path.join(toolsDir, 'node24', 'bin', 'node');
export const CODE_SERVER_ENTRY = path.join(toolsDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = '/usr/bin/chromium';
export const EXTENSION_ID = 'azure-disks-tools.azure-managed-disks';

export interface CodeServerOptions {
    workspace: string;
    vsixPath?: string;
    settings?: Record<string, unknown>;
    env?: Record<string, string>;
    /** Lets the workbench honour `?payload=` (extension-host tests). */
    smokeTestDriver?: boolean;
    runDir?: string;
    /** Defaults to `<runDir>/user` and `<runDir>/ext`. */
    userDataDir?: string;
    extensionsDir?: string;
    port?: number;
    /** Installs the sandbox's Microsoft authentication provider (test/authProvider) beside the VSIX. */
    authProvider?: boolean;
    /** Receives code-server's stdout/stderr lines; silent when omitted. */
    onOutput?: (line: string) => void;
}

export interface CodeServer {
    url: string;
    port: number;
    runDir: string;
    userDataDir: string;
    extensionsDir: string;
    /** `<extensionsDir>/<publisher>.<name>-<version>` once a VSIX was installed. */
    installedExtensionPath?: string;
    stop(): Promise<void>;
}

/** User settings that keep the screen free of first-run noise. */
export const CLEAN_USER_SETTINGS: Record<string, unknown> = {
    'workbench.startupEditor': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'telemetry.telemetryLevel': 'off',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'security.workspace.trust.enabled': false,
};

export function toolsMissing(): string[] {
    const missing: string[] = [];
    for (const p of [NODE24, CODE_SERVER_ENTRY, CHROMIUM]) {
        if (!fs.existsSync(p)) {
            missing.push(p);
        }
    }
    return missing;
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

function baseArgs(runDir: string, userDataDir: string, extensionsDir: string): string[] {
    return [CODE_SERVER_ENTRY, '--config', path.join(runDir, 'config.yaml'), '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir];
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(cmd, args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
            if (err) {
                reject(new Error(`${path.basename(cmd)} ${args.slice(-2).join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
            } else {
                resolve(stdout);
            }
        });
    });
}

function findInstalled(extensionsDir: string): string | undefined {
    const prefix = `${EXTENSION_ID}-`;
    const hits = fs.existsSync(extensionsDir) ? fs.readdirSync(extensionsDir).filter((d) => d.toLowerCase().startsWith(prefix)) : [];
    hits.sort();
    return hits.length ? path.join(extensionsDir, hits[hits.length - 1]) : undefined;
}

function writeConfig(runDir: string): void {
    fs.mkdirSync(runDir, { recursive: true });
    // --config keeps code-server away from ~/.config/code-server.
    fs.writeFileSync(path.join(runDir, 'config.yaml'), 'auth: none\ncert: false\n');
}

/** Installs a VSIX with code-server's CLI (~1 s); returns the installed extension folder. */
export async function installVsix(vsixPath: string, dirs: { runDir: string; userDataDir: string; extensionsDir: string; env?: NodeJS.ProcessEnv }): Promise<string> {
    writeConfig(dirs.runDir);
    fs.mkdirSync(dirs.extensionsDir, { recursive: true });
    const env = { ...process.env, ...dirs.env, EXTENSIONS_GALLERY: '{}' };
    await run(NODE24, [...baseArgs(dirs.runDir, dirs.userDataDir, dirs.extensionsDir), '--install-extension', path.resolve(vsixPath), '--force'], env);
    const installed = findInstalled(dirs.extensionsDir);
    if (!installed) {
        throw new Error(`VSIX ${vsixPath} did not install into ${dirs.extensionsDir}`);
    }
    return installed;
}

async function waitForHealth(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) {
            throw new Error(`code-server exited early with code ${child.exitCode}`);
        }
        const ok = await new Promise<boolean>((resolve) => {
            const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
                res.resume();
                resolve(res.statusCode === 200);
            });
            req.on('error', () => resolve(false));
            req.on('timeout', () => {
                req.destroy();
                resolve(false);
            });
        });
        if (ok) {
            return;
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`code-server did not answer /healthz on port ${port} within ${timeoutMs} ms`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined) {
        return;
    }
    try {
        process.kill(-child.pid, signal);
    } catch {
        // already gone
    }
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
    const missing = toolsMissing();
    if (missing.length) {
        throw new Error(`Tools missing (run bash test/tools/setup.sh): ${missing.join(', ')}`);
    }
    const runDir = opts.runDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'amd-cs-'));
    const userDataDir = opts.userDataDir ?? path.join(runDir, 'user');
    const extensionsDir = opts.extensionsDir ?? path.join(runDir, 'ext');
    fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    fs.mkdirSync(extensionsDir, { recursive: true });
    writeConfig(runDir);
    fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...CLEAN_USER_SETTINGS, ...opts.settings }, null, 2));

    // VSCODE_CLI=1 stops the server from replacing this environment (PATH above all) with the
    // login shell's when it starts the extension host: tests put stand-ins first on PATH.
    const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, EXTENSIONS_GALLERY: '{}', VSCODE_CLI: '1' };
    delete env.VSCODE_IPC_HOOK_CLI;

    let installedExtensionPath: string | undefined;
    if (opts.vsixPath) {
        installedExtensionPath = await installVsix(opts.vsixPath, { runDir, userDataDir, extensionsDir, env });
    }
    if (opts.authProvider) installAuthProvider(extensionsDir);

    const port = opts.port ?? (await freePort());
    const args = [
        ...baseArgs(runDir, userDataDir, extensionsDir),
        '--auth', 'none',
        '--bind-addr', `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        ...(opts.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
        opts.workspace,
    ];
    const child = spawn(NODE24, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const logStream = fs.createWriteStream(path.join(runDir, 'code-server.log'));
    const forward = (chunk: Buffer) => {
        logStream.write(chunk);
        if (opts.onOutput) {
            for (const line of chunk.toString('utf8').split('\n')) {
                if (line.trim()) {
                    opts.onOutput(line);
                }
            }
        }
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);

    let stopped: Promise<void> | undefined;
    const stop = () => {
        stopped ??= (async () => {
            if (child.exitCode === null && child.signalCode === null) {
                const exited = new Promise<void>((r) => child.once('exit', () => r()));
                killGroup(child, 'SIGTERM');
                const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
                await exited;
                clearTimeout(timer);
            }
            // The file watcher lives in the same group; make sure nothing of it remains.
            killGroup(child, 'SIGKILL');
            await new Promise<void>((r) => logStream.end(() => r()));
        })();
        return stopped;
    };

    try {
        await waitForHealth(port, child, 30_000);
    } catch (e) {
        await stop();
        throw e;
    }
    return { url: `http://127.0.0.1:${port}/`, port, runDir, userDataDir, extensionsDir, installedExtensionPath, stop };
}

/** The page URL opening `folder` (and, for extension-host tests, the smoke-test payload). */
export function workbenchUrl(server: Pick<CodeServer, 'url' | 'port'>, folder: string, payload?: { extensionDevelopmentPath: string; extensionTestsPath: string }): string {
    let url = `${server.url}?folder=${encodeURIComponent(folder)}`;
    if (payload) {
        const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${path.resolve(p)}`;
        const entries = [
            ['extensionDevelopmentPath', remote(payload.extensionDevelopmentPath)],
            ['extensionTestsPath', remote(payload.extensionTestsPath)],
        ];
        url += `&payload=${encodeURIComponent(JSON.stringify(entries))}`;
    }
    return url;
}

export async function launchChromium(): Promise<Browser> {
    const { chromium } = await import('playwright-core');
    return chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
}
