import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;

/** Cmd is a const enum (erased at compile time): read its values from the source. */
function cmdIds(): string[] {
    const src = fs.readFileSync(path.join(root, 'src/shared/constants.ts'), 'utf8');
    const body = /export const enum Cmd \{([\s\S]*?)\n\}/.exec(src)![1];
    return [...body.matchAll(/=\s*'([^']+)'/g)].map((m) => m[1]).sort();
}

test('contributed commands equal the Cmd set', () => {
    const contributed = (pkg.contributes.commands as { command: string }[]).map((c) => c.command).sort();
    assert.deepEqual(contributed, cmdIds());
    assert.ok(cmdIds().length >= 10);
});

test('every %key% in package.json exists in package.nls.json', () => {
    const keys = [...JSON.stringify(pkg).matchAll(/%([\w.]+)%/g)].map((m) => m[1]);
    assert.ok(keys.length > 20);
    const missing = keys.filter((k) => !(k in nls));
    assert.deepEqual(missing, []);
    const unused = Object.keys(nls).filter((k) => !keys.includes(k));
    assert.deepEqual(unused, []);
});

test('commands have a title and the Azure Disks category; Retry is hidden from the palette', () => {
    for (const c of pkg.contributes.commands as { command: string; title: string; category: string }[]) {
        assert.match(c.title, /^%azureDisks\.\w+\.title%$/, c.command);
        assert.equal(nls[c.category.replace(/%/g, '')], 'Azure Disks');
    }
    const palette = pkg.contributes.menus.commandPalette as { command: string; when: string }[];
    assert.ok(palette.some((m) => m.command === 'azureDisks.retryLoad' && m.when === 'false'));
});

test('when clauses: anchored viewItem regexes, || parenthesised, numbered groups', () => {
    const menus = Object.values(pkg.contributes.menus).flat() as { when?: string; group?: string }[];
    for (const m of menus) {
        for (const re of m.when?.matchAll(/viewItem =~ \/([^/]*)\//g) ?? []) assert.ok(re[1].startsWith('^'), m.when);
        if (m.when?.includes('||')) assert.match(m.when, /\([^()]*\|\|[^()]*\)/, m.when);
        if (m.group && m.group !== 'inline' && !m.group.startsWith('inline@') && !m.group.startsWith('navigation')) assert.match(m.group, /^\d+_\w+(@\d+)?$/, m.group);
    }
});

test('a setting description that links another setting or uses markdown is a markdownDescription, so VS Code renders it', () => {
    const props = pkg.contributes.configuration.properties as Record<string, { description?: string; markdownDescription?: string }>;
    for (const [key, p] of Object.entries(props)) {
        const plain = p.description ? (nls[p.description.replace(/%/g, '')] ?? p.description) : '';
        assert.doesNotMatch(plain, /`#[\w.]+#`|\]\(|\*\*/, `${key}: its description shows markdown as raw text; use markdownDescription`);
    }
    assert.ok(props['azureDisks.customCloud'].markdownDescription, 'the custom cloud setting links azureDisks.cloud');
});

test('settings the extension and downloads read are contributed with their defaults', () => {
    const p = pkg.contributes.configuration.properties;
    assert.deepEqual(p['azureDisks.cloud'].enum, ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment', 'Custom']);
    assert.deepEqual(p['azureDisks.authentication'].enum, ['vscode', 'azureCli', 'environment']);
    assert.equal(p['azureDisks.authentication'].default, 'vscode');
    assert.deepEqual(Object.keys(p['azureDisks.customCloud'].properties).sort(), ['activeDirectoryEndpoint', 'managementScope', 'portalEndpoint', 'resourceManagerEndpoint', 'storageEndpointSuffix']);
    assert.equal(p['azureDisks.download.folder'].default, 'disks');
    assert.deepEqual([p['azureDisks.download.concurrency'].default, p['azureDisks.download.concurrency'].minimum, p['azureDisks.download.concurrency'].maximum], [16, 1, 64]);
    assert.deepEqual(p['azureDisks.download.revokeAfterDownload'].enum, ['ask', 'always', 'never']);
    assert.deepEqual(p['azureDisks.download.onSasExpired'].enum, ['ask', 'regrant']);
    assert.deepEqual(p['azureDisks.download.revokeOnCancel'].enum, ['ask', 'always', 'never']);
    assert.equal(pkg.main, './dist/extension.js');
});

test('the view, in the Explorer sidebar where the design puts it, shown on first start, and its welcome content', () => {
    assert.equal(pkg.contributes.viewsContainers, undefined, 'no container of its own: the view is an Explorer section');
    const views = pkg.contributes.views.explorer as { id: string; name: string; visibility?: string; icon?: string }[];
    const view = views.find((v) => v.id === 'azureDisks.disks');
    assert.ok(view, 'the disks view is contributed to the Explorer');
    assert.equal(nls[view.name.replace(/%/g, '')], 'Azure Managed Disks');
    assert.equal(view.visibility, 'visible', 'shown (expanded) on first start');
    assert.match(view.icon ?? '', /^\$\(/, 'a codicon, for when the user drags the view into a container of its own');
    const welcome = pkg.contributes.viewsWelcome as { contents: string; when: string }[];
    const texts = welcome.map((w) => nls[w.contents.replace(/%/g, '')]);
    assert.ok(texts.some((t) => t.includes('command:azureDisks.signIn')));
    assert.ok(texts.some((t) => t.includes('command:azureDisks.selectSubscriptions')));
});
