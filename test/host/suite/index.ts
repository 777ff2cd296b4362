/**
 * Entry point VS Code loads as --extensionTestsPath: runs every *.test.js next to it with Mocha
 * inside the extension host and prints `host: N passed, N failed`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface MochaLike {
    addFile(file: string): void;
    loadFilesAsync(): Promise<void>;
    run(done: (failures: number) => void): { on(event: string, cb: (...args: never[]) => void): unknown };
}

export async function run(): Promise<void> {
    // mocha 12 ships as ESM with a CommonJS build inside; require(esm) works on Node ≥ 20.19.
    const mod = require('mocha') as { default?: new (o: object) => MochaLike } & (new (o: object) => MochaLike);
    const Mocha = mod.default ?? mod;
    const mocha = new Mocha({
        ui: 'bdd',
        color: false,
        timeout: Number(process.env.AZURE_DISKS_HOST_TEST_TIMEOUT_MS ?? 120_000),
        grep: process.env.AZURE_DISKS_HOST_GREP || undefined,
    });
    const files = fs
        .readdirSync(__dirname)
        .filter((f) => f.endsWith('.test.js'))
        .sort();
    for (const f of files) {
        mocha.addFile(path.join(__dirname, f));
    }
    await mocha.loadFilesAsync();

    const passed: string[] = [];
    const failed: { title: string; error: string }[] = [];
    await new Promise<void>((resolve) => {
        const runner = mocha.run(() => resolve());
        runner.on('pass', (t: { fullTitle(): string }) => passed.push(t.fullTitle()));
        runner.on('fail', (t: { fullTitle(): string }, err: Error) => failed.push({ title: t.fullTitle(), error: String(err?.message ?? err) }));
    });

    // A run that found no test (a build that emitted none, a grep that matched nothing) is a failure,
    // recorded before the results are written so the runner outside sees it too.
    if (passed.length + failed.length === 0) failed.push({ title: 'extension-host suite', error: `no test ran (${files.length} test files loaded${process.env.AZURE_DISKS_HOST_GREP ? `, grep "${process.env.AZURE_DISKS_HOST_GREP}"` : ''})` });
    (require('./harness') as typeof import('./harness')).writeCapture();
    const resultsFile = process.env.AZURE_DISKS_HOST_RESULTS;
    if (resultsFile) {
        fs.writeFileSync(resultsFile, JSON.stringify({ passed, failed }, null, 2));
    }
    console.log(`host: ${passed.length} passed, ${failed.length} failed`);
    if (failed.length > 0) {
        throw new Error(`${failed.length} extension-host test(s) failed`);
    }
}
