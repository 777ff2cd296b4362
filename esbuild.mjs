// Bundles the extension (Node, CommonJS) and the access panel page (browser, IIFE).
// Usage: node esbuild.mjs [--production] [--watch] [--metafile]
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const metafile = process.argv.includes('--metafile');

/** Errors in the `file:line:col: error: message` shape problem matchers read; the start and end lines only in watch mode, for its background matcher. */
const problemMatcherLog = (name) => ({
    name: `log-${name}`,
    setup(build) {
        if (watch) build.onStart(() => console.log(`[watch] build started (${name})`));
        build.onEnd((result) => {
            for (const { text, location } of [...result.errors, ...result.warnings.map((w) => ({ ...w, warning: true }))]) {
                const kind = result.errors.some((e) => e.text === text) ? 'error' : 'warning';
                console.error(`✘ [${kind.toUpperCase()}] ${text}`);
                if (location) console.error(`    ${location.file}:${location.line}:${location.column}: ${kind}: ${text}`);
            }
            if (watch) console.log(`[watch] build finished (${name})`);
        });
    },
});

const common = {
    bundle: true,
    minify: production,
    sourcemap: production ? false : 'linked',
    sourcesContent: false,
    logLevel: 'silent',
    metafile,
    legalComments: production ? 'none' : 'eof',
};

const extension = {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    // Prefer the packages' ESM builds so dynamic imports split cleanly and tree-shake.
    mainFields: ['module', 'main'],
    // ESM builds read import.meta.url (e.g. @azure/storage-common's crc64); in a CJS bundle it is
    // empty and page-range listing throws, so downloads silently fetched every hole.
    define: { 'process.env.NODE_ENV': production ? '"production"' : '"development"', 'import.meta.url': '__importMetaUrl' },
    banner: { js: "'use strict';const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [problemMatcherLog('extension')],
};

const webview = {
    ...common,
    entryPoints: { main: 'src/webview-app/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    tsconfig: 'src/webview-app/tsconfig.json',
    loader: { '.css': 'css' },
    plugins: [problemMatcherLog('webview')],
};

/**
 * The README the VSIX carries, for the extension page: the user's part of README.md without its
 * screenshots (the page shows README images only from https:, and a VSIX installed offline has
 * none to point at) and without the performance and development sections, which live in the
 * repository's README and CONTRIBUTING.md.
 */
function packagedReadme() {
    const text = readFileSync('README.md', 'utf8');
    const cut = text.search(/^## Performance\b/m);
    const user = (cut > 0 ? text.slice(0, cut) : text)
        .replace(/^!\[[^\]]*\]\([^)]*\)\n\n?/gm, '')
        .replace(/^\*Screenshots taken by the UI tests[^\n]*\n\n?/m, '');
    const note = '## More\n\nScreenshots, the performance figures and how the extension is built and tested are in the README of its source (the screenshots are the PNG files in its `media/` folder).\n';
    mkdirSync('dist', { recursive: true });
    writeFileSync('dist/README.md', `${user.trimEnd()}\n\n${note}`);
}

async function main() {
    if (production) {
        packagedReadme();
        // No stale development sourcemaps next to a release bundle.
        for (const f of ['dist/extension.js.map', 'dist/webview']) rmSync(f, { recursive: true, force: true });
    }
    const contexts = await Promise.all([esbuild.context(extension), esbuild.context(webview)]);
    if (watch) {
        await Promise.all(contexts.map((c) => c.watch()));
        return;
    }
    try {
        const results = await Promise.all(contexts.map((c) => c.rebuild()));
        if (metafile) {
            mkdirSync('dist', { recursive: true });
            writeFileSync('dist/meta-extension.json', JSON.stringify(results[0].metafile));
            writeFileSync('dist/meta-webview.json', JSON.stringify(results[1].metafile));
            console.log('metafiles: dist/meta-extension.json, dist/meta-webview.json');
        }
    } finally {
        await Promise.all(contexts.map((c) => c.dispose()));
    }
}

main().catch((e) => {
    console.error(e?.message ?? e);
    process.exit(1);
});
