/**
 * The executable @vscode/test-electron's runTests starts in place of VS Code. It reads VS Code's
 * command line (--extensionDevelopmentPath=…, --extensionTestsPath=…, --user-data-dir=…,
 * --extensions-dir=…, a folder), runs the suite in code-server's workbench through headless
 * Chromium with the smoke-test payload, streams the extension host's log, takes a screenshot of
 * the workbench at the end and exits with the suite's exit code.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { launchChromium, startCodeServer, workbenchUrl } from '../tools/codeServer';

interface ShimArgs {
    extensionDevelopmentPath?: string;
    extensionTestsPath?: string;
    userDataDir?: string;
    extensionsDir?: string;
    folder?: string;
}

/** Workbench chatter unrelated to the suite (kept in test-results/host/workbench.log). */
const NOISE = [
    /Ignoring fetching additional builtin extensions/,
    /Updating additional builtin extensions cache/,
    /AccountPolicyGate/,
    /authentication provider 'github'/,
    /^\s+at .*workbench\.js/,
    /Creation of workbench contribution/,
    /took \d+ms/,
    /connection token|Creating a socket|\[Service Worker\]|reconnection-grace-time|\[AgentHost|No search provider registered/,
];

export function parseVsCodeArgs(argv: string[]): ShimArgs {
    const out: ShimArgs = {};
    const keyed: Record<string, keyof ShimArgs> = {
        extensionDevelopmentPath: 'extensionDevelopmentPath',
        extensionTestsPath: 'extensionTestsPath',
        'user-data-dir': 'userDataDir',
        'extensions-dir': 'extensionsDir',
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
        if (m) {
            const key = keyed[m[1]];
            if (key) {
                out[key] = m[2] ?? argv[++i];
            }
        } else if (!out.folder) {
            out.folder = a;
        }
    }
    return out;
}

function repoRoot(): string {
    return path.resolve(__dirname, '..', '..', '..');
}

async function main(): Promise<number> {
    const args = parseVsCodeArgs(process.argv.slice(2));
    if (!args.extensionDevelopmentPath || !args.extensionTestsPath) {
        console.error('shim: --extensionDevelopmentPath and --extensionTestsPath are required');
        return 2;
    }
    // The whole suite's bound (each test has its own, see suite/index.ts): about twice what the
    // suite takes on a loaded 2-core machine, so a hang still ends the run well inside CI's time.
    const timeoutMs = Number(process.env.AZURE_DISKS_HOST_TIMEOUT_MS ?? 25 * 60_000);
    const resultsDir = process.env.AZURE_DISKS_HOST_ARTIFACTS ?? path.join(repoRoot(), 'test-results', 'host');
    fs.mkdirSync(resultsDir, { recursive: true });
    const runDir = args.userDataDir ? path.dirname(path.resolve(args.userDataDir)) : fs.mkdtempSync(path.join(os.tmpdir(), 'amd-host-'));
    const folder = path.resolve(args.folder ?? fs.mkdtempSync(path.join(os.tmpdir(), 'amd-ws-')));
    const started = Date.now();

    const server = await startCodeServer({
        workspace: folder,
        smokeTestDriver: true,
        runDir,
        userDataDir: args.userDataDir,
        extensionsDir: args.extensionsDir,
        onOutput: process.env.AZURE_DISKS_HOST_VERBOSE ? (l) => console.log(`[code-server] ${l}`) : undefined,
    });
    const browser = await launchChromium();
    const workbenchLog = fs.createWriteStream(path.join(resultsDir, 'workbench.log'));
    let code = 1;
    try {
        // Clipboard access lets vscode.env.clipboard work as it does on the desktop.
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
        const page = await context.newPage();
        let resolveExit!: (code: number) => void;
        const exited = new Promise<number>((r) => (resolveExit = r));
        await page.exposeFunction('codeAutomationLog', (type: string, message: unknown) => {
            // Mocha's console output arrives as printf-style arguments.
            const text = (Array.isArray(message) ? format(...(message as unknown[])) : String(message)).replace(/\n$/, '');
            workbenchLog.write(`[${type}] ${text}\n`);
            if (!NOISE.some((re) => re.test(text))) {
                process.stdout.write(`${text}\n`);
            }
        });
        await page.exposeFunction('codeAutomationExit', (exitCode: number) => resolveExit(Number(exitCode)));
        page.on('pageerror', (e) => fs.appendFileSync(path.join(resultsDir, 'page-errors.log'), `${e.message}\n`));
        await trustAccount(page, server.url);
        await page.goto(
            workbenchUrl(server, folder, {
                extensionDevelopmentPath: args.extensionDevelopmentPath,
                extensionTestsPath: args.extensionTestsPath,
            }),
            // The workbench's first load takes over 30 s (playwright's default) on a busy machine.
            { timeout: 180_000 },
        );
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<number>((r) => {
            timer = setTimeout(() => {
                console.error(`shim: the suite did not finish within ${timeoutMs} ms`);
                r(1);
            }, timeoutMs);
        });
        code = await Promise.race([exited, timedOut]);
        clearTimeout(timer);
        await page.screenshot({ path: path.join(resultsDir, 'workbench.png') }).catch((e) => console.error(`shim: screenshot failed: ${e}`));
        await dumpBrowserStorage(page, path.join(runDir, 'browser-storage.json')).catch((e) => console.error(`shim: storage dump failed: ${e}`));
    } finally {
        await browser.close().catch(() => undefined);
        await server.stop();
        await new Promise<void>((r) => workbenchLog.end(() => r()));
    }
    console.log(`shim: extension host exited with ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return code;
}

/**
 * Extension tests run with the workbench's dialogs switched off, so VS Code cannot ask "Allow
 * <extension> to use <account>?". With AZURE_DISKS_AUTH_TRUST (JSON: extension id and name,
 * account label, provider ids) the shim records that answer as given, in the application storage
 * the workbench reads it from, before the workbench loads: sessions the account has are the
 * extension's without a dialog. Creating the first session still needs the user (see the suite).
 */
async function trustAccount(page: import('playwright-core').Page, origin: string): Promise<void> {
    const raw = process.env.AZURE_DISKS_AUTH_TRUST;
    if (!raw) return;
    const trust = JSON.parse(raw) as { extensionId: string; extensionName: string; account: string; providers: string[] };
    await page.goto(`${origin}healthz`);
    const entries = trust.providers.map((p) => [`${p}-${trust.account}`, JSON.stringify([{ id: trust.extensionId, name: trust.extensionName, allowed: true }])]);
    await page.evaluate(SEED_STORAGE_JS.replace('__ENTRIES__', JSON.stringify(entries)));
}

const SEED_STORAGE_JS = `(async () => {
    const entries = __ENTRIES__;
    for (const name of ['vscode-web-state-db-global', 'vscode-web-state-db-global-shared']) {
        const db = await new Promise((res, rej) => {
            const r = indexedDB.open(name);
            r.onupgradeneeded = () => { if (!r.result.objectStoreNames.contains('ItemTable')) r.result.createObjectStore('ItemTable'); };
            r.onsuccess = () => res(r.result);
            r.onerror = () => rej(r.error);
        });
        await new Promise((res, rej) => {
            const tx = db.transaction('ItemTable', 'readwrite');
            for (const [k, v] of entries) tx.objectStore('ItemTable').put(v, k);
            tx.oncomplete = () => res(undefined);
            tx.onerror = () => rej(tx.error);
        });
        db.close();
    }
})()`;

// Runs in the page (no DOM types in this project's lib, hence a string).
const DUMP_STORAGE_JS = `(async () => {
    const toText = (v) => v instanceof ArrayBuffer ? new TextDecoder().decode(new Uint8Array(v))
        : ArrayBuffer.isView(v) ? new TextDecoder().decode(v) : v;
    const req = (r) => new Promise((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const result = { localStorage: { ...localStorage }, sessionStorage: { ...sessionStorage }, indexedDB: {} };
    for (const info of await indexedDB.databases()) {
        if (!info.name) continue;
        const db = await req(indexedDB.open(info.name));
        const stores = {};
        for (const name of Array.from(db.objectStoreNames)) {
            const store = db.transaction(name, 'readonly').objectStore(name);
            const keys = await req(store.getAllKeys());
            const values = await req(store.getAll());
            stores[name] = keys.map((k, i) => [String(k), toText(values[i])]);
        }
        db.close();
        result.indexedDB[info.name] = stores;
    }
    return result;
})()`;

/**
 * The web workbench keeps its state (globalState, workspaceState, webview state, secrets) in the
 * browser's IndexedDB and localStorage, not in state.vscdb; dump them so the secrets scan sees them.
 */
async function dumpBrowserStorage(page: import('playwright-core').Page, file: string): Promise<void> {
    const dump = await page.evaluate(DUMP_STORAGE_JS);
    fs.writeFileSync(file, JSON.stringify(dump));
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e) => {
            console.error(`shim: ${e instanceof Error ? e.stack : e}`);
            process.exit(1);
        },
    );
}
