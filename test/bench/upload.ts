/**
 * The upload engine alone, called as the extension calls it:
 *   node out/test/bench/upload.js <imageFile> <writeSasUrl> [--concurrency N] [--chunk-mib N]
 *        [--zero-gap-kib N] [--journal <file>] [--kind disk|vmgs|vmmd] [--no-extent-query] [--progress]
 * Prints one JSON line on stdout: bytes sent, bytes skipped, the checks, the time taken. Logs (no
 * secrets) and, with --progress, progress lines go to stderr. Ctrl-C cancels (the journal stays).
 */
import { redactUrl, uploadImage, type BlobKind } from '../../src/transfer/index';
import { engineArgs, runEngine } from './cli';

const args = engineArgs(process.argv.slice(2), {
    values: ['concurrency', 'chunk-mib', 'zero-gap-kib', 'journal', 'kind'],
    switches: ['no-extent-query', 'progress'],
    required: 2,
    usage: 'upload.js <imageFile> <writeSasUrl> [--concurrency N] [--chunk-mib N] [--zero-gap-kib N] [--journal file] [--kind disk|vmgs|vmmd] [--no-extent-query] [--progress]',
});
const [image, url] = args.positionals;
const chunkMiB = args.number('chunk-mib');
const zeroGapKiB = args.number('zero-gap-kib');

runEngine(async (signal) => {
    const r = await uploadImage({
        imagePath: image,
        url,
        kind: args.text('kind') as BlobKind | undefined,
        journalPath: args.text('journal'),
        concurrency: args.number('concurrency'),
        chunkSize: chunkMiB ? chunkMiB * 1024 * 1024 : undefined,
        zeroGap: zeroGapKiB ? zeroGapKiB * 1024 : undefined,
        signal,
        onProgress: args.has('progress') ? (p) => process.stderr.write(`progress ${p.bytesDone} ${p.bytesPlanned} ${p.bytesSent} ${Math.round(p.bytesPerSecond)}\n`) : undefined,
        log: (m) => process.stderr.write(`log ${m}\n`),
    }, { extentQuery: !args.has('no-extent-query') });
    return {
        format: r.format,
        blobSize: r.blobSize,
        bytesSent: r.bytesSent,
        bytesSkipped: r.bytesSkipped,
        bytesResumed: r.bytesResumed,
        requests: r.requests,
        retries: r.retries,
        checks: r.checks,
        notes: r.notes,
        url: redactUrl(url),
    };
});
