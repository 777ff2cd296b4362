/**
 * Extension-host tier: installs the packaged VSIX, starts the sandbox cloud, runs the Mocha suite
 * inside VS Code through @vscode/test-electron's runTests, then scans everything the extension
 * left behind for the secrets the sandbox issued. Prints `host: N passed, N failed` last.
 *
 * By default runTests starts test/host/shim (code-server + headless Chromium); with
 * AZURE_DISKS_HOST_VSCODE=desktop it downloads desktop VS Code instead and runs the same suite.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { installVsix } from '../tools/codeServer';
import { authProviderEnv, authProviderTrust, BUILTIN_MICROSOFT_AUTH, installAuthProvider } from '../authProvider/install';
import { startSandbox } from '../sandbox/index';
import { scanForSecrets } from './secretScan';
import { sandboxSettings } from './settings';

const root = path.resolve(__dirname, '..', '..', '..');

async function main(): Promise<number> {
    const started = Date.now();
    const vsix = path.resolve(process.env.AZURE_DISKS_VSIX ?? path.join(root, 'dist', 'azure-managed-disks.vsix'));
    if (!fs.existsSync(vsix)) {
        throw new Error(`${vsix} not found: run npm run package first`);
    }
    const artifacts = path.join(root, 'test-results', 'host');
    fs.rmSync(artifacts, { recursive: true, force: true });
    fs.mkdirSync(artifacts, { recursive: true });

    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-host-'));
    const userDataDir = path.join(runDir, 'user');
    const extensionsDir = path.join(runDir, 'ext');
    const workspace = path.join(runDir, 'workspace');
    const installed = await installVsix(vsix, { runDir, userDataDir, extensionsDir });
    // The default sign-in (VS Code's Microsoft account) goes through the sandbox's provider.
    installAuthProvider(extensionsDir);

    const sandbox = await startSandbox({ lroPolls: 1, retryAfterSeconds: 0 });
    const passed: string[] = [];
    const failed: { title: string; error: string }[] = [];
    try {
        fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
        fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(sandboxSettings(sandbox.info), null, 2));
        const resultsFile = path.join(runDir, 'host-results.json');
        const captureFile = path.join(runDir, 'host-capture.json');
        const sandboxInfo = { ...sandbox.info, manifestPath: sandbox.info.manifestPath };
        if (!sandboxInfo.manifestPath || !fs.existsSync(sandboxInfo.manifestPath)) {
            sandboxInfo.manifestPath = path.join(runDir, 'manifest.json');
            fs.writeFileSync(sandboxInfo.manifestPath, JSON.stringify(sandbox.manifest));
        }
        const desktop = process.env.AZURE_DISKS_HOST_VSCODE === 'desktop';
        const env: Record<string, string> = {
            AZURE_DISKS_SANDBOX_INFO: JSON.stringify(sandboxInfo),
            // The extension exposes its test-only API (src/testHooks.ts) only when this is set.
            AZURE_DISKS_TEST_HOOKS: '1',
            AZURE_DISKS_HOST_RESULTS: resultsFile,
            AZURE_DISKS_CAPTURE_FILE: captureFile,
            AZURE_DISKS_HOST_ARTIFACTS: artifacts,
            PATH: `${sandbox.info.azCliDir}${path.delimiter}${process.env.PATH ?? ''}`,
            ...authProviderEnv(sandbox.info),
            VSCODE_SKIP_BUILTIN_EXTENSIONS: BUILTIN_MICROSOFT_AUTH,
            // The environment route's managed identity, as App Service sets it (only that route reads them).
            IDENTITY_ENDPOINT: sandbox.info.managedIdentity.endpoint,
            IDENTITY_HEADER: sandbox.info.managedIdentity.header,
            // Extension tests get no dialogs: the shim records the account's access as already allowed.
            AZURE_DISKS_AUTH_TRUST: JSON.stringify(authProviderTrust('azure-disks-tools.azure-managed-disks', 'Azure Managed Disks')),
        };
        let exitCode: number;
        try {
            exitCode = await runTests({
                vscodeExecutablePath: desktop ? undefined : path.join(root, 'test', 'host', 'shim'),
                extensionDevelopmentPath: installed,
                extensionTestsPath: path.join(root, 'out', 'test', 'host', 'suite', 'index.js'),
                extensionTestsEnv: env,
                launchArgs: [workspace, `--user-data-dir=${userDataDir}`, `--extensions-dir=${extensionsDir}`],
            });
        } catch (e) {
            exitCode = typeof (e as { code?: number }).code === 'number' ? (e as { code: number }).code : 1;
            console.error(`host: test run failed: ${(e as Error).message}`);
        }

        if (fs.existsSync(resultsFile)) {
            const r = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as { passed: string[]; failed: { title: string; error: string }[] };
            passed.push(...r.passed);
            failed.push(...r.failed);
            // The secrets scan's checks below pass on their own: without a suite test they prove nothing.
            if (r.passed.length + r.failed.length === 0) failed.push({ title: 'extension-host suite', error: 'no test ran' });
        } else {
            failed.push({ title: 'extension-host suite', error: `no results (exit code ${exitCode})` });
        }
        if (exitCode !== 0 && failed.length === 0) {
            failed.push({ title: 'extension-host run', error: `exit code ${exitCode}` });
        }

        // The secrets scan runs after the whole flow, over everything the extension could have written:
        // SAS signatures, bearer tokens and the storage account keys ARM's listKeys handed out.
        const issued = await sandbox.control.issuedSecrets();
        const scan = scanForSecrets({
            secrets: [...issued.sasSignatures, ...issued.bearerTokens, ...issued.storageAccountKeys],
            runDir,
            userDataDir,
            // The workbench's console stream, including the extension host's console output.
            extraFiles: [path.join(artifacts, 'workbench.log'), path.join(artifacts, 'page-errors.log')],
            extensionId: 'azure-disks-tools.azure-managed-disks',
        });
        for (const check of scan.checks) {
            if (check.ok) {
                passed.push(check.title);
            } else {
                failed.push({ title: check.title, error: check.detail });
            }
            console.log(`  ${check.ok ? '✔' : '✘'} ${check.title}${check.ok ? '' : ` — ${check.detail}`}`);
        }
        if (fs.existsSync(path.join(userDataDir, 'logs'))) {
            fs.cpSync(path.join(userDataDir, 'logs'), path.join(artifacts, 'logs'), { recursive: true, force: true });
        }
    } finally {
        await sandbox.stop();
    }
    for (const f of failed) {
        console.log(`  FAILED: ${f.title}: ${f.error}`);
    }
    if (failed.length) {
        console.log(`host: run folder kept for inspection: ${runDir}`);
    } else {
        fs.rmSync(runDir, { recursive: true, force: true });
    }
    console.log(`host tier took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`host: ${passed.length} passed, ${failed.length} failed`);
    return failed.length ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (e) => {
        console.error(e instanceof Error ? e.stack : e);
        console.log('host: 0 passed, 1 failed');
        process.exit(1);
    },
);
