import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScriptedInput } from '../host/suite/scriptedInput';
import { findInFile, scanForSecrets, secretVariants } from '../host/secretScan';
import { parseVsCodeArgs } from '../host/shimMain';
import { GoBackError, UserCancelledError } from '../../src/shared/cancel';

test('the shim reads the arguments runTests passes to VS Code', () => {
    const a = parseVsCodeArgs([
        '/ws',
        '--no-sandbox',
        '--disable-gpu-sandbox',
        '--extensionTestsPath=/out/suite/index.js',
        '--extensionDevelopmentPath=/ext/pub.name-1.0.0',
        '--user-data-dir=/run/user',
        '--extensions-dir',
        '/run/ext',
    ]);
    assert.deepEqual(a, { folder: '/ws', extensionTestsPath: '/out/suite/index.js', extensionDevelopmentPath: '/ext/pub.name-1.0.0', userDataDir: '/run/user', extensionsDir: '/run/ext' });
});

test('an unscripted prompt fails at once with its text', async () => {
    const ui = new ScriptedInput();
    await assert.rejects(ui.showQuickPick([{ label: 'a' }], { placeHolder: 'Select a resource group' }), /Unscripted prompt: Select a resource group/);
    assert.throws(() => ui.assertDone(), /Select a resource group/);
});

test('scripted picks go by label, Back and Escape throw the errors the extension knows', async () => {
    const ui = new ScriptedInput().script(
        { match: 'subscription', optional: true, answer: { pick: 'never asked' } },
        { match: 'group', answer: 'back' },
        { match: 'group', answer: 'cancel' },
        { match: 'group', answer: { pick: 'rg-web' } },
    );
    await assert.rejects(ui.showQuickPick([{ label: 'rg-web' }], { placeHolder: 'Select a resource group' }), (e) => e instanceof GoBackError);
    await assert.rejects(ui.showQuickPick([{ label: 'rg-web' }], { placeHolder: 'Select a resource group' }), (e) => e instanceof UserCancelledError);
    const picked = await ui.showQuickPick([{ label: 'rg-data' }, { label: 'rg-web' }], { placeHolder: 'Select a resource group' });
    assert.equal(picked.label, 'rg-web');
    ui.assertDone();
});

test('a pick that matches no item fails and names the items offered', async () => {
    const ui = new ScriptedInput().script({ match: 'disk', answer: { pick: 'missing' } });
    await assert.rejects(ui.showQuickPick([{ label: 'web-data-01' }], { placeHolder: 'Select a disk' }), /0 items match "missing" among \[web-data-01\]/);
});

test('input scripted as invalid must be rejected by the box, valid input must pass it', async () => {
    const validateInput = (v: string) => (/^\d+$/.test(v) && Number(v) > 0 ? undefined : 'a positive number');
    const ui = new ScriptedInput().script({ match: 'Duration', answer: { input: '0', invalid: true } }, { match: 'Duration', answer: { input: '5' } });
    assert.equal(await ui.showInputBox({ prompt: 'Duration', validateInput }), '5');
    assert.deepEqual(ui.validationMessages, ['a positive number']);

    const lax = new ScriptedInput().script({ match: 'Duration', answer: { input: '7', invalid: true } });
    await assert.rejects(lax.showInputBox({ prompt: 'Duration', validateInput }), /accepted "7", which should be rejected/);
});

test('toasts are recorded; a modal question without a script fails, a plain warning does not', async () => {
    const ui = new ScriptedInput();
    assert.equal(await ui.showErrorMessage('Could not grant', 'Show Log'), undefined);
    assert.equal(await ui.showWarningMessage('Heads up', {}), undefined);
    await assert.rejects(ui.showWarningMessage('Revoke access to x?', { modal: true }, 'Revoke'), /Unscripted prompt: Revoke access to x\?/);
    assert.deepEqual(
        ui.toasts.map((t) => t.kind),
        ['error', 'warning'],
    );
});

test('a modal question scripted as dismiss resolves undefined, as Escape does; a button is still checked', async () => {
    const ui = new ScriptedInput();
    ui.script({ match: 'expired during the download', answer: 'dismiss' }, { match: 'Revoke access now', answer: { button: 'Revoke access' } });
    assert.equal(await ui.showWarningMessage('The access to d expired during the download. Grant again?', { modal: true }, 'Grant again'), undefined);
    assert.equal(await ui.showWarningMessage('Revoke access now?', { modal: true }, 'Revoke access', 'Keep access'), 'Revoke access');
    ui.assertDone();
});

test('secret variants cover encoded forms; the file search finds a needle across chunk boundaries', () => {
    const sig = 'abc+/def=ghijklmn';
    const forms = secretVariants(sig);
    assert.ok(forms.includes(sig) && forms.includes(encodeURIComponent(sig)));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-'));
    const file = path.join(dir, 'big.bin');
    const buf = Buffer.alloc(8 * 1024 * 1024 + 100, 0x41);
    Buffer.from(encodeURIComponent(sig)).copy(buf, 8 * 1024 * 1024 - 5);
    fs.writeFileSync(file, buf);
    const found = findInFile(file, forms.map((f) => Buffer.from(f)));
    assert.ok([...found].some((i) => forms[i] === encodeURIComponent(sig)));
    fs.rmSync(dir, { recursive: true });
});

test('the secrets scan reports a leak by file and index, and fails when it saw no log or state', () => {
    const run = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-run-'));
    const user = path.join(run, 'user');
    const logDir = path.join(user, 'logs', 'x', 'exthost1', 'pub.ext');
    fs.mkdirSync(logDir, { recursive: true });
    fs.writeFileSync(path.join(logDir, 'Ext.log'), 'granted https://a/b?sv=1&sig=SECRETSIGNATURE123');
    fs.writeFileSync(path.join(run, 'browser-storage.json'), JSON.stringify({ k: ['pub.ext', '{}'] }));
    fs.writeFileSync(path.join(run, 'host-capture.json'), JSON.stringify({ telemetry: [{}], toasts: [{}] }));
    const r = scanForSecrets({ secrets: ['OTHERTOKEN12345', 'SECRETSIGNATURE123'], runDir: run, userDataDir: user, extensionId: 'pub.ext' });
    const byTitle = Object.fromEntries(r.checks.map((c) => [c.title.replace(/ in \d+ files.*/, ''), c]));
    assert.equal(byTitle["secrets scan: saw the extension's log file"].ok, true);
    const leak = byTitle['secrets scan: no SAS signature, token or account key'];
    assert.equal(leak.ok, false);
    assert.match(leak.detail, /Ext\.log \(secret #1\)/);
    assert.doesNotMatch(leak.detail, /SECRETSIGNATURE/);

    fs.rmSync(path.join(user, 'logs'), { recursive: true });
    fs.rmSync(path.join(run, 'browser-storage.json'));
    const empty = scanForSecrets({ secrets: ['OTHERTOKEN12345'], runDir: run, userDataDir: user, extensionId: 'pub.ext' });
    assert.deepEqual(
        empty.checks.filter((c) => !c.ok).map((c) => c.title),
        ["secrets scan: saw the extension's log file", "secrets scan: saw VS Code's state storage holding the extension's state"],
    );
    fs.rmSync(run, { recursive: true });
});
