/**
 * The l10n extractor (`npm run l10n`) sees only literal messages: `l10n.t('…')`. This scan of src/
 * fails on the shapes that hide a message from it — a variable or template as the message, the
 * translator handed around as a value (`t(label)`), and, in the folders whose every text is
 * translated, a user-facing property or page text given as a bare string.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '..', '..', '..');
const src = path.join(root, 'src');

interface Finding {
    file: string;
    line: number;
    rule: string;
    text: string;
}

/** Where every shown text is checked, not only the l10n calls: the grant wizard, the pickers, the access panel and its page. */
const FULLY_COVERED = ['features/grant/', 'wizard/', 'features/access/', 'webview-app/'];
const SHOWN_PROPERTIES = new Set(['label', 'description', 'detail', 'placeHolder', 'prompt', 'title', 'tooltip', 'message', 'nextStep']);
/** The page's element builders: their text arguments are shown as they are. */
const PAGE_TEXT_CALLS = new Set(['button', 'setText', 'flash', 'h']);

/**
 * Findings that stay, each with why. Only names that read the same in every language (file
 * formats) belong here; a word does not.
 */
const ALLOWED: readonly { file: string; text: string; why: string }[] = [];

/** Known and not yet fixed; each entry must still be found, so fixing one fails this test until the entry goes. None today. */
const PENDING: readonly { file: string; text: string }[] = [];

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return sourceFiles(p);
        return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
    });
}

/** `l10n.t` or `vscode.l10n.t`. */
function isL10nT(e: ts.Expression): e is ts.PropertyAccessExpression {
    return ts.isPropertyAccessExpression(e) && e.name.text === 't' && /(^|\.)l10n$/.test(e.expression.getText());
}

function isLiteral(e: ts.Expression | undefined): boolean {
    if (!e) return false;
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return true;
    // l10n.t({ message: '…', args, comment }): the extractor reads the message property.
    return ts.isObjectLiteralExpression(e) && e.properties.some((p) => ts.isPropertyAssignment(p) && p.name.getText() === 'message' && isLiteral(p.initializer));
}

/** The words a string or template shows by itself, outside its `${…}` parts. */
function ownText(e: ts.Expression): string | undefined {
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
    if (ts.isTemplateExpression(e)) return [e.head.text, ...e.templateSpans.map((s) => s.literal.text)].join(' ');
    return undefined;
}

const hasWords = (s: string | undefined) => !!s && /\p{L}{2}/u.test(s);

function scan(file: string, text: string): Finding[] {
    const rel = path.relative(src, file).split(path.sep).join('/');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const covered = FULLY_COVERED.some((d) => rel.startsWith(d));
    const out: Finding[] = [];
    const flag = (n: ts.Node, rule: string) => out.push({ file: rel, line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1, rule, text: n.getText().slice(0, 120) });
    const visit = (n: ts.Node): void => {
        if (ts.isCallExpression(n)) {
            if (isL10nT(n.expression) && !isLiteral(n.arguments[0])) flag(n, 'the message is not a literal');
            if (ts.isIdentifier(n.expression) && n.expression.text === 't') flag(n, 'a translator passed in: its messages never reach the bundle');
            const callee = ts.isIdentifier(n.expression) ? n.expression.text : ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : '';
            if (rel.startsWith('webview-app/') && PAGE_TEXT_CALLS.has(callee)) {
                // h(tag, attrs, ...children), button(text, …), setText(el, text), this.flash(blob, text)
                const shownFrom = callee === 'h' ? 2 : callee === 'button' ? 0 : 1;
                for (const a of n.arguments.slice(shownFrom, callee === 'h' ? undefined : shownFrom + 1)) if (hasWords(ownText(a))) flag(a, 'page text not translated');
            }
        } else if (ts.isPropertyAccessExpression(n) && isL10nT(n) && !(ts.isCallExpression(n.parent) && n.parent.expression === n)) {
            flag(n, 'the translator used as a value: the calls it reaches are not literal');
        } else if (covered && ts.isPropertyAssignment(n) && SHOWN_PROPERTIES.has(n.name.getText()) && hasWords(ownText(n.initializer))) {
            flag(n, 'a shown property given as a bare string');
        }
        ts.forEachChild(n, visit);
    };
    visit(sf);
    return out;
}

const matches = (f: Finding, e: { file: string; text: string }) => f.file === e.file && f.text.includes(e.text);

test('every message in src/ is a literal the extractor sees', () => {
    const findings = sourceFiles(src).flatMap((f) => scan(f, fs.readFileSync(f, 'utf8')));
    assert.ok(sourceFiles(src).some((f) => f.includes(`${path.sep}webview-app${path.sep}`)), 'the page is scanned too');
    const left = findings.filter((f) => !ALLOWED.some((a) => matches(f, a)) && !PENDING.some((p) => matches(f, p)));
    assert.deepEqual(left.map((f) => `${f.file}:${f.line}: ${f.rule}: ${f.text}`), []);
    for (const e of [...ALLOWED, ...PENDING]) assert.ok(findings.some((f) => matches(f, e)), `${e.file}: "${e.text}" is no longer found; take it off the list`);
});

test('the scan flags each hidden shape, and passes literal calls', () => {
    const at = (rel: string, code: string) => scan(path.join(src, rel), code).map((f) => f.rule);
    assert.deepEqual(at('features/x/a.ts', "const m = l10n.t('Grant access to {0}', name); vscode.l10n.t({ message: 'Hi', args: [], comment: ['c'] });"), []);
    assert.deepEqual(at('features/x/a.ts', 'l10n.t(c.label);'), ['the message is not a literal']);
    assert.deepEqual(at('features/x/a.ts', 'vscode.l10n.t(`${n} left`);'), ['the message is not a literal']);
    assert.deepEqual(at('features/x/a.ts', 'run(ctx, ui, vscode.l10n.t);'), ['the translator used as a value: the calls it reaches are not literal']);
    assert.deepEqual(at('features/x/a.ts', "const s = t('1 hour');"), ['a translator passed in: its messages never reach the bundle']);
    // Bare shown strings count only where every text is translated.
    assert.deepEqual(at('features/x/a.ts', "const i = { label: 'Forever' };"), []);
    assert.deepEqual(at('features/grant/wizard.ts', "const i = { label: 'Forever', description: `${n} · ${m}` };"), ['a shown property given as a bare string']);
    assert.deepEqual(at('webview-app/view.ts', "button('Forever', f); setText(el, `${n} left`); h('p', {}, name, 'Expired'); h('div', { className: 'row' }); this.flash(b, 'Copied.');"), [
        'page text not translated',
        'page text not translated',
        'page text not translated',
        'page text not translated',
    ]);
});
