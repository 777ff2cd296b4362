/**
 * Activation must not load the Azure SDK: it is imported lazily where first needed. This walks the
 * bundle's static import graph from src/extension.ts (esbuild's metafile, same options as the
 * real build) and fails if any static path reaches an @azure package.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(__dirname, '../../..');

async function staticGraph(): Promise<{ reachable: Set<string>; dynamicTargets: Set<string> }> {
    const result = await esbuild.build({
        absWorkingDir: root,
        entryPoints: ['src/extension.ts'],
        bundle: true,
        write: false,
        metafile: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        external: ['vscode'],
        mainFields: ['module', 'main'],
        define: { 'import.meta.url': '__importMetaUrl' },
        logLevel: 'silent',
    });
    const inputs = result.metafile.inputs;
    const reachable = new Set<string>();
    const dynamicTargets = new Set<string>();
    const stack = ['src/extension.ts'];
    while (stack.length) {
        const file = stack.pop()!;
        if (reachable.has(file)) continue;
        reachable.add(file);
        for (const imp of inputs[file]?.imports ?? []) {
            if (imp.external) continue;
            if (imp.kind === 'dynamic-import') dynamicTargets.add(imp.path);
            else stack.push(imp.path);
        }
    }
    return { reachable, dynamicTargets };
}

test('no @azure package is reachable from activation through static imports', async () => {
    const { reachable, dynamicTargets } = await staticGraph();
    const azure = [...reachable].filter((f) => /node_modules[\\/]@azure/.test(f));
    assert.deepEqual(azure, [], `statically imported at activation: ${azure.slice(0, 5).join(', ')}`);
    // The walk is meaningful only if the SDK is in the bundle at all, behind dynamic imports.
    assert.ok([...dynamicTargets].some((f) => /node_modules[\\/]@azure[\\/]arm-compute/.test(f)), 'arm-compute is loaded lazily');
    assert.ok(reachable.size > 20, 'the walk saw the extension\'s own modules');
});
