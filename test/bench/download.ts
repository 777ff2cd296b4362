/**
 * Our engine alone, called exactly as the extension calls it:
 *   node out/test/bench/download.js <sasUrl> <outFile> [--concurrency N] [--chunk-mib N] [--md5-workers N] [--progress] [--no-md5 | --md5-every] [--fixed-gaps]
 * Prints the DownloadResult as one JSON line on stdout; with --progress, progress lines on stderr.
 */
import { downloadBlob, redactUrl } from '../../src/transfer/index';

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const flag = (name: string) => {
        const i = args.indexOf(name);
        if (i < 0) return undefined;
        const v = args[i + 1];
        args.splice(i, 2);
        return v;
    };
    const concurrency = flag('--concurrency');
    const chunkMiB = flag('--chunk-mib');
    const md5Workers = flag('--md5-workers');
    const progress = args.indexOf('--progress');
    if (progress >= 0) args.splice(progress, 1);
    const noMd5 = args.indexOf('--no-md5');
    if (noMd5 >= 0) args.splice(noMd5, 1);
    const fixedGaps = args.indexOf('--fixed-gaps');
    if (fixedGaps >= 0) args.splice(fixedGaps, 1);
    const md5Every = args.indexOf('--md5-every');
    if (md5Every >= 0) args.splice(md5Every, 1);
    const [url, out] = args;
    if (!url || !out) {
        console.error('usage: download.js <sasUrl> <outFile> [--concurrency N] [--chunk-mib N] [--progress]');
        process.exit(2);
    }
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    process.once('SIGTERM', () => ac.abort());
    const t0 = process.hrtime.bigint();
    const result = await downloadBlob({
        url,
        destPath: out,
        concurrency: concurrency ? Number(concurrency) : undefined,
        chunkSize: chunkMiB ? Number(chunkMiB) * 1024 * 1024 : undefined,
        signal: ac.signal,
        onProgress: progress >= 0 ? (p) => process.stderr.write(`progress ${p.bytesDone} ${p.bytesToFetch} ${Math.round(p.bytesPerSecond)}\n`) : undefined,
        log: (m) => process.stderr.write(`log ${m}\n`),
        tuning: { verifyMd5: noMd5 >= 0 ? false : md5Every >= 0 ? true : undefined, md5Workers: md5Workers ? Number(md5Workers) : undefined, adaptiveMerge: fixedGaps < 0 },
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    process.stdout.write(JSON.stringify({ ...result, ms, url: redactUrl(url) }) + '\n');
}

main().catch((e: Error & { code?: string }) => {
    process.stderr.write(`error ${e.code ?? e.name}: ${e.message}\n`);
    process.exit(1);
});
