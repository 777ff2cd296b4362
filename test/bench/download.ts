/**
 * Our engine alone, called exactly as the extension calls it:
 *   node out/test/bench/download.js <sasUrl> <outFile> [--concurrency N] [--chunk-mib N] [--md5-workers N] [--merge-gap-kib N] [--progress] [--no-md5 | --md5-every] [--fixed-gaps]
 * Prints the DownloadResult as one JSON line on stdout; with --progress, progress lines on stderr.
 */
import { downloadBlob, redactUrl } from '../../src/transfer/index';
import { engineArgs, runEngine } from './cli';

const args = engineArgs(process.argv.slice(2), {
    values: ['concurrency', 'chunk-mib', 'md5-workers', 'merge-gap-kib'],
    switches: ['progress', 'no-md5', 'md5-every', 'fixed-gaps'],
    required: 2,
    usage: 'download.js <sasUrl> <outFile> [--concurrency N] [--chunk-mib N] [--md5-workers N] [--merge-gap-kib N] [--progress] [--no-md5 | --md5-every] [--fixed-gaps]',
});
const [url, out] = args.positionals;
const chunkMiB = args.number('chunk-mib');
const gapKiB = args.number('merge-gap-kib');

runEngine(async (signal) => {
    const result = await downloadBlob({
        url,
        destPath: out,
        concurrency: args.number('concurrency'),
        chunkSize: chunkMiB ? chunkMiB * 1024 * 1024 : undefined,
        mergeGap: gapKiB === undefined ? undefined : gapKiB * 1024,
        signal,
        onProgress: args.has('progress') ? (p) => process.stderr.write(`progress ${p.bytesDone} ${p.bytesPlanned} ${Math.round(p.bytesPerSecond)}\n`) : undefined,
        log: (m) => process.stderr.write(`log ${m}\n`),
        tuning: { verifyMd5: args.has('no-md5') ? false : args.has('md5-every') ? true : undefined, md5Workers: args.number('md5-workers'), adaptiveMerge: !args.has('fixed-gaps') },
    });
    return { ...result, url: redactUrl(url) };
});
