/**
 * Pseudo-translation for the l10n coverage tests: every message of the committed bundle maps to a
 * marked form, so a text shown without its marks never went through the bundle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

/** The committed l10n/bundle.l10n.json, each message as ⟦message⟧ (placeholders kept, so arguments still land). */
export function pseudoBundle(): Record<string, string> {
    const bundle = JSON.parse(fs.readFileSync(path.join(root, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string | { message: string }>;
    return Object.fromEntries(Object.keys(bundle).map((key) => [key, `⟦${key}⟧`]));
}

/**
 * What of `text` did not come out marked: the marked parts removed (innermost first, a message
 * may hold another), then the data the caller names (disk names, file names, format names), then
 * numbers with their units. Whatever still has a letter is a text the bundle never saw.
 */
export function unmarked(text: string, data: readonly string[] = []): string | undefined {
    let rest = text;
    for (let prev = ''; prev !== rest; ) {
        prev = rest;
        rest = rest.replace(/⟦[^⟦⟧]*⟧/g, ' ');
    }
    for (const d of [...data].sort((a, b) => b.length - a.length)) rest = rest.split(d).join(' ');
    rest = rest.replace(/\d[\d.,:]*\s*(?:[KMGT]iB\/s|[KMGT]iB|B|d|h|m|s)?(?![A-Za-z])/g, ' ');
    return /\p{L}/u.test(rest) ? text : undefined;
}

/** The texts of `texts` that show words the bundle did not mark. */
export function unmarkedTexts(texts: Iterable<string>, data: readonly string[] = []): string[] {
    return [...new Set(texts)].filter((t) => unmarked(t, data) !== undefined);
}
