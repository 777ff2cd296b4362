/**
 * The shape of src/, enforced: features import the core and never each other; the core imports no
 * feature and not the composition root; the engine below the features (blob/, formats/, transfer/,
 * disk/) imports only what lies under it, and it, shared/ and webview-app/ import no `vscode`;
 * shared/ nothing outside itself; no import cycle between folders.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

const root = path.resolve(__dirname, '..', '..', '..');
const src = path.join(root, 'src');

interface Edge {
    from: string;
    to: string;
    file: string;
    spec: string;
}

function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return sources(p);
        return /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
    });
}

/** A folder under src/ is one unit, each folder under src/features/ is one; files directly in src/ are the root. */
function unitOf(file: string): string {
    const rel = path.relative(src, file).split(path.sep);
    if (rel.length === 1) return 'root';
    if (rel[0] === 'features') return `features/${rel[1]}`;
    return rel[0];
}

function imports(file: string): string[] {
    const text = fs.readFileSync(file, 'utf8');
    return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2] ?? m[3]);
}

export function layoutEdges(files = sources(src)): { edges: Edge[]; vscodeUsers: Map<string, string[]> } {
    const edges: Edge[] = [];
    const vscodeUsers = new Map<string, string[]>();
    for (const file of files) {
        const from = unitOf(file);
        for (const spec of imports(file)) {
            if (spec === 'vscode') {
                vscodeUsers.set(from, [...(vscodeUsers.get(from) ?? []), path.relative(root, file)]);
                continue;
            }
            if (!spec.startsWith('.')) continue;
            const target = path.resolve(path.dirname(file), spec);
            if (!target.startsWith(src + path.sep)) continue;
            const resolved = fs.existsSync(target + '.ts') ? target + '.ts' : fs.existsSync(path.join(target, 'index.ts')) ? path.join(target, 'index.ts') : target;
            const to = unitOf(resolved);
            if (to !== from) edges.push({ from, to, file: path.relative(root, file), spec });
        }
    }
    return { edges, vscodeUsers };
}

/** The layers below the features and what each may import: the blob layer at the bottom, then the image readers, then the plans and the disk readers over them. */
const ENGINE: Record<string, string[]> = {
    blob: ['shared'],
    formats: ['shared'],
    transfer: ['shared', 'blob', 'formats'],
    disk: ['shared', 'blob', 'formats'],
    'webview-app': ['shared'],
};

function violations(edges: Edge[], vscodeUsers: Map<string, string[]>): string[] {
    const out: string[] = [];
    const isFeature = (u: string) => u.startsWith('features/');
    for (const e of edges) {
        const where = `${e.file} imports '${e.spec}'`;
        if (isFeature(e.from) && isFeature(e.to)) out.push(`${where}: a feature calls another through ctx.actions, never its modules`);
        else if (!isFeature(e.from) && e.from !== 'root' && isFeature(e.to)) out.push(`${where}: the core imports no feature`);
        if (e.to === 'root') out.push(`${where}: nothing imports the composition root`);
        if (e.from === 'shared') out.push(`${where}: shared/ is pure and imports nothing outside itself`);
        const allowed = ENGINE[e.from];
        if (allowed && !allowed.includes(e.to)) out.push(`${where}: ${e.from}/ imports only ${allowed.map((u) => `${u}/`).join(', ')}`);
    }
    for (const unit of ['shared', ...Object.keys(ENGINE)]) {
        for (const f of vscodeUsers.get(unit) ?? []) out.push(`${f} imports 'vscode': ${unit}/ runs without VS Code`);
    }
    // Folder cycles (Tarjan's strongly connected components).
    const graph = new Map<string, Set<string>>();
    for (const e of edges) (graph.get(e.from) ?? graph.set(e.from, new Set()).get(e.from)!).add(e.to);
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const visit = (v: string): void => {
        idx.set(v, index);
        low.set(v, index++);
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!idx.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
        }
        if (low.get(v) === idx.get(v)) {
            const scc: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                scc.push(w);
            } while (w !== v);
            if (scc.length > 1) out.push(`import cycle between folders: ${scc.sort().join(' <-> ')}`);
        }
    };
    for (const v of graph.keys()) if (!idx.has(v)) visit(v);
    return out;
}

test('src/ keeps its layout: features over a core, pure shared/ and transfer/, no folder cycles', () => {
    const { edges, vscodeUsers } = layoutEdges();
    assert.ok(edges.length > 30, `the import scan found only ${edges.length} edges: it is not reading src/`);
    assert.deepEqual(violations(edges, vscodeUsers), []);
});

test('the rule sees each kind of forbidden import', () => {
    const e = (from: string, to: string): Edge => ({ from, to, file: `src/${from}/x.ts`, spec: `../${to}/y` });
    const none = new Map<string, string[]>();
    assert.equal(violations([e('features/download', 'features/grant')], none).length, 1);
    assert.equal(violations([e('tree', 'features/grant')], none).length, 1);
    assert.equal(violations([e('app', 'root')], none).length, 1);
    assert.equal(violations([e('shared', 'azure')], none).length, 1);
    assert.equal(violations([e('transfer', 'azure')], none).length, 1);
    assert.equal(violations([e('blob', 'transfer')], none).length, 1, 'the blob layer sits below the plans');
    assert.equal(violations([e('formats', 'transfer')], none).length, 1, 'the image readers sit below the plans');
    assert.equal(violations([], new Map([['disk', ['src/disk/x.ts']]])).length, 1, 'the disk readers run without VS Code');
    assert.equal(violations([], new Map([['transfer', ['src/transfer/x.ts']]])).length, 1);
    assert.deepEqual(violations([e('tree', 'azure'), e('azure', 'tree')], none), ['import cycle between folders: azure <-> tree']);
    assert.deepEqual(violations([e('features/download', 'app'), e('root', 'features/download'), e('transfer', 'shared'), e('transfer', 'blob'), e('disk', 'formats')], none), []);
});

test('the repository top level holds only the project files and the conventional extras', () => {
    const allowed = new Set(['package.json', 'tsconfig.json', 'src', 'media', 'test', '.vscodeignore', 'esbuild.mjs', 'README.md',
        '.ci', '.vscode', '.gitignore', 'package-lock.json', 'package.nls.json', 'l10n', 'CHANGELOG.md', 'LICENSE']);
    const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
    assert.ok(tracked.length > 100, `git ls-files listed only ${tracked.length} files`);
    const top = [...new Set(tracked.map((f) => f.split('/')[0]))];
    assert.deepEqual(top.filter((name) => !allowed.has(name)), []);
});
