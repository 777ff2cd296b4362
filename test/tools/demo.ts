/**
 * `npm run demo`: the sandbox cloud plus a real VS Code (code-server) with the packaged extension
 * installed and pointed at it, and a workspace folder to download into. Prints the URL to open;
 * Ctrl+C stops everything it started.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { startSandbox } from '../sandbox';
import { seedFirstDownload } from '../sandbox/firstDownload';
import { publicSignInSettings, sandboxEnv, sandboxSettings } from '../ui/settings';
import { startCodeServer, workbenchUrl, type CodeServer } from './codeServer';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const vsixPath = path.join(repoRoot, 'dist', 'azure-managed-disks.vsix');
const demoDir = path.join(repoRoot, '.sandbox', 'demo');

/** A stable URL between runs when it can be had. */
const DEFAULT_PORT = 8765;

function portFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const srv = net.createServer();
        srv.once('error', () => resolve(false));
        srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
}

/** `--port N` or DEMO_PORT; else 8765 if free; else any free port. */
async function choosePort(): Promise<number | undefined> {
    const i = process.argv.indexOf('--port');
    const raw = i >= 0 ? process.argv[i + 1] : process.env.DEMO_PORT;
    if (raw) {
        const port = Number(raw);
        if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`Not a port: ${raw}`);
        return port;
    }
    return (await portFree(DEFAULT_PORT)) ? DEFAULT_PORT : undefined;
}

async function main(): Promise<void> {
    if (!fs.existsSync(vsixPath)) {
        throw new Error(`${path.relative(repoRoot, vsixPath)} is missing: run \`npm run package\` first.`);
    }
    const port = await choosePort();
    const workspace = path.join(demoDir, 'workspace');
    const runDir = path.join(demoDir, 'code-server');
    // A fresh profile each time; the workspace (and what was downloaded into it) is kept.
    fs.rmSync(runDir, { recursive: true, force: true });
    fs.mkdirSync(runDir, { recursive: true });
    fs.mkdirSync(workspace, { recursive: true });

    const stops: (() => Promise<void>)[] = [];
    let stopping = false;
    const stopAll = async (code: number) => {
        if (stopping) return;
        stopping = true;
        console.log('\nStopping…');
        for (const stop of stops.reverse()) {
            await stop().catch((e) => console.error(String(e)));
        }
        process.exit(code);
    };
    process.on('SIGINT', () => void stopAll(0));
    process.on('SIGTERM', () => void stopAll(0));
    process.on('SIGHUP', () => void stopAll(0));

    try {
        console.log('Starting the sandbox cloud (the first start writes its disks: a minute or two)…');
        const sandbox = await startSandbox({ demoDisks: true });
        stops.push(() => sandbox.stop());
        const { info, manifest } = sandbox;
        // A first download to try Update Earlier Download… on (kept as it is when already there).
        const first = await seedFirstDownload(info, manifest, workspace);

        console.log('Starting VS Code (code-server) with the extension…');
        const server: CodeServer = await startCodeServer({
            workspace,
            vsixPath,
            runDir,
            port,
            settings: sandboxSettings(info, publicSignInSettings(info)),
            env: sandboxEnv(info),
            authProvider: true,
        });
        stops.push(() => server.stop());

        const disks = manifest.filter((d) => d.kind === 'disk').length;
        const snapshots = manifest.length - disks;
        const subscriptions = new Set(info.tenants.flatMap((t) => t.subscriptionIds)).size;
        console.log('');
        console.log(`Sandbox: ${info.tenants.length} tenants, ${subscriptions} subscriptions, ${disks} disks, ${snapshots} snapshots (ARM ${info.armEndpoint})`);
        console.log(`Workspace: ${workspace}`);
        console.log(`A first download of ${path.basename(first, '.vhd')} is in ${path.relative(workspace, path.dirname(first))}: right-click history-data-v3 → Update Earlier Download… to bring it up to date.`);
        console.log('');
        console.log(`Open ${workbenchUrl(server, workspace)}`);
        console.log('The "Azure Managed Disks" view is a section of the Explorer sidebar. Press Ctrl+C to stop.');
    } catch (e) {
        console.error(e instanceof Error ? e.message : String(e));
        await stopAll(1);
    }
}

void main();
