/**
 * The upload engine alone, called as the extension calls it:
 *   node out/test/bench/upload.js <imageFile> <writeSasUrl> [--concurrency N] [--chunk-mib N]
 *        [--zero-gap-kib N] [--journal <file>] [--kind disk|vmgs|vmmd] [--no-extent-query] [--progress]
 * Prints one JSON line on stdout: bytes sent, bytes skipped, the checks, the time taken. Logs (no
 * secrets) and, with --progress, progress lines go to stderr. Ctrl-C cancels (the journal stays).
 */
import { redactUrl, uploadImage, type BlobKind } from '../../src/transfer/index';

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const flag = (name: string) => {
        const i = args.indexOf(name);
        if (i < 0) return undefined;
        const v = args[i + 1];
        args.splice(i, 2);
        return v;
    };
    const bool = (name: string) => {
        const i = args.indexOf(name);
        if (i >= 0) args.splice(i, 1);
        return i >= 0;
    };
    const concurrency = flag('--concurrency');
    const chunkMiB = flag('--chunk-mib');
    const zeroGapKiB = flag('--zero-gap-kib');
    const journalPath = flag('--journal');
    const kind = flag('--kind') as BlobKind | undefined;
    const noExtentQuery = bool('--no-extent-query');
    const progress = bool('--progress');
    const [image, url] = args;
    if (!image || !url) {
        console.error('usage: upload.js <imageFile> <writeSasUrl> [--concurrency N] [--chunk-mib N] [--zero-gap-kib N] [--journal file] [--kind disk|vmgs|vmmd] [--no-extent-query] [--progress]');
        process.exit(2);
    }
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    process.once('SIGTERM', () => ac.abort());
    const t0 = process.hrtime.bigint();
    const r = await uploadImage({
        imagePath: image,
        url,
        kind,
        journalPath,
        concurrency: concurrency ? Number(concurrency) : undefined,
        chunkSize: chunkMiB ? Number(chunkMiB) * 1024 * 1024 : undefined,
        zeroGap: zeroGapKiB ? Number(zeroGapKiB) * 1024 : undefined,
        signal: ac.signal,
        onProgress: progress ? (p) => process.stderr.write(`progress ${p.bytesDone} ${p.bytesToScan} ${p.bytesSent} ${Math.round(p.bytesPerSecond)}\n`) : undefined,
        log: (m) => process.stderr.write(`log ${m}\n`),
        tuning: { noExtentQuery },
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    process.stdout.write(JSON.stringify({
        format: r.format,
        blobSize: r.blobSize,
        bytesSent: r.bytesSent,
        bytesSkipped: r.bytesSkipped,
        bytesResumed: r.bytesResumed,
        requests: r.requests,
        retries: r.retries,
        checks: r.checks,
        notes: r.notes,
        ms: Math.round(ms),
        url: redactUrl(url),
    }) + '\n');
}

main().catch((e: Error & { code?: string }) => {
    process.stderr.write(`error ${e.code ?? e.name}: ${e.message}\n`);
    process.exit(1);
});
