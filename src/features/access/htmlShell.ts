/** The access panel's HTML around its script and stylesheet, with the strict CSP. No vscode import. */

export interface ShellInput {
    cspSource: string;
    nonce: string;
    scriptUri: string;
    styleUri: string;
    title: string;
    /** The display language (VS Code's), for the page's `lang`. */
    lang?: string;
    /** VS Code's translations (`vscode.l10n.bundle`); none for English. The page configures @vscode/l10n with it. */
    l10nBundle?: Record<string, unknown>;
    /** The placeholder shown until the page's script runs, already translated. */
    loading?: string;
}

/**
 * The bundle rides in a data attribute, not a script block: nothing there runs, the CSP stays
 * nonce-only, and escapeHtml makes any message text inert.
 */
export const L10N_ATTRIBUTE = 'data-l10n';

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
    return ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`, `img-src ${cspSource}`, `font-src ${cspSource}`].join('; ');
}

export function buildHtml(i: ShellInput): string {
    return `<!DOCTYPE html>
<html lang="${escapeHtml(i.lang ?? 'en')}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(i.cspSource, i.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(i.styleUri)}">
<title>${escapeHtml(i.title)}</title>
</head>
<body>
<main id="app" aria-busy="true"${i.l10nBundle ? ` ${L10N_ATTRIBUTE}="${escapeHtml(JSON.stringify(i.l10nBundle))}"` : ''}><p class="loading">${escapeHtml(i.loading ?? 'Loading…')}</p></main>
<script nonce="${escapeHtml(i.nonce)}" src="${escapeHtml(i.scriptUri)}"></script>
</body>
</html>`;
}

export function escapeHtml(s: string): string {
    return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
