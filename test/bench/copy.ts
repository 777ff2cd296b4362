/**
 * The copy engine alone, called as Copy to… calls it:
 *   node out/test/bench/copy.js <sourceSasUrl> <targetSasUrl> [--concurrency N] [--mode auto|server|stream] [--journal <file>]
 * Prints one JSON line on stdout: how the copy ran, the bytes copied server-side and streamed, the
 * requests and the checks. Logs (no secrets) go to stderr. Ctrl-C cancels (the journal stays).
 */
import { copyPageBlob, redactUrl } from '../../src/transfer/index';
import { engineArgs, runEngine } from './cli';

const args = engineArgs(process.argv.slice(2), {
    values: ['concurrency', 'mode', 'journal'],
    switches: [],
    required: 2,
    usage: 'copy.js <sourceSasUrl> <targetSasUrl> [--concurrency N] [--mode auto|server|stream] [--journal file]',
});
const [source, target] = args.positionals;
const mode = args.text('mode');
if (mode !== undefined && mode !== 'auto' && mode !== 'server' && mode !== 'stream') throw new Error(`--mode ${mode}: auto, server or stream`);

runEngine(async (signal) => {
    const r = await copyPageBlob({
        sourceUrl: source,
        targetUrl: target,
        journalPath: args.text('journal'),
        mode,
        concurrency: args.number('concurrency'),
        signal,
        log: (m) => process.stderr.write(`log ${m}\n`),
    });
    return { ...r, source: redactUrl(source), target: redactUrl(target) };
});
