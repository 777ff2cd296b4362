/** The l10n bundle is what `npm run l10n` extracts from the sources: no string missing, none stale. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

test('l10n/bundle.l10n.json matches the strings in src/', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-l10n-'));
    try {
        const cli = require.resolve('@vscode/l10n-dev/dist/cli.js', { paths: [root] });
        execFileSync(process.execPath, [cli, 'export', '-o', out, path.join(root, 'src')], { cwd: root, stdio: 'pipe' });
        const fresh = JSON.parse(fs.readFileSync(path.join(out, 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
        const committed = JSON.parse(fs.readFileSync(path.join(root, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
        assert.deepEqual(Object.keys(committed).sort(), Object.keys(fresh).sort(), 'run `npm run l10n` and commit l10n/bundle.l10n.json');
        assert.ok(Object.keys(fresh).length > 100, 'the extractor found the strings');
        // The pure modules' messages are in it too, not only the vscode-side ones.
        assert.ok('Azure is throttling requests; try again in {0} s.' in fresh);
        assert.ok('The download of {0} finished but did not verify: {1}' in fresh);
        // The grant wizard's labels and the access page's texts (src/webview-app is scanned too).
        assert.ok('1 hour' in fresh && 'Access level' in fresh);
        assert.ok('Download all' in fresh && '{0} of {1} written of {2}' in fresh);
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
});
