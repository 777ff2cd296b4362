/**
 * UI flows in the real workbench: one sandbox, one code-server with the packaged extension, one
 * headless Chromium page, then each flow in order. A failing flow is recorded (with a screenshot)
 * and the next one still runs. Last line: `ui: N passed, N failed`.
 *
 *   node out/test/ui/run.js [--flow <name>]...   (after `npm run package` and `npm run build:tests`)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { startSandbox } from '../sandbox';
import { seedFirstDownload } from '../sandbox/firstDownload';
import { launchChromium, startCodeServer, toolsMissing, workbenchUrl, type CodeServer } from '../tools/codeServer';
import type { Flow, FlowContext, Sandbox } from './flow';
import { flows as allFlows } from './flows';
import { publicSignInSettings, sandboxEnv, sandboxSettings } from './settings';
import { Workbench } from './workbench';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const vsixPath = path.join(repoRoot, 'dist', 'azure-managed-disks.vsix');
// UI_RESULTS_DIR lets two runs on one machine keep their screenshots apart.
const shotsDir = path.resolve(process.env.UI_RESULTS_DIR ?? path.join(repoRoot, 'test-results', 'ui'));
const FLOW_TIMEOUT_MS = 120_000;

function selectedFlows(): Flow[] {
    const wanted: string[] = [];
    process.argv.forEach((a, i) => {
        if (a === '--flow' && process.argv[i + 1]) wanted.push(process.argv[i + 1]);
    });
    if (!wanted.length) return allFlows;
    const unknown = wanted.filter((w) => !allFlows.some((f) => f.name === w));
    if (unknown.length) throw new Error(`Unknown flow(s): ${unknown.join(', ')}; known: ${allFlows.map((f) => f.name).join(', ')}`);
    return allFlows.filter((f) => wanted.includes(f.name));
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
    const flows = selectedFlows();
    if (!flows.length) throw new Error('no flow to run: the flow list is empty');
    const missing = toolsMissing();
    if (missing.length) throw new Error(`Tools missing (run bash test/tools/setup.sh): ${missing.join(', ')}`);
    if (!fs.existsSync(vsixPath)) throw new Error(`${vsixPath} is missing: run \`npm run package\` first.`);

    fs.rmSync(shotsDir, { recursive: true, force: true });
    fs.mkdirSync(shotsDir, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-ui-'));
    const workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(workspace);

    const t0 = Date.now();
    let sandbox: Sandbox | undefined;
    let server: CodeServer | undefined;
    let browser: Browser | undefined;
    let passed = 0;
    let failed = 0;
    let cleaned: Promise<void> | undefined;
    const cleanup = () => (cleaned ??= (async () => {
        await browser?.close().catch(() => undefined);
        await server?.stop().catch(() => undefined);
        await sandbox?.stop().catch(() => undefined);
        if (!process.env.UI_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
    })());
    // Ctrl+C must not leave code-server (its own process group) or the sandbox behind.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => void cleanup().then(() => process.exit(130)));
    }
    try {
        sandbox = await startSandbox();
        const info = sandbox.info;
        console.log(`ui: sandbox up in ${secs(Date.now() - t0)}`);
        // As in the demo: a first download of the disk with a history is there to be updated.
        await seedFirstDownload(info, sandbox.manifest, workspace);
        server = await startCodeServer({
            workspace,
            vsixPath,
            runDir: path.join(tmp, 'code-server'),
            settings: sandboxSettings(info, {
                ...publicSignInSettings(info),
                'azureDisks.download.revokeAfterDownload': 'never',
                'azureDisks.download.revokeOnCancel': 'never',
            }),
            env: sandboxEnv(info),
            authProvider: true,
        });
        browser = await launchChromium();
        const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
        page.setDefaultTimeout(30_000);
        await page.goto(workbenchUrl(server, workspace));
        const wb = new Workbench(page, shotsDir);
        await wb.waitForWorkbench();
        await wb.openExplorer();
        await wb.widenSidebar(560);
        console.log(`ui: workbench up in ${secs(Date.now() - t0)}`);

        const manifest = sandbox.manifest;
        for (const flow of flows) {
            const started = Date.now();
            const fwb = wb.forFlow(flow.name);
            const ctx: FlowContext = {
                wb: fwb,
                page,
                sandbox,
                control: sandbox.control,
                workspace,
                seed(name) {
                    const hit = manifest.find((d) => d.name === name);
                    if (!hit) throw new Error(`The sandbox has no disk or snapshot named ${name}`);
                    return hit;
                },
            };
            try {
                await fwb.reset();
                await withTimeout(flow.run(ctx), flow.timeoutMs ?? FLOW_TIMEOUT_MS, `flow ${flow.name}`);
                passed++;
                console.log(`ui: ✓ ${flow.name} (${secs(Date.now() - started)})`);
            } catch (e) {
                failed++;
                await fwb.shot('failure').catch(() => undefined);
                const toasts = await fwb.toastTexts().catch(() => []);
                console.log(`ui: ✗ ${flow.name} (${secs(Date.now() - started)}): ${e instanceof Error ? e.message : String(e)}`);
                if (toasts.length) console.log(`    toasts: ${toasts.map((t) => t.replace(/\s+/g, ' ')).join(' / ')}`);
                if (process.env.UI_DEBUG && e instanceof Error && e.stack) console.log(e.stack);
            }
        }
    } finally {
        await cleanup();
    }
    console.log(`ui: total ${secs(Date.now() - t0)}; screenshots in ${path.relative(repoRoot, shotsDir)}/`);
    // A run in which no flow ran (or finished) proves nothing: it counts as a failure.
    if (passed + failed === 0) failed = 1;
    console.log(`ui: ${passed} passed, ${failed} failed`);
    return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (e) => {
        console.error(`ui: could not run: ${e instanceof Error ? e.message : String(e)}`);
        console.log('ui: 0 passed, 1 failed');
        process.exit(1);
    },
);
